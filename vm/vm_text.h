/* vm_text.h — one rule for text that comes from vCenter or the plan and ends up in a
 * file, a script, a terminal or guestinfo.
 *
 * Some code points do harm in every sink vtrunk writes to, even inside quotes or a
 * comment: YAML 1.1 (libyaml, hence netplan) ends a line at U+0085, U+2028 and U+2029,
 * so a name holding one escapes a '#' comment into the file's structure; libyaml
 * refuses a file holding any other C1 control; a terminal acts on C0/C1 controls
 * (U+009B is a one-byte CSI); bidirectional overrides and isolates make text display
 * other than it reads (CVE-2021-42574). vm_text_unsafe() names them; the plan loader
 * refuses them, and every emitter escapes or replaces them on its own as well, so no
 * caller has to be trusted.
 *
 * Ownership: functions returning char * return an owned string (free()). */
#ifndef VM_TEXT_H
#define VM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "vm_alloc.h"

/* Length of the well-formed UTF-8 sequence at s (1 for ASCII; 1 for the NUL byte) and
 * its code point in *cp, or 0 when malformed (overlong forms, surrogates, past
 * U+10FFFF, a sequence cut short). */
size_t vm_text_decode(const unsigned char *s, uint32_t *cp);

/* Why the code point cp cannot be carried as it is ("a control character", "a Unicode
 * line separator", ...), or NULL when it can. Tab and newline count as controls: no
 * name holds them; the emitters write their own line structure. */
const char *vm_text_unsafe(uint32_t cp);

/* What vm_text_check() returns for malformed UTF-8 ("invalid UTF-8"): callers that word
 * that case apart compare the pointer. */
extern const char vm_text_malformed[];

/* The first thing in s that vm_text_unsafe() refuses, or malformed UTF-8
 * (vm_text_malformed): its description, with its byte offset in *at and its code point in *cp
 * (the byte for malformed UTF-8). NULL when s is clean. */
const char *vm_text_check(const char *s, size_t *at, uint32_t *cp);

/* Number of code points (malformed bytes count one each). */
size_t vm_text_chars(const char *s);

/* Appends s for a terminal or a table cell: clean text as it is; each unsafe code point
 * as \u{XXXX} and each malformed byte as \xNN. The result is one line of printable
 * text, so a name can neither forge a row nor reach the terminal as a control. */
void vm_text_display_add(struct vm_buf *b, const char *s);
/* The same, as an owned string; NULL in, "" out. */
char *vm_text_display(const char *s);

/* JSON text (cJSON's, which escapes only C0 controls) with every other unsafe code point
 * written as a \u escape and each malformed byte as \ufffd: the same document to a JSON
 * reader, safe on a terminal. Owned result. */
char *vm_text_json_safe(const char *json);

/* Appends s for use inside a '#' comment of a YAML, ifupdown or shell file: every unsafe
 * code point and malformed byte becomes '?', so nothing can end the comment line. */
void vm_text_comment_add(struct vm_buf *b, const char *s);

#endif
