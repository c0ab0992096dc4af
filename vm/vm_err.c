#include "vm_err.h"

#include <stdlib.h>

#include "vm_alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vm_err_set(struct vm_err *err, enum vm_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int vm_err_prefix(struct vm_err *err, const char *fmt, ...)
{
	char head[256];
	char *joined;
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	joined = vm_xasprintf("%s: %s", head, err->msg);
	vm_str_copy(err->msg, sizeof(err->msg), joined);
	free(joined);
	return -1;
}

void vm_err_clear(struct vm_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

const char *vm_err_kind_name(enum vm_err_kind kind)
{
	static const char *const names[] = {
		[VM_ERR_NONE] = "none",   [VM_ERR_USAGE] = "usage", [VM_ERR_NET] = "net",
		[VM_ERR_TLS] = "tls",     [VM_ERR_AUTH] = "auth",   [VM_ERR_HTTP] = "http",
		[VM_ERR_FAULT] = "fault", [VM_ERR_TASK] = "task",   [VM_ERR_PARSE] = "parse",
		[VM_ERR_NOTFOUND] = "notfound", [VM_ERR_IO] = "io",
	};
	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[kind];
}
