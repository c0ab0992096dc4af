/* vs_tag.h — what vtrunk needs of vCenter tags (vSphere Automation REST, see vs_rest.h):
 * a category and a tag found by name or made, the tag attached to objects (VMs, port
 * groups) and detached, and the objects it is on.
 *
 * Round trips (sequential; "a batch" is N requests sent concurrently and awaited
 * together, see vs_rest_batch_call):
 *   lookup   5: list categories, a batch GET of them, list the category's tags, a batch
 *              GET of those, list the tag's objects (fewer when something is missing);
 *   ensure   a lookup (unless st already holds one of these names) + 1 a create (category,
 *              tag); an already_exists answer (another run made it meanwhile) costs a
 *              lookup of that part again (2 for a category, 2 or 3 for a tag);
 *   attach   0 when every object has the tag, else 1;
 *   detach   0 when no object has it, else 2 (detach-tag-from-multiple-objects, then a
 *              re-list to verify), + 1 batch of per-object detaches where that did not take
 *              (vcsim: always);
 *   find     "TAG": 3 (list tags, a batch GET, a batch of the tag's objects and category),
 *              +1 batch when the name is in several categories; "CATEGORY/TAG": a lookup.
 *
 * Ownership: struct vs_tag_state owns its strings and array (vs_tag_state_clear frees
 * them; a zeroed struct is empty); objects passed in are borrowed. Parsers read a
 * borrowed answer and hand back owned results.
 */
#ifndef VS_TAG_H
#define VS_TAG_H

#include <stddef.h>

#include "vm_err.h"
#include "vs_rest.h"
#include "vs_xml.h"

struct vs_tag_state {
	char *category;            /* owned; the category's name (as vCenter spells it when it exists) */
	char *tag;                 /* owned; the tag's name (likewise) */
	char *category_id;         /* owned; NULL when missing */
	char *tag_id;              /* owned; NULL when missing */
	struct vs_moref *attached; /* owned; the objects the tag is on */
	size_t n_attached;
	int fetched;               /* set by lookup/find/ensure: the fields say what vCenter has */
};

/* Bits of *created (vs_tag_ensure_call). */
#define VS_TAG_CREATED_CATEGORY 1
#define VS_TAG_CREATED_TAG 2

/* Finds the category by name, the tag by name in it and the objects the tag is on. A
 * missing category or tag is not an error: its id is NULL. Names match exactly or, when
 * nothing does, case-insensitively when only one does (vCenter's own uniqueness check
 * ignores case). out is cleared first. */
int vs_tag_lookup_call(struct vs_rest *r, const char *category, const char *tag,
		       struct vs_tag_state *out, struct vm_err *err);

/* Makes the category (cardinality MULTIPLE, for VirtualMachine and
 * DistributedVirtualPortgroup objects, described as made by vtrunk) and the tag in it when
 * missing. st: a lookup of the same names (st->fetched, names equal but for case) is used
 * as it is; anything else is looked up here first. created (may be NULL): VS_TAG_CREATED_* bits of what this call made. When vCenter
 * answers already_exists (a concurrent run), it is looked up again instead. */
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

/* For `ls vms --tag SPEC`: SPEC is "TAG" (in any category) or "CATEGORY/TAG" (a spec
 * whose category does not exist is tried as a tag name holding a slash). A tag name in
 * several categories: kind usage, naming them and asking for CATEGORY/TAG. Absent: kind
 * notfound. out gets the tag, its category and its objects. */
int vs_tag_find_call(struct vs_rest *r, const char *spec, struct vs_tag_state *out, struct vm_err *err);

void vs_tag_state_clear(struct vs_tag_state *st);
/* 1 when ref is among the objects the tag is on, else 0. */
int vs_tag_attached_get(const struct vs_tag_state *st, const struct vs_moref *ref);

/* --- readers of answers (no network); `what` names the call in messages --- */

/* A category or a tag (GET …/category/<id>, …/tag/<id>); members owned. */
struct vs_tag_item {
	char *id;
	char *name;
	char *category_id;  /* tags only; NULL otherwise */
};
void vs_tag_item_clear(struct vs_tag_item *it);

/* A list of ids (a list, list-tags-for-category): an owned array of owned strings. An
 * empty answer or a null value is an empty list. */
int vs_tag_ids_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		     char ***ids, size_t *n, struct vm_err *err);
void vs_tag_ids_free(char **ids, size_t n);
int vs_tag_item_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		      struct vs_tag_item *out, struct vm_err *err);
/* The objects of list-attached-objects ([{"id": "vm-42", "type": "VirtualMachine"}, …]):
 * an owned array. */
int vs_tag_objects_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			 struct vs_moref **objs, size_t *n, struct vm_err *err);
/* The id a create answers with. */
int vs_tag_id_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		    char **id, struct vm_err *err);
/* A BatchResult of attach/detach-…-multiple-… ({"success": …, "error_messages": […]}):
 * 0 when it succeeded or the answer is empty (vcsim's), else -1 (kind fault, err->fault
 * the first error's id, the messages in err->msg). */
int vs_tag_batch_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		       struct vm_err *err);

#endif
