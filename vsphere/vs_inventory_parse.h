/* vs_inventory_parse.h — the inventory reader's streaming half, for the paged reads of
 * vs_inventory.c: a libxml2 push parser that hands each <objects> element to the object
 * parser as it closes and frees it, so a page is never held whole. Its public entry points
 * (vs_inventory_add_doc, vs_inventory_parse_stream) are declared in vs_inventory.h.
 *
 * Ownership: a struct vs_inv_push is the caller's; vs_inv_push_start allocates its parser,
 * vs_inv_push_finish or vs_inv_push_discard frees it. inv and err are borrowed.
 */
#ifndef VS_INVENTORY_PARSE_H
#define VS_INVENTORY_PARSE_H

#include <stddef.h>

#include <libxml/parser.h>

#include "vm_err.h"
#include "vs_inventory.h"

struct vs_inv_push {
	xmlParserCtxtPtr ctxt;
	struct vs_inventory *inv;
	struct vm_err *err;
	int rc;       /* -1 once object_parse failed (err set) */
	int doctype;  /* a DOCTYPE was seen: stopped */
	size_t objects; /* <objects> elements read */
	size_t since;   /* bytes fed since the last object closed */
	size_t objects_max; /* objects this page may still bring; 0: no bound */
};

/* Starts a parse into inv; errors go to err. */
void vs_inv_push_start(struct vs_inv_push *ps, struct vs_inventory *inv, struct vm_err *err);
/* Feeds n bytes; -1 once the parse has failed or stopped (err set). */
int vs_inv_push_write(const char *p, size_t n, void *arg);
/* Ends the parse of method's answer (HTTP status); *token: the page token, owned. */
int vs_inv_push_finish(struct vs_inv_push *ps, const char *method, long status, char **token);
/* Drops a parse in progress. */
void vs_inv_push_discard(struct vs_inv_push *ps);

#endif
