/* cli_plan_text.h — the plan loader's rules for the text a plan holds: what a string
 * may contain (vm_text.h's rule: no controls, line separators, bidi formatting or
 * malformed UTF-8, since every string ends up in a SOAP body, a guest file, a script
 * or a terminal), how a user's value is repeated in a message, and NUL escapes.
 *
 * cJSON decodes "\u0000" and keeps the string only up to it, so "vm": "a\u0000b" would
 * silently load as "a". cli_plan_nul_mask() rewrites each such escape, before parsing,
 * to a noncharacter the text does not hold (same length, so byte offsets in messages
 * stay true); cli_plan_nul_find() then finds it in the parsed tree and names the field.
 *
 * Ownership: cli_plan_nul_mask() returns an owned copy (free()) or NULL. */
#ifndef CLI_PLAN_TEXT_H
#define CLI_PLAN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "vm_err.h"

/* A user's value as a JSON-style quoted string, at most about 60 bytes of it, with
 * quotes, backslashes and every unsafe code point escaped (\u2028, \x80 for a byte
 * that is not UTF-8). */
void cli_plan_quote(const char *s, char *out, size_t outsz);

/* 0 when s may be used; else -1 with "PATH: contains ..." in err (err may be NULL). */
int cli_plan_text_check(const char *path, const char *s, struct vm_err *err);

/* A copy of json with every "\u0000" escape inside a string replaced by "\uXXXX" of
 * *sentinel, or NULL (and *sentinel 0) when json has none. */
char *cli_plan_nul_mask(const char *json, uint32_t *sentinel);

/* -1 with "PATH: contains \u0000 ..." when a key or string under root holds the
 * sentinel; 0 otherwise. */
int cli_plan_nul_find(const cJSON *root, uint32_t sentinel, struct vm_err *err);

#endif
