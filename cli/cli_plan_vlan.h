/* cli_plan_vlan.h — loading a VLAN's "reserved" list (addresses no agent's Docker may
 * hand out). The checks against the subnet are vm_reserved_check()'s, run by
 * vm_plan_validate(), so a plan built in code is held to the same rules. */
#ifndef CLI_PLAN_VLAN_H
#define CLI_PLAN_VLAN_H

#include <cJSON.h>

#include "vm_err.h"
#include "vm_plan.h"

/* Reads vlan["reserved"] (absent: none) into v->reserved (owned by v, freed by
 * vm_plan_free()). path is the VLAN's, e.g. "vlans[0]". 0, or -1 with a usage error
 * naming the field. */
int cli_plan_reserved_load(const cJSON *vlan, const char *path, struct vm_plan_vlan *v,
			   struct vm_err *err);

#endif
