/* vm_apply.h — vtrunk-apply.sh for one agent: the idempotent bash script that installs
 * the files of its own directory (DIR/<vm>/) into / or into --root DIR.
 *
 * The script copies the files from the directory it lives in rather than carrying
 * them as heredocs: the tree stays the one copy a reviewer reads and may edit, and the
 * script never has to quote file contents.
 *
 * Ownership: the returned string is owned by the caller (free()); plan and agent are
 * borrowed; agent may be NULL.
 */
#ifndef VM_APPLY_H
#define VM_APPLY_H

#include <stddef.h>

#include "vm_guest.h"
#include "vm_plan.h"

char *vm_apply_emit(const struct vm_plan *plan, size_t agent_index,
		    const struct vm_guest_agent *agent);

#endif
