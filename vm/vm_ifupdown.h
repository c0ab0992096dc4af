/* vm_ifupdown.h — etc/network/interfaces.d/vtrunk for one agent (merged, not replacing
 * /etc/network/interfaces: its other stanzas stay), as in Kasm's IPVLAN guide:
 * the management NIC static, the trunk NIC up with no address, no VLAN interfaces
 * (Docker's ipvlan driver creates <trunk>.<vlan> itself).
 *
 * Ownership: the returned string is owned by the caller (free()); plan and agent are
 * borrowed. agent may be NULL (nothing known from vCenter).
 */
#ifndef VM_IFUPDOWN_H
#define VM_IFUPDOWN_H

#include <stddef.h>

#include "vm_guest.h"
#include "vm_plan.h"

char *vm_ifupdown_emit(const struct vm_plan *plan, size_t agent_index,
		       const struct vm_guest_agent *agent);

#endif
