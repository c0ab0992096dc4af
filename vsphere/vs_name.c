#include "vs_name.h"

#include <string.h>

/* The character an escape sequence at p stands for, or 0 when p starts none. */
static char decoded(const char *p)
{
	if (p[0] != '%' || !p[1] || !p[2])
		return 0;
	if (p[1] == '2' && (p[2] == 'f' || p[2] == 'F'))
		return '/';
	if (p[1] == '5' && (p[2] == 'c' || p[2] == 'C'))
		return '\\';
	if (p[1] == '2' && p[2] == '5')
		return '%';
	return 0;
}

char *vs_name_unescape(char *s)
{
	char *w = s;

	if (!s)
		return NULL;
	for (const char *r = s; *r;) {
		char c = decoded(r);
		if (c) {
			*w++ = c;
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

char *vs_name_escape_dup(const char *name)
{
	struct vm_buf b = {0};

	for (const char *p = name; *p; p++) {
		if (*p == '/')
			vm_buf_adds(&b, "%2f");
		else if (*p == '\\')
			vm_buf_adds(&b, "%5c");
		else if (*p == '%')
			vm_buf_adds(&b, "%25");
		else
			vm_buf_add(&b, p, 1);
	}
	return b.len ? vm_buf_steal(&b) : vm_xstrdup("");
}
