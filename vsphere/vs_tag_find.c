/* vs_tag_find.c — reading vCenter tags (vs_tag_find.h): a category and a tag found by
 * name, the short way through the objects they should be on or the long way through every
 * category, and the objects a tag is on. Changes are in vs_tag.c, the JSON in
 * vs_tag_json.c. */
#include "vs_tag_find.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_alloc.h"

#define NEAR_CHUNK 500 /* objects in one list-attached-tags-on-objects request */

/* --- state --- */

void vs_tag_state_clear(struct vs_tag_state *st)
{
	if (!st)
		return;
	free(st->category);
	free(st->tag);
	free(st->category_id);
	free(st->tag_id);
	free(st->attached);
	memset(st, 0, sizeof(*st));
}

int vs_tag_attached_get(const struct vs_tag_state *st, const struct vs_moref *ref)
{
	for (size_t i = 0; st && ref && i < st->n_attached; i++)
		if (vs_tag_object_eq(&st->attached[i], ref))
			return 1;
	return 0;
}

/* --- reads --- */

/* One call whose answer is a list of ids. */
static int ids_call(struct vs_rest *r, const char *method, const char *path, const cJSON *body,
		    char ***ids, size_t *n, struct vm_err *err)
{
	struct vs_http_resp resp;
	char *what = vm_xasprintf("%s %s", method, path);
	int rc = vs_rest_call(r, method, path, body, VS_REST_SAFE, &resp, err);

	if (rc == 0)
		rc = vs_tag_ids_parse(vs_rest_flavor_get(r), &resp, what, ids, n, err);
	vs_http_resp_clear(&resp);
	free(what);
	return rc;
}

/* GETs every id of resource at once (one batch: a round trip's time, not n of them)
 * into items[n] (owned by the caller). One deleted meanwhile (404) is left out (id NULL). */
static int items_get(struct vs_rest *r, const char *resource, char **ids, size_t n,
		     struct vs_tag_item **items, struct vm_err *err)
{
	enum vs_rest_flavor f = vs_rest_flavor_get(r);
	struct vs_rest_req *reqs = vm_xcalloc(n ? n : 1, sizeof(*reqs));
	char **paths = vm_xcalloc(n ? n : 1, sizeof(*paths));
	int rc = 0;

	*items = vm_xcalloc(n ? n : 1, sizeof(**items));
	for (size_t i = 0; i < n; i++) {
		paths[i] = vs_rest_path(f, resource, ids[i], NULL);
		reqs[i].method = "GET";
		reqs[i].path = paths[i];
	}
	if (n)
		vs_rest_batch_call(r, reqs, n, VS_REST_SAFE, NULL);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *what = vm_xasprintf("GET %s", paths[i]);
		if (reqs[i].rc < 0 && reqs[i].err.kind != VM_ERR_NOTFOUND) {
			if (err)
				*err = reqs[i].err;
			rc = -1;
		} else if (reqs[i].rc == 0) {
			rc = vs_tag_item_parse(f, &reqs[i].resp, what, &(*items)[i], err);
		}
		free(what);
	}
	vs_rest_req_clear(reqs, n);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(reqs);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			vs_tag_item_clear(&(*items)[i]);
		free(*items);
		*items = NULL;
	}
	return rc;
}

static void items_free(struct vs_tag_item *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		vs_tag_item_clear(&items[i]);
	free(items);
}

/* The item named name: an exact match, else the only case-insensitive one; -1 when none. */
static long item_pick(const struct vs_tag_item *items, size_t n, const char *name, const char *category_id)
{
	long ci = -1;
	size_t n_ci = 0;

	for (size_t i = 0; i < n; i++) {
		if (!items[i].id || (category_id && (!items[i].category_id || strcmp(items[i].category_id, category_id) != 0)))
			continue;
		if (strcmp(items[i].name, name) == 0)
			return (long)i;
		if (strcasecmp(items[i].name, name) == 0) {
			ci = (long)i;
			n_ci++;
		}
	}
	return n_ci == 1 ? ci : -1;
}

/* The item named name among ids (GETs of each under resource, one batch): its id and name
 * in *id and *real (owned), or NULLs. cat: keep only tags of that category (NULL: any). */
static int named_pick(struct vs_rest *r, const char *resource, char **ids, size_t n, const char *name,
		      const char *cat, char **id, char **real, struct vm_err *err)
{
	struct vs_tag_item *items = NULL;
	long k;

	*id = *real = NULL;
	if (items_get(r, resource, ids, n, &items, err) < 0)
		return -1;
	k = item_pick(items, n, name, cat);
	if (k >= 0) {
		*id = vm_xstrdup(items[k].id);
		*real = vm_xstrdup(items[k].name);
	}
	items_free(items, n);
	return 0;
}

/* named_pick() among the ids a list call answers (method, path, body). */
static int named_find(struct vs_rest *r, const char *method, const char *path, const cJSON *body,
		      const char *resource, const char *name, const char *cat, char **id, char **real,
		      struct vm_err *err)
{
	char **ids = NULL;
	size_t n = 0;
	int rc;

	*id = *real = NULL;
	if (ids_call(r, method, path, body, &ids, &n, err) < 0)
		return -1;
	rc = named_pick(r, resource, ids, n, name, cat, id, real, err);
	vs_tag_ids_free(ids, n);
	return rc;
}

int vs_tag_category_find_call(struct vs_rest *r, const char *name, char **id, char **real, struct vm_err *err)
{
	char *path = vs_rest_path(vs_rest_flavor_get(r), CATEGORIES, NULL, NULL);
	int rc = named_find(r, "GET", path, NULL, CATEGORIES, name, NULL, id, real, err);

	free(path);
	return rc;
}

int vs_tag_in_category_find_call(struct vs_rest *r, const char *cat, const char *name, char **id, char **real,
		    struct vm_err *err)
{
	enum vs_rest_flavor f = vs_rest_flavor_get(r);
	/* /rest names the category in the path, /api in the body; govc sends both to /rest
	 * (vcsim reads the path), which real vCenters accept too. */
	char *path = vs_rest_path(f, TAGS, f == VS_REST_REST ? cat : NULL, "list-tags-for-category");
	cJSON *body = cJSON_CreateObject();
	int rc;

	if (!body || !cJSON_AddStringToObject(body, "category_id", cat))
		abort();
	/* Checked against each tag's own category: the list is the server's word only. */
	rc = named_find(r, "POST", path, body, TAGS, name, cat, id, real, err);
	cJSON_Delete(body);
	free(path);
	return rc;
}

char *vs_tag_assoc_path(struct vs_rest *r, const char *tag_id, const char *action)
{
	return vs_rest_path(vs_rest_flavor_get(r), ASSOC, tag_id, action);
}

/* list-attached-objects: /rest wants a body (vcsim refuses an empty one; govc sends
 * null), /api none. */
static cJSON *list_body(struct vs_rest *r)
{
	cJSON *b = vs_rest_flavor_get(r) == VS_REST_REST ? cJSON_CreateNull() : NULL;

	if (vs_rest_flavor_get(r) == VS_REST_REST && !b)
		abort();
	return b;
}

int vs_tag_attached_read_call(struct vs_rest *r, struct vs_tag_state *st, struct vm_err *err)
{
	char *path = vs_tag_assoc_path(r, st->tag_id, "list-attached-objects");
	char *what = vm_xasprintf("POST %s", path);
	cJSON *body = list_body(r);
	struct vs_http_resp resp;
	struct vs_moref *objs = NULL;
	size_t n = 0;
	int rc = vs_rest_call(r, "POST", path, body, VS_REST_SAFE, &resp, err);

	if (rc == 0)
		rc = vs_tag_objects_parse(vs_rest_flavor_get(r), &resp, what, &objs, &n, err);
	if (rc == 0) {
		free(st->attached);
		st->attached = objs;
		st->n_attached = n;
	}
	vs_http_resp_clear(&resp);
	cJSON_Delete(body);
	free(what);
	free(path);
	return rc;
}

/* --- the short way: through the objects the tag is likely on --- */

/* The public API (vCenter 6.5 to 8.0, either flavor) has no lookup by name: names are read
 * one GET a category or tag. The objects a tag should be on (the plan's, those ls lists)
 * tell in one request which tags they carry (list-attached-tags-on-objects, since 6.5), so
 * only those are read; the long way is left for a tag that is on none of them. */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts ids and frees the duplicates; the count of distinct ones. */
static size_t ids_unique(char **ids, size_t n)
{
	size_t m = 0;

	if (n > 1)
		qsort(ids, n, sizeof(*ids), str_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m && strcmp(ids[m - 1], ids[i]) == 0)
			free(ids[i]);
		else
			ids[m++] = ids[i];
	}
	return m;
}

/* Appends the tag ids of one list-attached-tags-on-objects answer to *tags. */
static int near_tags_add(enum vs_rest_flavor f, const struct vs_rest_req *q, char ***tags, size_t *n, size_t *cap,
			 struct vm_err *err)
{
	struct vs_tag_object_tags *ots = NULL;
	size_t no = 0;
	char *what = vm_xasprintf("POST %s", q->path);
	int rc = vs_tag_object_tags_parse(f, &q->resp, what, &ots, &no, err);

	for (size_t i = 0; rc == 0 && i < no; i++)
		for (size_t j = 0; j < ots[i].n_tags; j++) {
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 16;
				*tags = vm_xrealloc(*tags, *cap * sizeof(**tags));
			}
			(*tags)[(*n)++] = vm_xstrdup(ots[i].tag_ids[j]);
		}
	vs_tag_object_tags_free(ots, no);
	free(what);
	return rc;
}

/* Round one, as one batch: the ids of every category (when cats is not NULL) and the
 * distinct ids of the tags on objs (NEAR_CHUNK objects a request). That operation failing
 * (a server without it: 404; vcsim answers an unknown action with an empty 200) gives no
 * tags, and the caller goes the long way, which reports what is wrong; only a refused
 * session stops here. */
static int near_round(struct vs_rest *r, const struct vs_moref *objs, size_t n, char ***cats, size_t *n_cats,
		      char ***tags, size_t *n_tags, struct vm_err *err)
{
	enum vs_rest_flavor f = vs_rest_flavor_get(r);
	size_t chunks = (n + NEAR_CHUNK - 1) / NEAR_CHUNK, k = cats ? 1 : 0, nr = k + chunks, cap = 0;
	char *cpath = vs_rest_path(f, CATEGORIES, NULL, NULL);
	char *tpath = vs_rest_path(f, ASSOC, NULL, "list-attached-tags-on-objects");
	struct vs_rest_req *reqs = vm_xcalloc(nr ? nr : 1, sizeof(*reqs));
	cJSON **bodies = vm_xcalloc(chunks ? chunks : 1, sizeof(*bodies));
	int rc = -1;

	*tags = NULL;
	*n_tags = 0;
	if (cats) {
		*cats = NULL;
		*n_cats = 0;
		reqs[0].method = "GET";
		reqs[0].path = cpath;
	}
	for (size_t c = 0; c < chunks; c++) {
		size_t from = c * NEAR_CHUNK;
		bodies[c] = vs_tag_objects_json(objs + from, n - from < NEAR_CHUNK ? n - from : NEAR_CHUNK);
		reqs[k + c].method = "POST";
		reqs[k + c].path = tpath;
		reqs[k + c].body = bodies[c];
	}
	vs_rest_batch_call(r, reqs, nr, VS_REST_SAFE, NULL);
	if (cats) {
		char *what = vm_xasprintf("GET %s", cpath);
		if (reqs[0].rc < 0 && err)
			*err = reqs[0].err;
		rc = reqs[0].rc < 0 ? -1 : vs_tag_ids_parse(f, &reqs[0].resp, what, cats, n_cats, err);
		free(what);
		if (rc < 0)
			goto cleanup;
		rc = -1;
	}
	for (size_t c = 0; c < chunks; c++) {
		const struct vs_rest_req *q = &reqs[k + c];
		if (q->rc < 0 && q->err.kind == VM_ERR_AUTH) {
			if (err)
				*err = q->err;
			goto cleanup;
		}
		if (q->rc == 0 && near_tags_add(f, q, tags, n_tags, &cap, err) < 0)
			goto cleanup;
	}
	*n_tags = ids_unique(*tags, *n_tags);
	rc = 0;
cleanup:
	if (rc < 0) {
		vs_tag_ids_free(*tags, *n_tags);
		*tags = NULL;
		*n_tags = 0;
		if (cats) {
			vs_tag_ids_free(*cats, *n_cats);
			*cats = NULL;
			*n_cats = 0;
		}
	}
	vs_rest_req_clear(reqs, nr);
	for (size_t c = 0; c < chunks; c++)
		cJSON_Delete(bodies[c]);
	free(bodies);
	free(reqs);
	free(tpath);
	free(cpath);
	return rc;
}

/* The tags of ids (GETs, one batch) named name exactly: *hits (owned, *n_hits). */
static int near_named(struct vs_rest *r, char **ids, size_t n, const char *name, struct vs_tag_item **hits,
		      size_t *n_hits, struct vm_err *err)
{
	struct vs_tag_item *items = NULL;

	*hits = NULL;
	*n_hits = 0;
	if (items_get(r, TAGS, ids, n, &items, err) < 0)
		return -1;
	*hits = vm_xcalloc(n ? n : 1, sizeof(**hits));
	for (size_t i = 0; i < n; i++)
		if (items[i].id && items[i].category_id && strcmp(items[i].name, name) == 0) {
			(*hits)[(*n_hits)++] = items[i];
			memset(&items[i], 0, sizeof(items[i]));
		}
	items_free(items, n);
	return 0;
}

/* The categories of hits (GETs, one batch): cats[n] (owned), parallel to hits. */
static int near_categories(struct vs_rest *r, const struct vs_tag_item *hits, size_t n, struct vs_tag_item **cats,
			   struct vm_err *err)
{
	char **cids = vm_xcalloc(n ? n : 1, sizeof(*cids));
	int rc;

	for (size_t i = 0; i < n; i++)
		cids[i] = hits[i].category_id;
	rc = items_get(r, CATEGORIES, cids, n, cats, err);
	free(cids);
	return rc;
}

/* The short way for category/tag: out gets both ids and names when exactly one tag of
 * that name in a category of that name is on objs, and nothing otherwise. *cats (owned):
 * every category's id, for the long way. A GET a tag here against one a category there:
 * with more tags on objs than categories in all, this way is skipped. Exact names only:
 * vCenter's names are unique but for case, and a case-insensitive match needs the whole
 * list to be sure of. */
static int near_lookup(struct vs_rest *r, const char *category, const char *tag, const struct vs_moref *objs,
		       size_t n, struct vs_tag_state *out, char ***cats, size_t *n_cats, struct vm_err *err)
{
	char **tids = NULL;
	size_t nt = 0, nh = 0;
	struct vs_tag_item *hits = NULL, *hcats = NULL;
	long k = -1;
	int rc = -1;

	if (near_round(r, objs, n, cats, n_cats, &tids, &nt, err) < 0)
		return -1;
	if (nt == 0 || nt > *n_cats) {
		rc = 0;
		goto cleanup;
	}
	if (near_named(r, tids, nt, tag, &hits, &nh, err) < 0 || (nh && near_categories(r, hits, nh, &hcats, err) < 0))
		goto cleanup;
	for (size_t i = 0; i < nh; i++)
		if (hcats[i].id && strcmp(hcats[i].name, category) == 0)
			k = k == -1 ? (long)i : -2; /* -2: several (a server that allows it): the long way */
	if (k >= 0) {
		out->category_id = vm_xstrdup(hcats[k].id);
		out->category = vm_xstrdup(hcats[k].name);
		out->tag_id = vm_xstrdup(hits[k].id);
		out->tag = vm_xstrdup(hits[k].name);
	}
	rc = 0;
cleanup:
	items_free(hcats, nh);
	items_free(hits, nh);
	vs_tag_ids_free(tids, nt);
	if (rc < 0) {
		vs_tag_ids_free(*cats, *n_cats);
		*cats = NULL;
		*n_cats = 0;
	}
	return rc;
}

/* --- lookups --- */

int vs_tag_lookup_call(struct vs_rest *r, const char *category, const char *tag, const struct vs_moref *near,
		       size_t n_near, struct vs_tag_state *out, struct vm_err *err)
{
	char **cats = NULL;
	size_t nc = 0;

	vs_tag_state_clear(out);
	if (!category || !*category || !tag || !*tag)
		return vm_err_set(err, VM_ERR_USAGE, "a tag needs a category name and a tag name");
	if (n_near && near_lookup(r, category, tag, near, n_near, out, &cats, &nc, err) < 0)
		goto fail;
	if (!out->tag_id) {
		char *path = vs_rest_path(vs_rest_flavor_get(r), CATEGORIES, NULL, NULL);
		/* The long way: every category read (listed already when near was asked), then
		 * every tag of the one named so. */
		int rc = n_near ? 0 : ids_call(r, "GET", path, NULL, &cats, &nc, err);
		free(path);
		if (rc < 0 ||
		    named_pick(r, CATEGORIES, cats, nc, category, NULL, &out->category_id, &out->category, err) < 0)
			goto fail;
		if (out->category_id &&
		    vs_tag_in_category_find_call(r, out->category_id, tag, &out->tag_id, &out->tag, err) < 0)
			goto fail;
	}
	if (out->tag_id && vs_tag_attached_read_call(r, out, err) < 0)
		goto fail;
	if (!out->category)
		out->category = vm_xstrdup(category);
	if (!out->tag)
		out->tag = vm_xstrdup(tag);
	out->fetched = 1;
	vs_tag_ids_free(cats, nc);
	return 0;
fail:
	vs_tag_ids_free(cats, nc);
	vs_tag_state_clear(out);
	return vm_err_prefix(err, "looking up tag \"%s\" in category \"%s\"", tag, category);
}

/* The error for a tag name in several categories (cids[k], borrowed), naming them so
 * that the user can pick one; near: only those on the objects looked at count. */
static void ambiguous_set(struct vs_rest *r, const char *name, char **cids, size_t k, int near, struct vm_err *err)
{
	struct vs_tag_item *cats = NULL;
	struct vm_buf b = {0};

	if (items_get(r, CATEGORIES, cids, k, &cats, NULL) == 0)
		for (size_t i = 0; i < k; i++) {
			vm_buf_adds(&b, i ? ", " : "");
			vm_buf_addf(&b, "\"%s\"", cats[i].name ? cats[i].name : cids[i]);
		}
	vm_err_set(err, VM_ERR_USAGE, "tag \"%s\" exists in %zu categories (%s)%s: write CATEGORY/TAG, e.g. \"%s/%s\"",
		   name, k, b.data ? b.data : "?", near ? ", each on some of the objects listed" : "",
		   cats && cats[0].name ? cats[0].name : "CATEGORY", name);
	items_free(cats, k);
	vm_buf_reset(&b);
}

/* A tag named name in any category. */
static int find_anywhere(struct vs_rest *r, const char *name, struct vs_tag_state *out, struct vm_err *err)
{
	enum vs_rest_flavor f = vs_rest_flavor_get(r);
	char *path = vs_rest_path(f, TAGS, NULL, NULL);
	char **ids = NULL;
	size_t n = 0, hits = 0;
	struct vs_tag_item *items = NULL;
	long exact = -1, fold = -1;
	size_t n_exact = 0, n_fold = 0;
	int rc = -1;

	if (ids_call(r, "GET", path, NULL, &ids, &n, err) < 0 || items_get(r, TAGS, ids, n, &items, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		if (!items[i].id)
			continue;
		if (strcmp(items[i].name, name) == 0) {
			exact = (long)i;
			n_exact++;
		} else if (strcasecmp(items[i].name, name) == 0) {
			fold = (long)i;
			n_fold++;
		}
	}
	hits = n_exact ? n_exact : n_fold;
	if (hits == 0) {
		vm_err_set(err, VM_ERR_NOTFOUND, "no tag named \"%s\" in any tag category", name);
	} else if (hits > 1) {
		char **cids = vm_xcalloc(hits, sizeof(*cids));
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].id && items[i].category_id &&
			    (n_exact ? strcmp(items[i].name, name) : strcasecmp(items[i].name, name)) == 0)
				cids[k++] = items[i].category_id;
		ambiguous_set(r, name, cids, k, 0, err);
		free(cids);
	} else {
		const struct vs_tag_item *t = &items[n_exact ? exact : fold];
		out->tag_id = vm_xstrdup(t->id);
		out->tag = vm_xstrdup(t->name);
		out->category_id = vm_xstrdup(t->category_id);
		rc = 0;
	}
cleanup:
	items_free(items, n);
	vs_tag_ids_free(ids, n);
	free(path);
	return rc;
}

/* The short way for a tag name alone: out gets the tag (*found 1) when exactly one tag of
 * that name is on objs; several: kind usage; none: *found 0 (the long way decides). A tag
 * of the name on none of objs does not count: it would list nothing. */
static int near_find(struct vs_rest *r, const char *name, const struct vs_moref *objs, size_t n,
		     struct vs_tag_state *out, int *found, struct vm_err *err)
{
	char **tids = NULL;
	size_t nt = 0, nh = 0;
	struct vs_tag_item *hits = NULL;
	int rc = -1;

	*found = 0;
	if (near_round(r, objs, n, NULL, NULL, &tids, &nt, err) < 0 || near_named(r, tids, nt, name, &hits, &nh, err) < 0)
		goto cleanup;
	if (nh > 1) {
		char **cids = vm_xcalloc(nh, sizeof(*cids));
		for (size_t i = 0; i < nh; i++)
			cids[i] = hits[i].category_id;
		ambiguous_set(r, name, cids, nh, 1, err);
		free(cids);
		goto cleanup;
	}
	if (nh == 1) {
		out->tag_id = vm_xstrdup(hits[0].id);
		out->tag = vm_xstrdup(hits[0].name);
		out->category_id = vm_xstrdup(hits[0].category_id);
		*found = 1;
	}
	rc = 0;
cleanup:
	items_free(hits, nh);
	vs_tag_ids_free(tids, nt);
	return rc;
}

/* The tag's objects and its category's name, in one batch of two. */
static int find_finish(struct vs_rest *r, struct vs_tag_state *out, struct vm_err *err)
{
	enum vs_rest_flavor f = vs_rest_flavor_get(r);
	char *apath = vs_tag_assoc_path(r, out->tag_id, "list-attached-objects");
	char *cpath = out->category_id ? vs_rest_path(f, CATEGORIES, out->category_id, NULL) : NULL;
	cJSON *body = list_body(r);
	struct vs_rest_req reqs[2];
	struct vs_tag_item cat = {0};
	size_t n = cpath ? 2 : 1;
	int rc;

	memset(reqs, 0, sizeof(reqs));
	reqs[0].method = "POST";
	reqs[0].path = apath;
	reqs[0].body = body;
	reqs[1].method = "GET";
	reqs[1].path = cpath;
	rc = vs_rest_batch_call(r, reqs, n, VS_REST_SAFE, err);
	if (rc == 0) {
		char *what = vm_xasprintf("POST %s", apath);
		rc = vs_tag_objects_parse(f, &reqs[0].resp, what, &out->attached, &out->n_attached, err);
		free(what);
	}
	if (rc == 0 && cpath) {
		char *what = vm_xasprintf("GET %s", cpath);
		rc = vs_tag_item_parse(f, &reqs[1].resp, what, &cat, err);
		free(what);
		out->category = cat.name;
		cat.name = NULL;
	}
	vs_tag_item_clear(&cat);
	vs_rest_req_clear(reqs, n);
	cJSON_Delete(body);
	free(apath);
	free(cpath);
	return rc;
}

int vs_tag_find_call(struct vs_rest *r, const char *spec, const struct vs_moref *near, size_t n_near,
		     struct vs_tag_state *out, struct vm_err *err)
{
	const char *slash = spec ? strchr(spec, '/') : NULL;
	int found = 0;

	vs_tag_state_clear(out);
	if (!spec || !*spec)
		return vm_err_set(err, VM_ERR_USAGE, "--tag needs a tag name (TAG or CATEGORY/TAG)");
	if (slash && slash != spec && slash[1]) {
		char *cat = vm_xstrndup(spec, (size_t)(slash - spec));
		int rc = vs_tag_lookup_call(r, cat, slash + 1, near, n_near, out, err);
		if (rc == 0 && !out->tag_id && out->category_id)
			rc = vm_err_set(err, VM_ERR_NOTFOUND, "tag category \"%s\" has no tag \"%s\"", out->category,
					slash + 1);
		if (rc == 0 && !out->category_id) {
			/* No such category: perhaps a tag whose name holds the slash. */
			struct vm_err aerr;
			vm_err_clear(&aerr);
			vs_tag_state_clear(out);
			if (find_anywhere(r, spec, out, &aerr) == 0 && find_finish(r, out, err) == 0) {
				free(cat);
				out->fetched = 1;
				return 0;
			}
			if (aerr.kind == VM_ERR_NOTFOUND)
				vm_err_set(err, VM_ERR_NOTFOUND, "no tag category \"%s\" (and no tag named \"%s\")", cat, spec);
			else if (err && aerr.kind != VM_ERR_NONE)
				*err = aerr;
			rc = -1;
		}
		free(cat);
		if (rc < 0)
			vs_tag_state_clear(out);
		return rc;
	}
	if ((n_near && near_find(r, spec, near, n_near, out, &found, err) < 0) ||
	    (!found && find_anywhere(r, spec, out, err) < 0) || find_finish(r, out, err) < 0) {
		vs_tag_state_clear(out);
		return -1;
	}
	out->fetched = 1;
	return 0;
}