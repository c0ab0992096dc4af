/* vm_modules.h — etc/modules-load.d/vtrunk.conf: load 8021q at boot. (The /etc/modules
 * line older releases read is appended by vtrunk-apply.sh, which can see whether the
 * file already has it.)
 *
 * Ownership: the returned string is owned by the caller (free()).
 */
#ifndef VM_MODULES_H
#define VM_MODULES_H

#include "vm_plan.h"

char *vm_modules_emit(const struct vm_plan *plan);

#endif
