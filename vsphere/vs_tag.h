/* vs_tag.h — what vtrunk needs of vCenter tags (vSphere Automation REST, see vs_rest.h):
 * a category and a tag found by name or made, the tag attached to objects (VMs, port
 * groups) and detached, and the objects it is on. Three units: vs_tag_json (the answers
 * read and the bodies written, no network), vs_tag_find (the reads: lookups by name, see
 * vs_tag_find.h for their cost) and this one, the changes.
 *
 * Round trips (sequential; "a batch" is N requests sent concurrently and awaited
 * together, see vs_rest_batch_call):
 *   ensure   a lookup (unless st already holds one of these names) + 1 a create (category,
 *            tag); an already_exists answer (another run made it meanwhile) costs a
 *            lookup of that part again, the long way (2 for a category, 2 or 3 for a tag);
 *   attach   0 when every object has the tag, else 1;
 *   detach   0 when no object has it, else 2 (detach-tag-from-multiple-objects, then a
 *            re-list to verify), + 1 batch of per-object detaches where that did not take
 *            (vcsim: always).
 *
 * Ownership: see vs_tag_find.h for struct vs_tag_state; objects passed in are borrowed.
 */
#ifndef VS_TAG_H
#define VS_TAG_H

#include <stddef.h>

#include "vm_err.h"
#include "vs_rest.h"
#include "vs_tag_find.h"
#include "vs_tag_json.h"
#include "vs_xml.h"

/* Bits of *created (vs_tag_ensure_call). */
#define VS_TAG_CREATED_CATEGORY 1
#define VS_TAG_CREATED_TAG 2

/* Makes the category (cardinality MULTIPLE, for VirtualMachine and
 * DistributedVirtualPortgroup objects, described as made by vtrunk) and the tag in it when
 * missing. st: a lookup of the same names (st->fetched, names equal but for case) is used
 * as it is; anything else is looked up here first (the long way). created (may be NULL):
 * VS_TAG_CREATED_* bits of what this call made. When vCenter answers already_exists (a
 * concurrent run), it is looked up again instead. */
int vs_tag_ensure_call(struct vs_rest *r, const char *category, const char *tag,
		       struct vs_tag_state *st, int *created, struct vm_err *err);

/* Attaches st's tag to every object of objs (borrowed) that is not in st->attached, in
 * one request, then adds them to st->attached. Per-object errors in the answer fail the
 * call (kind fault), after st->attached was read again. */
int vs_tag_attach_call(struct vs_rest *r, struct vs_tag_state *st, const struct vs_moref *objs,
		       size_t n, struct vm_err *err);

/* Detaches st's tag from those of objs that are in st->attached; st->attached is
 * updated. */
int vs_tag_detach_call(struct vs_rest *r, struct vs_tag_state *st, const struct vs_moref *objs,
		       size_t n, struct vm_err *err);

#endif
