#include "cli_plan_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vm_text.h"

#define QUOTE_MAX 60 /* bytes of a user's value repeated in a message */
#define PATH_MAX_LEN 192

void cli_plan_quote(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	struct vm_buf b = {0};
	char *q;

	vm_buf_adds(&b, "\"");
	while (*p) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		/* Escapes can grow a byte sixfold: stop on whichever limit comes first,
		 * never inside a multi-byte character. */
		if ((size_t)(p - (const unsigned char *)s) >= QUOTE_MAX || b.len + 14 >= outsz) {
			vm_buf_adds(&b, "...");
			break;
		}
		if (n == 0) {
			vm_buf_addf(&b, "\\x%02x", *p++);
			continue;
		}
		if (c == '"' || c == '\\')
			vm_buf_addf(&b, "\\%c", (char)c);
		else if (vm_text_unsafe(c))
			vm_buf_addf(&b, "\\u%04x", (unsigned)c);
		else
			vm_buf_add(&b, p, n);
		p += n;
	}
	vm_buf_adds(&b, "\"");
	q = vm_buf_steal(&b);
	snprintf(out, outsz, "%s", q);
	free(q);
}

int cli_plan_text_check(const char *path, const char *s, struct vm_err *err)
{
	size_t at = 0;
	uint32_t cp = 0;
	const char *why = vm_text_check(s, &at, &cp);

	if (!why)
		return 0;
	if (why == vm_text_malformed)
		return vm_err_set(err, VM_ERR_USAGE, "%s: is not valid UTF-8 (byte %zu)", path, at);
	return vm_err_set(err, VM_ERR_USAGE,
			  "%s: contains %s (U+%04X at byte %zu), which no text vtrunk writes to a "
			  "guest file, script or terminal may hold",
			  path, why, (unsigned)cp, at);
}

/* Whether the text holds code point cp, raw or as a \u escape of either case. */
static int text_has(const char *json, uint32_t cp)
{
	char raw[4] = {(char)(0xe0 | cp >> 12), (char)(0x80 | (cp >> 6 & 0x3f)),
		       (char)(0x80 | (cp & 0x3f)), 0};
	char lo[8], up[8];

	snprintf(lo, sizeof(lo), "\\u%04x", (unsigned)cp);
	snprintf(up, sizeof(up), "\\u%04X", (unsigned)cp);
	return strstr(json, raw) || strstr(json, lo) || strstr(json, up);
}

char *cli_plan_nul_mask(const char *json, uint32_t *sentinel)
{
	char *copy = NULL;
	int in_string = 0;

	*sentinel = 0;
	for (size_t i = 0; json[i]; i++) {
		if (!in_string) {
			in_string = json[i] == '"';
			continue;
		}
		if (json[i] == '"') {
			in_string = 0;
		} else if (json[i] == '\\') {
			if (strncmp(json + i + 1, "u0000", 5) == 0) {
				if (!copy) {
					/* U+FDD0..U+FDEF: refused in a plan anyway; take one the text
					 * does not hold, so what is found is surely a NUL. */
					for (uint32_t cp = 0xfdd0; cp <= 0xfdef && !*sentinel; cp++)
						if (!text_has(json, cp))
							*sentinel = cp;
					if (!*sentinel)
						return NULL;
					copy = vm_xstrdup(json);
				}
				snprintf(copy + i + 1, 6, "u%04X", (unsigned)*sentinel);
				copy[i + 6] = json[i + 6];
			}
			if (json[i + 1])
				i++;
		}
	}
	return copy;
}

static int has_sentinel(const char *s, uint32_t sentinel)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);
		if (n && c == sentinel)
			return 1;
		p += n ? n : 1;
	}
	return 0;
}

static int nul_walk(const cJSON *j, const char *path, uint32_t sentinel, struct vm_err *err)
{
	char sub[PATH_MAX_LEN];
	size_t i = 0;

	if (cJSON_IsString(j) && has_sentinel(j->valuestring, sentinel))
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s: contains \\u0000 (a NUL character), which would cut the text "
				  "short: remove it",
				  *path ? path : "(top level)");
	for (const cJSON *c = j->child; c; c = c->next, i++) {
		if (cJSON_IsArray(j)) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		} else {
			char shown[PATH_MAX_LEN / 2];
			if (has_sentinel(c->string, sentinel))
				return vm_err_set(err, VM_ERR_USAGE,
						  "%s%sa key contains \\u0000 (a NUL character), "
						  "which would cut it short: remove it",
						  path, *path ? ": " : "");
			cli_plan_quote(c->string, shown, sizeof(shown));
			if (c->string[strcspn(c->string, "\"\\.[] ")] == 0 && strlen(c->string) < 40 &&
			    !vm_text_check(c->string, &(size_t){0}, &(uint32_t){0}))
				snprintf(shown, sizeof(shown), "%s", c->string);
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", shown);
		}
		if (nul_walk(c, sub, sentinel, err) < 0)
			return -1;
	}
	return 0;
}

int cli_plan_nul_find(const cJSON *root, uint32_t sentinel, struct vm_err *err)
{
	return sentinel ? nul_walk(root, "", sentinel, err) : 0;
}
