/* vs_tag_find.h — reading vCenter tags (vSphere Automation REST, see vs_rest.h): a category
 * and a tag found by name, and the objects a tag is on. vs_tag.h (the changes) includes
 * this; callers include vs_tag.h.
 *
 * The API has no lookup by name (vCenter 6.5 to 8.0, /rest and /api alike): names are
 * read with one GET a category or tag. So a lookup first asks which tags the objects the
 * caller expects the tag on carry ("near": the plan's port group and agents, the objects
 * ls lists; list-attached-tags-on-objects, one request per 500 objects) and reads only
 * those; it goes the long way (every category, then the category's tags) only when none
 * of them carries it, or when they carry more tags than there are categories.
 *
 * Round trips (sequential; "a batch" is N requests sent concurrently and awaited
 * together, see vs_rest_batch_call), with t the distinct tags on near:
 *   lookup, short way   4: a batch (the category list and the tags on near), a batch of
 *                       t GETs, a GET of the category, list the tag's objects;
 *   lookup, long way    the short way's first 1-3, then a batch GET of every category,
 *                       list the category's tags, a batch GET of those, list the tag's
 *                       objects (fewer when something is missing); without near, 5;
 *   find "TAG", short   3: the tags on near, a batch of t GETs, a batch of the tag's
 *                       objects and its category; long way (no such tag on near): the
 *                       first 2, then list every tag, a batch GET of each, the batch of 2
 *                       (+1 batch when the name is in several categories);
 *   find "CATEGORY/TAG" a lookup.
 *
 * Ownership: struct vs_tag_state owns its strings and array (vs_tag_state_clear frees
 * them; a zeroed struct is empty); near and other objects passed in are borrowed.
 */
#ifndef VS_TAG_FIND_H
#define VS_TAG_FIND_H

#include <stddef.h>

#include "vm_err.h"
#include "vs_rest.h"
#include "vs_tag_json.h"
#include "vs_xml.h"

#define CATEGORIES "cis/tagging/category"
#define TAGS "cis/tagging/tag"
#define ASSOC "cis/tagging/tag-association"

struct vs_tag_state {
	char *category;            /* owned; the category's name (as vCenter spells it when it exists) */
	char *tag;                 /* owned; the tag's name (likewise) */
	char *category_id;         /* owned; NULL when missing */
	char *tag_id;              /* owned; NULL when missing */
	struct vs_moref *attached; /* owned; the objects the tag is on */
	size_t n_attached;
	int fetched;               /* set by lookup/find/ensure: the fields say what vCenter has */
};

/* Finds the category by name, the tag by name in it and the objects the tag is on. A
 * missing category or tag is not an error: its id is NULL. Names match exactly or, when
 * nothing does, case-insensitively when only one does (vCenter's own uniqueness check
 * ignores case). near[n_near] (may be 0): objects the tag is likely on, asked first (see
 * above). out is cleared first. */
int vs_tag_lookup_call(struct vs_rest *r, const char *category, const char *tag, const struct vs_moref *near,
		       size_t n_near, struct vs_tag_state *out, struct vm_err *err);

/* For `ls --tag SPEC` (near: the objects listed): SPEC is "TAG" (in any category) or
 * "CATEGORY/TAG" (a spec whose category does not exist is tried as a tag name holding a
 * slash). "TAG" is the tag of that name on near when exactly one is; tags of that name
 * in several categories on near, or (none on near) in several categories at all: kind
 * usage, naming them and asking for CATEGORY/TAG. Absent: kind notfound. out gets the
 * tag, its category and its objects. */
int vs_tag_find_call(struct vs_rest *r, const char *spec, const struct vs_moref *near, size_t n_near,
		     struct vs_tag_state *out, struct vm_err *err);

void vs_tag_state_clear(struct vs_tag_state *st);
/* 1 when ref is among the objects the tag is on, else 0. */
int vs_tag_attached_get(const struct vs_tag_state *st, const struct vs_moref *ref);

/* --- for vs_tag.c --- */

/* The category named name: its id and name in *id and *real (owned), or NULLs (the long
 * way: 2 round trips). */
int vs_tag_category_find_call(struct vs_rest *r, const char *name, char **id, char **real, struct vm_err *err);
/* The tag named name in category cat: likewise. */
int vs_tag_in_category_find_call(struct vs_rest *r, const char *cat, const char *name, char **id, char **real,
				 struct vm_err *err);
/* Reads the objects st's tag is on into st->attached (1 round trip). */
int vs_tag_attached_read_call(struct vs_rest *r, struct vs_tag_state *st, struct vm_err *err);
/* The path of a tag-association action on tag_id (owned). */
char *vs_tag_assoc_path(struct vs_rest *r, const char *tag_id, const char *action);

#endif
