#include "vs_page.h"

#include <string.h>

void vs_page_begin(struct vs_page_count *c, int stop)
{
	memset(c, 0, sizeof(*c));
	c->stop = stop;
}

int vs_page_next(struct vs_page_count *c, const char *method, size_t objects, size_t bytes, int more,
		 int stop, struct vm_err *err)
{
	c->pages++;
	c->objects += objects;
	c->bytes += bytes;
	if (!more)
		return 0;
	if (stop > c->stop)
		return vm_err_set(err, VM_ERR_PARSE,
				  "%s: stopped by a signal after %zu pages (%zu objects), with more to come; "
				  "the read is incomplete",
				  method, c->pages, c->objects);
	if (c->pages >= VS_PAGE_PAGES_MAX || c->objects >= VS_PAGE_OBJECTS_MAX || c->bytes >= VS_PAGE_BYTES_MAX)
		return vm_err_set(err, VM_ERR_PARSE,
				  "%s: vCenter kept paging: %zu pages, %zu objects, %zu MiB, and still more to come; "
				  "stopped (vtrunk reads at most %d pages, %d objects, %zu MiB)",
				  method, c->pages, c->objects, c->bytes >> 20, VS_PAGE_PAGES_MAX, VS_PAGE_OBJECTS_MAX,
				  VS_PAGE_BYTES_MAX >> 20);
	return 0;
}
