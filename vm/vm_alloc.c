#include "vm_alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "vtrunk: out of memory (%zu bytes)\n", n);
	abort();
}

void *vm_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *vm_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *vm_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void *vm_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap;

	if (need <= c)
		return p;
	if (c < 8)
		c = 8;
	while (c < need)
		c *= 2;
	p = vm_xrealloc(p, c * size);
	*cap = c;
	return p;
}

char *vm_xstrdup(const char *s)
{
	return s ? vm_xstrndup(s, strlen(s)) : NULL;
}

char *vm_xstrndup(const char *s, size_t n)
{
	char *p = vm_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void vm_str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memmove(dst, src, n);
	dst[n] = '\0';
}

char *vm_xasprintf(const char *fmt, ...)
{
	struct vm_buf b = {0};
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	b.data = vm_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return b.data;
}

void vm_buf_add(struct vm_buf *b, const void *p, size_t n)
{
	b->data = vm_xgrow(b->data, &b->cap, b->len + n + 1, 1);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void vm_buf_adds(struct vm_buf *b, const char *s)
{
	vm_buf_add(b, s, strlen(s));
}

void vm_buf_addf(struct vm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	b->data = vm_xgrow(b->data, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *vm_buf_steal(struct vm_buf *b)
{
	char *p = b->data ? b->data : vm_xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void vm_buf_reset(struct vm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *vm_base64_encode(const void *data, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char *out = vm_xmalloc(4 * ((len + 2) / 3) + 1), *o = out;

	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		size_t left = len - i;
		if (left > 1)
			v |= (unsigned long)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		*o++ = abc[(v >> 18) & 63];
		*o++ = abc[(v >> 12) & 63];
		*o++ = left > 1 ? abc[(v >> 6) & 63] : '=';
		*o++ = left > 2 ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}
