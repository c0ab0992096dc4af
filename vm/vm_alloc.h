/* vm_alloc.h — allocation helpers that abort on out-of-memory, so every error path
 * left in the code is a real error. Every pointer returned is owned by the caller
 * and released with free(). A growable string buffer (struct vm_buf) is here too. */
#ifndef VM_ALLOC_H
#define VM_ALLOC_H

#include <stddef.h>

void *vm_xmalloc(size_t n);
void *vm_xcalloc(size_t n, size_t size);
void *vm_xrealloc(void *p, size_t n);
/* Grows an array of *cap elements of size `size` so that index `need - 1` fits. */
void *vm_xgrow(void *p, size_t *cap, size_t need, size_t size);
char *vm_xstrdup(const char *s);           /* NULL in, NULL out */
char *vm_xstrndup(const char *s, size_t n);
/* Copies src into dst[size], cutting it short when it does not fit; always terminated. */
void vm_str_copy(char *dst, size_t size, const char *src);
char *vm_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NUL-terminated growable byte buffer; .data is owned. Zero-initialise to start. */
struct vm_buf {
	char *data;  /* owned; always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};
void vm_buf_add(struct vm_buf *b, const void *p, size_t n);
void vm_buf_adds(struct vm_buf *b, const char *s);
void vm_buf_addf(struct vm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the data (owned by the caller) and resets the buffer. Never NULL. */
char *vm_buf_steal(struct vm_buf *b);
void vm_buf_reset(struct vm_buf *b);

/* Standard base64 (RFC 4648, with padding, no line breaks). Owned result. */
char *vm_base64_encode(const void *data, size_t len);

#endif
