/* vs_page.h — bounds on a paged read: RetrievePropertiesEx, then
 * ContinueRetrievePropertiesEx for as long as vCenter hands back a token.
 *
 * The server decides whether there is another page; these bounds decide how many vtrunk
 * reads. They follow from what is asked for: pages of VS_PAGE_OBJECTS objects, and at most
 * VS_PAGE_OBJECTS_MAX objects in all (several times the largest inventory vCenter 8 supports:
 * 45000 registered VMs, 10000 distributed port groups, their folders and datacenters). A
 * vCenter may send fewer objects a page than asked, so twice the pages those objects need
 * are allowed, and a few more. A page is streamed (parsed one object at a time), so it may
 * have whatever part of VS_PAGE_BYTES_MAX the read has not used yet: a server that ignores
 * maxObjects sends the whole inventory in one.
 *
 * Ownership: struct vs_page_count is a plain value of the caller's; nothing is allocated.
 */
#ifndef VS_PAGE_H
#define VS_PAGE_H

#include <stddef.h>

#include "vm_err.h"

#define VS_PAGE_OBJECTS 500
#define VS_PAGE_OBJECTS_MAX 250000
#define VS_PAGE_PAGES_MAX (2 * (VS_PAGE_OBJECTS_MAX / VS_PAGE_OBJECTS) + 16)
/* About 4 KiB an object on average; a real VM with its devices is 6 to 20 KiB, a folder or
 * a port group far less. */
#define VS_PAGE_BYTES_MAX ((size_t)1 << 30)

struct vs_page_count {
	size_t pages, objects, bytes;
	int stop; /* the stop flag (vs_http_stop_get) when the read began */
};

/* Starts counting a read; stop: the stop flag now. */
void vs_page_begin(struct vs_page_count *c, int stop);

/* Counts one page read whole (objects and bytes in it). more: vCenter said there is another
 * page (a token); stop: the stop flag now. Returns 0 when the next page may be asked for,
 * -1 with err set (kind parse, the method named) when a bound is passed or a signal came
 * since the read began: the read is abandoned. A read that began after a first signal (to
 * report what was done) goes on until a second one. */
int vs_page_next(struct vs_page_count *c, const char *method, size_t objects, size_t bytes, int more,
		 int stop, struct vm_err *err);

#endif
