/* vs_name.h — entity names as vCenter stores them and as people write them.
 *
 * ManagedEntity.name (vSphere API reference, vim.ManagedEntity): "Any / (slash), \ (backslash),
 * character used in this name element will be escaped. Similarly, any % (percent) character
 * used in this name element will be escaped, unless it is used to start an escape sequence.
 * A slash is escaped as %2F or %2f. A backslash is escaped as %5C or %5c, and a percent is
 * escaped as %25." vtrunk compares and prints names unescaped (what the admin typed in the
 * plan or sees in the vSphere Client) and sends them escaped wherever vCenter takes a name.
 *
 * Ownership: vs_name_unescape works in place; vs_name_escape_dup returns an owned string.
 */
#ifndef VS_NAME_H
#define VS_NAME_H

#include "vm_alloc.h"

/* Decodes %2f/%2F, %5c/%5C and %25 in s, in place, in one pass: a % that came from %25 is
 * a literal one ("%252f" is "%2f", never "/"). Any other % is left as it is. Returns s
 * (NULL for NULL). */
char *vs_name_unescape(char *s);
/* The name as vCenter stores it: every /, \ and % escaped. Owned. */
char *vs_name_escape_dup(const char *name);

#endif
