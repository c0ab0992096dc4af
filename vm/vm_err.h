/* vm_err.h — the one error struct every layer fills in.
 *
 * Ownership: struct vm_err is a plain value owned by the caller; nothing in it is
 * heap-allocated. Functions that can fail return 0/-1 and take a struct vm_err *
 * last (NULL allowed: details are then dropped).
 */
#ifndef VM_ERR_H
#define VM_ERR_H

enum vm_err_kind {
	VM_ERR_NONE = 0,
	VM_ERR_USAGE,    /* bad option or invalid plan: nothing was sent (exit 2) */
	VM_ERR_NET,      /* cannot connect, timeout, connection dropped (exit 3) */
	VM_ERR_TLS,      /* certificate verification or pin failed (exit 3) */
	VM_ERR_AUTH,     /* login refused or session lost twice (exit 3) */
	VM_ERR_HTTP,     /* unexpected HTTP status without a SOAP fault (exit 1) */
	VM_ERR_FAULT,    /* a vSphere fault; .fault holds its type name (exit 1) */
	VM_ERR_TASK,     /* a task ended in error; .fault holds its type name (exit 1) */
	VM_ERR_PARSE,    /* an answer we could not read (exit 1) */
	VM_ERR_NOTFOUND, /* a named inventory object does not exist (exit 1) */
	VM_ERR_IO,       /* a local file could not be read or written (exit 1) */
};

struct vm_err {
	enum vm_err_kind kind;
	long http_status;  /* 0 when no HTTP answer was involved */
	char fault[64];    /* vSphere fault type name from xsi:type, or "" */
	char msg[384];     /* a whole sentence, no trailing newline */
};

/* Fills err (when not NULL) and returns -1, so callers can `return vm_err_set(...)`. */
int vm_err_set(struct vm_err *err, enum vm_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes err->msg with "what: " (e.g. a field or object name); returns -1. */
int vm_err_prefix(struct vm_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vm_err_clear(struct vm_err *err);
const char *vm_err_kind_name(enum vm_err_kind kind);

#endif
