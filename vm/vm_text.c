#include "vm_text.h"

#include <stdlib.h>

size_t vm_text_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		/* Also stops at the terminating NUL, so a cut sequence is never read past. */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

const char *vm_text_unsafe(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f)
		return "a control character";
	if (cp == 0x85)
		return "a control character that YAML reads as a line break (NEL)";
	if (cp >= 0x80 && cp <= 0x9f)
		return "a C1 control character";
	if (cp == 0x2028)
		return "a Unicode line separator, a line break in YAML";
	if (cp == 0x2029)
		return "a Unicode paragraph separator, a line break in YAML";
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return "a bidirectional formatting character, which makes text display other than it reads";
	if (cp == 0xfeff)
		return "a byte order mark";
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return "a Unicode noncharacter";
	return NULL;
}

const char vm_text_malformed[] = "invalid UTF-8";

const char *vm_text_check(const char *s, size_t *at, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (const unsigned char *q = p; *q;) {
		uint32_t c = 0;
		size_t n = vm_text_decode(q, &c);
		const char *why = n ? vm_text_unsafe(c) : vm_text_malformed;

		if (why) {
			*at = (size_t)(q - p);
			*cp = n ? c : *q;
			return why;
		}
		q += n;
	}
	return NULL;
}

size_t vm_text_chars(const char *s)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; chars++) {
		uint32_t c;
		size_t n = vm_text_decode(p, &c);
		p += n ? n : 1;
	}
	return chars;
}

void vm_text_display_add(struct vm_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		if (n == 0) {
			vm_buf_addf(b, "\\x%02x", *p++);
			continue;
		}
		if (vm_text_unsafe(c))
			vm_buf_addf(b, "\\u{%04x}", (unsigned)c);
		else
			vm_buf_add(b, p, n);
		p += n;
	}
}

char *vm_text_json_safe(const char *json)
{
	const unsigned char *p = (const unsigned char *)(json ? json : "");
	struct vm_buf b = {0};

	vm_buf_adds(&b, "");
	while (*p) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		if (n == 0) {
			vm_buf_adds(&b, "\\ufffd");
			p++;
			continue;
		}
		if (c >= 0x7f && vm_text_unsafe(c)) {
			if (c > 0xffff)
				vm_buf_addf(&b, "\\u%04x\\u%04x", 0xd800 + ((c - 0x10000) >> 10),
					    0xdc00 + ((c - 0x10000) & 0x3ff));
			else
				vm_buf_addf(&b, "\\u%04x", (unsigned)c);
		} else {
			vm_buf_add(&b, p, n);
		}
		p += n;
	}
	return vm_buf_steal(&b);
}

char *vm_text_display(const char *s)
{
	struct vm_buf b = {0};

	vm_text_display_add(&b, s);
	return vm_buf_steal(&b);
}

void vm_text_comment_add(struct vm_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		if (n == 0 || vm_text_unsafe(c)) {
			vm_buf_adds(b, "?");
			p += n ? n : 1;
			continue;
		}
		vm_buf_add(b, p, n);
		p += n;
	}
}
