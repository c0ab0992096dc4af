/* vm_summary.h — DIR/summary.json: per agent, its slot, NICs (as vCenter reported
 * them, null when unknown), management address and its range in every VLAN with the
 * true usable capacity.
 *
 * Ownership: the returned string is owned by the caller (free()); plan and agents are
 * borrowed; agents may be NULL (offline render), else index-aligned with plan->agents.
 */
#ifndef VM_SUMMARY_H
#define VM_SUMMARY_H

#include "vm_guest.h"
#include "vm_plan.h"

char *vm_summary_emit(const struct vm_plan *plan, const struct vm_guest_agent *agents);

#endif
