/* cli_plan.h — loads a JSON plan file (DESIGN.md "Plan file") into a struct vm_plan
 * and validates it (vm_plan_validate).
 *
 * Ownership: on success *out is a new plan owned by the caller (vm_plan_free());
 * on failure *out is left NULL. Every error is kind VM_ERR_USAGE (exit 2: nothing
 * was sent to vCenter), including a file that cannot be read, and its message
 * starts with the field path ("agents[3].mgmt_address: ...") or, for a file that
 * is not JSON, with the file name and the line and column where parsing stopped.
 */
#ifndef CLI_PLAN_H
#define CLI_PLAN_H

#include "vm_err.h"
#include "vm_plan.h"

/* Plans larger than this are refused before parsing. */
#define CLI_PLAN_MAX_BYTES (4u * 1024 * 1024)

/* Reads and loads `path`; "-" reads standard input. */
int cli_plan_load_file(const char *path, struct vm_plan **out, struct vm_err *err);
/* Loads a NUL-terminated JSON text; source_name (e.g. the file name, may be NULL)
 * only appears in messages about malformed JSON. */
int cli_plan_load_string(const char *json, const char *source_name, struct vm_plan **out,
			 struct vm_err *err);

#endif
