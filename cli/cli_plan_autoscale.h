/* cli_plan_autoscale.h — the plan's "autoscale" block: which VMs vCenter holds are agents
 * without being listed (a name glob, a tag, or both), the slot range they take, and
 * "mgmt": "dhcp".
 *
 *   "autoscale": {"match": "kasm-auto-*", "tag": "kasm-autoscale", "slots": "16-63",
 *                 "mgmt": "dhcp"}
 *
 * Ownership: fills plan->autoscale (owned by the plan). Every error is VM_ERR_USAGE with
 * the field path first, as cli_plan.h's.
 */
#ifndef CLI_PLAN_AUTOSCALE_H
#define CLI_PLAN_AUTOSCALE_H

#include <cJSON.h>

#include "vm_err.h"
#include "vm_plan.h"

/* Loads root's "autoscale" (nothing when absent) and checks it against the rest of the
 * plan, which must be validated already: the range inside every VLAN's capacity, no
 * listed agent's slot inside it, a management network to attach clones to. */
int cli_plan_autoscale_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err);

#endif
