/* cli_plan_sections.h — loading the plan's one-object sections: "trunk" (required),
 * "management", "guest" and "tags" (each optional: the plan's defaults stay when absent).
 * Each fills its part of plan (owned by the plan, vm_plan_free()); errors as cli_plan.h's:
 * VM_ERR_USAGE with the field path first. Checks across sections are vm_plan_validate()'s. */
#ifndef CLI_PLAN_SECTIONS_H
#define CLI_PLAN_SECTIONS_H

#include <cJSON.h>

#include "vm_err.h"
#include "vm_plan.h"

int cli_plan_trunk_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err);
int cli_plan_management_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err);
int cli_plan_guest_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err);
int cli_plan_tags_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err);

#endif
