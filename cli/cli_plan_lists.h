/* cli_plan_lists.h — loading the plan's "vlans" and "agents" arrays: each entry's own
 * fields (a VLAN's id, subnet, gateway, agent_prefix, network, mode, reserved; an agent's
 * VM by name, inventory path, uuid or moref, its mgmt_address and slot, which defaults to
 * its index). Entries are owned by the plan (vm_plan_free(), partial ones too); errors as
 * cli_plan.h's. Checks across entries are vm_plan_validate()'s. */
#ifndef CLI_PLAN_LISTS_H
#define CLI_PLAN_LISTS_H

#include <cJSON.h>

#include "vm_err.h"
#include "vm_plan.h"

/* Reads root's "vlans" and "agents" (each may be absent) into plan. */
int cli_plan_lists_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err);

#endif
