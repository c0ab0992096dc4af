#include "vs_tag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_alloc.h"
#include "vs_session.h"

#define ID_MAX 1024     /* an id longer than this is not one vCenter made */
#define NAME_MAX_ 4096  /* vCenter's names are far shorter; this bounds a hostile answer */

#define CATEGORIES "cis/tagging/category"
#define TAGS "cis/tagging/tag"
#define ASSOC "cis/tagging/tag-association"

/* --- readers --- */

void vs_tag_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

void vs_tag_item_clear(struct vs_tag_item *it)
{
	if (!it)
		return;
	free(it->id);
	free(it->name);
	free(it->category_id);
	memset(it, 0, sizeof(*it));
}

/* A string member that must be there; -1 with err naming it otherwise. */
static int member_str(const cJSON *obj, const char *name, size_t max, int required, const char *what,
		      char **out, struct vm_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return vm_err_set(err, VM_ERR_PARSE, "%s: the answer has no \"%s\"", what, name);
		return 0;
	}
	if (!cJSON_IsString(v))
		return vm_err_set(err, VM_ERR_PARSE, "%s: \"%s\" in the answer is not a string", what, name);
	if (strlen(v->valuestring) > max)
		return vm_err_set(err, VM_ERR_PARSE, "%s: \"%s\" in the answer is longer than %zu bytes", what, name,
				  max);
	if (required && !*v->valuestring)
		return vm_err_set(err, VM_ERR_PARSE, "%s: \"%s\" in the answer is empty", what, name);
	*out = vm_xstrdup(v->valuestring);
	return 0;
}

/* A list answer, element by element: item() fills slot k of an array of `size`-byte
 * slots (zeroed, owned by the caller) or says -1, and the message then names the element
 * and what it should be (`want`). On failure *arr holds the k slots filled so far, for the
 * caller to release. An empty answer or a null value is an empty list. */
static int list_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what, const char *noun,
		      const char *want, int (*item)(const cJSON *e, void *slot), size_t size, void **arr, size_t *n,
		      struct vm_err *err)
{
	cJSON *root;
	const cJSON *v, *e;
	char *a;
	int rc = -1;

	*arr = NULL;
	*n = 0;
	if (vs_rest_value_parse(f, resp, what, &root, &v, err) < 0)
		return -1;
	if (!v) {
		rc = 0;
		goto cleanup;
	}
	if (!cJSON_IsArray(v)) {
		vm_err_set(err, VM_ERR_PARSE, "%s: the answer is not a list of %s", what, noun);
		goto cleanup;
	}
	a = vm_xcalloc((size_t)cJSON_GetArraySize(v) + 1, size);
	*arr = a;
	cJSON_ArrayForEach(e, v) {
		if (item(e, a + *n * size) < 0) {
			vm_err_set(err, VM_ERR_PARSE, "%s: item %zu of the list is not %s", what, *n, want);
			goto cleanup;
		}
		(*n)++;
	}
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}

static int id_get(const cJSON *e, void *slot)
{
	if (!cJSON_IsString(e) || !*e->valuestring || strlen(e->valuestring) > ID_MAX)
		return -1;
	*(char **)slot = vm_xstrdup(e->valuestring);
	return 0;
}

int vs_tag_ids_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		     char ***ids, size_t *n, struct vm_err *err)
{
	void *arr;
	char want[64];

	snprintf(want, sizeof(want), "an id (a string of 1 to %d bytes)", ID_MAX);
	if (list_parse(f, resp, what, "ids", want, id_get, sizeof(char *), &arr, n, err) < 0) {
		vs_tag_ids_free(arr, *n);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	*ids = arr;
	return 0;
}

int vs_tag_item_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		      struct vs_tag_item *out, struct vm_err *err)
{
	cJSON *root;
	const cJSON *v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (vs_rest_value_parse(f, resp, what, &root, &v, err) < 0)
		return -1;
	if (!cJSON_IsObject(v)) {
		vm_err_set(err, VM_ERR_PARSE, "%s: the answer is not an object", what);
		goto cleanup;
	}
	if (member_str(v, "id", ID_MAX, 1, what, &out->id, err) < 0 ||
	    member_str(v, "name", NAME_MAX_, 1, what, &out->name, err) < 0 ||
	    member_str(v, "category_id", ID_MAX, 0, what, &out->category_id, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	if (rc < 0)
		vs_tag_item_clear(out);
	cJSON_Delete(root);
	return rc;
}

/* {"id": "vm-42", "type": "VirtualMachine"} into a struct vs_moref slot; -1 when it is
 * not one. */
static int object_get(const cJSON *o, void *slot)
{
	struct vs_moref *ref = slot;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");

	if (!cJSON_IsString(id) || !cJSON_IsString(type) || !*id->valuestring || !*type->valuestring ||
	    strlen(id->valuestring) >= sizeof(ref->value) || strlen(type->valuestring) >= sizeof(ref->type))
		return -1;
	vm_str_copy(ref->type, sizeof(ref->type), type->valuestring);
	vm_str_copy(ref->value, sizeof(ref->value), id->valuestring);
	return 0;
}

int vs_tag_objects_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			 struct vs_moref **objs, size_t *n, struct vm_err *err)
{
	void *arr;

	if (list_parse(f, resp, what, "objects", "an object id ({\"id\": …, \"type\": …} with strings that fit)",
		       object_get, sizeof(struct vs_moref), &arr, n, err) < 0) {
		free(arr);
		*objs = NULL;
		*n = 0;
		return -1;
	}
	*objs = arr;
	return 0;
}

int vs_tag_id_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		    char **id, struct vm_err *err)
{
	cJSON *root;
	const cJSON *v;
	int rc = -1;

	*id = NULL;
	if (vs_rest_value_parse(f, resp, what, &root, &v, err) < 0)
		return -1;
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > ID_MAX) {
		vm_err_set(err, VM_ERR_PARSE, "%s: the answer is not the new object's id", what);
		goto cleanup;
	}
	*id = vm_xstrdup(v->valuestring);
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}

int vs_tag_batch_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		       struct vm_err *err)
{
	cJSON *root;
	const cJSON *v, *ok, *msgs, *m;
	struct vm_buf b = {0};
	const char *first_id = NULL;
	int rc = -1, k = 0;

	if (vs_rest_value_parse(f, resp, what, &root, &v, err) < 0)
		return -1;
	if (!v) {
		rc = 0; /* vcsim answers these with an empty 200 */
		goto cleanup;
	}
	ok = cJSON_GetObjectItemCaseSensitive(v, "success");
	if (!cJSON_IsObject(v) || !cJSON_IsBool(ok)) {
		vm_err_set(err, VM_ERR_PARSE, "%s: the answer is not a batch result ({\"success\": true|false, …})", what);
		goto cleanup;
	}
	if (cJSON_IsTrue(ok)) {
		rc = 0;
		goto cleanup;
	}
	msgs = cJSON_GetObjectItemCaseSensitive(v, "error_messages");
	if (!cJSON_IsArray(msgs))
		msgs = NULL;
	cJSON_ArrayForEach(m, msgs) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "default_message");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
		if (!first_id && cJSON_IsString(id))
			first_id = id->valuestring;
		if (!cJSON_IsString(t) || !*t->valuestring)
			continue;
		if (k++ >= 3) {
			vm_buf_adds(&b, " …");
			break;
		}
		vm_buf_adds(&b, k > 1 ? "; " : ": ");
		/* Server text: control characters would garble the terminal. */
		for (const unsigned char *p = (const unsigned char *)t->valuestring; *p && p - (const unsigned char *)t->valuestring < 200; p++) {
			char c = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
			vm_buf_add(&b, &c, 1);
		}
	}
	if (!b.data)
		vm_buf_adds(&b, " (it gave no reason)");
	if (b.data[b.len - 1] != '.')
		vm_buf_adds(&b, ".");
	vm_err_set(err, VM_ERR_FAULT, "%s: vCenter did not do it for every object%s", what, b.data);
	if (err)
		vm_str_copy(err->fault, sizeof(err->fault), first_id ? first_id : "batch_failed");
cleanup:
	vm_buf_reset(&b);
	cJSON_Delete(root);
	return rc;
}

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

static int moref_eq(const struct vs_moref *a, const struct vs_moref *b)
{
	return strcmp(a->type, b->type) == 0 && strcmp(a->value, b->value) == 0;
}

int vs_tag_attached_get(const struct vs_tag_state *st, const struct vs_moref *ref)
{
	for (size_t i = 0; st && ref && i < st->n_attached; i++)
		if (moref_eq(&st->attached[i], ref))
			return 1;
	return 0;
}

static void attached_add(struct vs_tag_state *st, const struct vs_moref *ref)
{
	if (vs_tag_attached_get(st, ref))
		return;
	st->attached = vm_xrealloc(st->attached, (st->n_attached + 1) * sizeof(*st->attached));
	st->attached[st->n_attached++] = *ref;
}

static void attached_remove(struct vs_tag_state *st, const struct vs_moref *ref)
{
	for (size_t i = 0; i < st->n_attached; i++)
		if (moref_eq(&st->attached[i], ref)) {
			st->attached[i] = st->attached[--st->n_attached];
			return;
		}
}

/* --- calls --- */

static cJSON *object_json(const struct vs_moref *ref)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "id", ref->value) || !cJSON_AddStringToObject(o, "type", ref->type))
		abort(); /* cJSON fails only for want of memory */
	return o;
}

static cJSON *objects_json(const struct vs_moref *objs, size_t n)
{
	cJSON *body = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(body, "object_ids");

	if (!body || !list)
		abort();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(list, object_json(&objs[i]));
	return body;
}

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

/* The item named name among those a list call answers (method, path, body) and GETs of
 * each under resource: its id and name in *id and *real (owned), or NULLs. cat: keep
 * only tags of that category (NULL: any). */
static int named_find(struct vs_rest *r, const char *method, const char *path, const cJSON *body,
		      const char *resource, const char *name, const char *cat, char **id, char **real,
		      struct vm_err *err)
{
	char **ids = NULL;
	size_t n = 0;
	struct vs_tag_item *items = NULL;
	long k;
	int rc = -1;

	*id = *real = NULL;
	if (ids_call(r, method, path, body, &ids, &n, err) < 0 || items_get(r, resource, ids, n, &items, err) < 0)
		goto cleanup;
	k = item_pick(items, n, name, cat);
	if (k >= 0) {
		*id = vm_xstrdup(items[k].id);
		*real = vm_xstrdup(items[k].name);
	}
	rc = 0;
cleanup:
	items_free(items, n);
	vs_tag_ids_free(ids, n);
	return rc;
}

/* The category named name: its id and name in *id and *real (owned), or NULLs. */
static int category_find(struct vs_rest *r, const char *name, char **id, char **real, struct vm_err *err)
{
	char *path = vs_rest_path(vs_rest_flavor_get(r), CATEGORIES, NULL, NULL);
	int rc = named_find(r, "GET", path, NULL, CATEGORIES, name, NULL, id, real, err);

	free(path);
	return rc;
}

/* The tag named name in category cat: its id and name in *id and *real (owned), or NULLs. */
static int tag_find(struct vs_rest *r, const char *cat, const char *name, char **id, char **real,
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

static char *attached_path(struct vs_rest *r, const char *tag_id, const char *action)
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

/* Reads the objects st's tag is on into st->attached. */
static int attached_read(struct vs_rest *r, struct vs_tag_state *st, struct vm_err *err)
{
	char *path = attached_path(r, st->tag_id, "list-attached-objects");
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

int vs_tag_lookup_call(struct vs_rest *r, const char *category, const char *tag,
		       struct vs_tag_state *out, struct vm_err *err)
{
	vs_tag_state_clear(out);
	if (!category || !*category || !tag || !*tag)
		return vm_err_set(err, VM_ERR_USAGE, "a tag needs a category name and a tag name");
	if (category_find(r, category, &out->category_id, &out->category, err) < 0)
		goto fail;
	if (out->category_id && tag_find(r, out->category_id, tag, &out->tag_id, &out->tag, err) < 0)
		goto fail;
	if (out->tag_id && attached_read(r, out, err) < 0)
		goto fail;
	if (!out->category)
		out->category = vm_xstrdup(category);
	if (!out->tag)
		out->tag = vm_xstrdup(tag);
	out->fetched = 1;
	return 0;
fail:
	vs_tag_state_clear(out);
	return vm_err_prefix(err, "looking up tag \"%s\" in category \"%s\"", tag, category);
}

/* POSTs a create spec; *id the new object's. */
static int create_call(struct vs_rest *r, const char *resource, const cJSON *spec, char **id, struct vm_err *err)
{
	char *path = vs_rest_path(vs_rest_flavor_get(r), resource, NULL, NULL);
	char *what = vm_xasprintf("POST %s", path);
	struct vs_http_resp resp;
	/* Not VS_REST_SAFE: a create is sent again only when it surely never arrived. Should
	 * libcurl itself re-send it (a dead kept-alive connection), the second one answers
	 * already_exists, which the caller handles. */
	int rc = vs_rest_call(r, "POST", path, spec, VS_REST_SPEC, &resp, err);

	if (rc == 0)
		rc = vs_tag_id_parse(vs_rest_flavor_get(r), &resp, what, id, err);
	vs_http_resp_clear(&resp);
	free(what);
	free(path);
	return rc;
}

/* After a create failed: someone else's create (already_exists), or an answer that never
 * came (the create may have happened) is settled by looking again. */
static int create_settle(const struct vm_err *cerr)
{
	return (cerr->kind == VM_ERR_FAULT && strcmp(cerr->fault, "already_exists") == 0) || vs_err_uncertain(cerr);
}

static int category_create(struct vs_rest *r, const char *name, struct vs_tag_state *st, int *created,
			   struct vm_err *err)
{
	static const char *const types[] = {"VirtualMachine", "DistributedVirtualPortgroup"};
	cJSON *spec = cJSON_CreateObject();
	struct vm_err cerr;
	int rc = -1;

	vm_err_clear(&cerr);
	if (!spec || !cJSON_AddStringToObject(spec, "name", name) ||
	    !cJSON_AddStringToObject(spec, "description",
				     "Made by vtrunk for the VMs and port groups it manages.") ||
	    /* MULTIPLE: a VM may carry this tag beside others of the category. */
	    !cJSON_AddStringToObject(spec, "cardinality", "MULTIPLE") ||
	    !cJSON_AddItemToObject(spec, "associable_types", cJSON_CreateStringArray(types, 2)))
		abort();
	if (create_call(r, CATEGORIES, spec, &st->category_id, &cerr) == 0) {
		*created |= VS_TAG_CREATED_CATEGORY;
		rc = 0;
	} else if (create_settle(&cerr)) {
		char *real = NULL;
		if (category_find(r, name, &st->category_id, &real, err) == 0) {
			if (st->category_id) {
				free(st->category);
				st->category = real;
				real = NULL;
				rc = 0;
			} else if (err) {
				*err = cerr;
			}
		}
		free(real);
	} else if (err) {
		*err = cerr;
	}
	cJSON_Delete(spec);
	if (rc < 0 && cerr.kind == VM_ERR_FAULT && strcmp(cerr.fault, "already_exists") == 0 && !st->category_id)
		vm_err_set(err, VM_ERR_FAULT,
			   "vCenter says a tag category \"%s\" already exists, but this user cannot see it; "
			   "grant it read access to the category or choose another name", name);
	return rc;
}

static int tag_create(struct vs_rest *r, const char *name, struct vs_tag_state *st, int *created,
		      struct vm_err *err)
{
	cJSON *spec = cJSON_CreateObject();
	struct vm_err cerr;
	int rc = -1;

	vm_err_clear(&cerr);
	if (!spec || !cJSON_AddStringToObject(spec, "name", name) ||
	    !cJSON_AddStringToObject(spec, "description", "Made by vtrunk.") ||
	    !cJSON_AddStringToObject(spec, "category_id", st->category_id))
		abort();
	if (create_call(r, TAGS, spec, &st->tag_id, &cerr) == 0) {
		/* A new tag is on nothing: no need to ask. */
		free(st->attached);
		st->attached = NULL;
		st->n_attached = 0;
		*created |= VS_TAG_CREATED_TAG;
		rc = 0;
	} else if (create_settle(&cerr)) {
		char *real = NULL;
		if (tag_find(r, st->category_id, name, &st->tag_id, &real, err) == 0) {
			if (st->tag_id) {
				free(st->tag);
				st->tag = real;
				real = NULL;
				rc = attached_read(r, st, err);
			} else if (err) {
				*err = cerr;
			}
		}
		free(real);
	} else if (err) {
		*err = cerr;
	}
	cJSON_Delete(spec);
	if (rc < 0 && cerr.kind == VM_ERR_FAULT && strcmp(cerr.fault, "already_exists") == 0 && !st->tag_id)
		vm_err_set(err, VM_ERR_FAULT,
			   "vCenter says a tag \"%s\" already exists in category \"%s\", but this user cannot see it",
			   name, st->category ? st->category : "?");
	return rc;
}

int vs_tag_ensure_call(struct vs_rest *r, const char *category, const char *tag,
		       struct vs_tag_state *st, int *created, struct vm_err *err)
{
	int made = 0;

	if (created)
		*created = 0;
	if (!category || !*category || !tag || !*tag)
		return vm_err_set(err, VM_ERR_USAGE, "a tag needs a category name and a tag name");
	/* A lookup of other names (or none) is no guide to what these need. */
	if (!st->fetched || !st->category || !st->tag || strcasecmp(st->category, category) != 0 ||
	    strcasecmp(st->tag, tag) != 0) {
		if (vs_tag_lookup_call(r, category, tag, st, err) < 0)
			return -1;
	}
	if (!st->category)
		st->category = vm_xstrdup(category);
	if (!st->tag)
		st->tag = vm_xstrdup(tag);
	if (!st->category_id && category_create(r, category, st, &made, err) < 0)
		goto fail;
	if (!st->tag_id && tag_create(r, tag, st, &made, err) < 0)
		goto fail;
	st->fetched = 1;
	if (created)
		*created = made;
	return 0;
fail:
	if (created)
		*created = made;
	return vm_err_prefix(err, "making tag \"%s\" in category \"%s\"", tag, category);
}

/* The objects of objs (deduplicated) that are (want 1) or are not (want 0) in st->attached. */
static struct vs_moref *objects_pick(const struct vs_tag_state *st, const struct vs_moref *objs, size_t n,
				     int want, size_t *m)
{
	struct vs_moref *out = vm_xcalloc(n ? n : 1, sizeof(*out));

	*m = 0;
	for (size_t i = 0; i < n; i++) {
		int dup = 0;
		for (size_t j = 0; j < *m && !dup; j++)
			dup = moref_eq(&out[j], &objs[i]);
		if (!dup && vs_tag_attached_get(st, &objs[i]) == want)
			out[(*m)++] = objs[i];
	}
	return out;
}

/* One attach/detach-…-multiple-objects request with its batch result read. */
static int multiple_call(struct vs_rest *r, const char *tag_id, const char *action, const struct vs_moref *objs,
			 size_t n, struct vm_err *err)
{
	char *path = attached_path(r, tag_id, action);
	char *what = vm_xasprintf("POST %s", path);
	cJSON *body = objects_json(objs, n);
	struct vs_http_resp resp;
	/* Both are idempotent: an object already (un)tagged is no error. */
	int rc = vs_rest_call(r, "POST", path, body, VS_REST_SAFE, &resp, err);

	if (rc == 0)
		rc = vs_tag_batch_parse(vs_rest_flavor_get(r), &resp, what, err);
	vs_http_resp_clear(&resp);
	cJSON_Delete(body);
	free(what);
	free(path);
	return rc;
}

int vs_tag_attach_call(struct vs_rest *r, struct vs_tag_state *st, const struct vs_moref *objs,
		       size_t n, struct vm_err *err)
{
	size_t m;
	struct vs_moref *todo;
	int rc = 0;

	if (!st->tag_id)
		return vm_err_set(err, VM_ERR_USAGE, "no tag to attach: it does not exist yet (vs_tag_ensure_call)");
	todo = objects_pick(st, objs, n, 0, &m);
	if (m > 0) {
		rc = multiple_call(r, st->tag_id, "attach-tag-to-multiple-objects", todo, m, err);
		if (rc == 0) {
			for (size_t i = 0; i < m; i++)
				attached_add(st, &todo[i]);
		} else if (err && err->kind == VM_ERR_FAULT) {
			/* Some may have taken: st says what vCenter now has. */
			struct vm_err ignored;
			attached_read(r, st, &ignored);
		}
		if (rc < 0)
			vm_err_prefix(err, "attaching tag \"%s\" to %zu object%s", st->tag ? st->tag : st->tag_id, m,
				      m == 1 ? "" : "s");
	}
	free(todo);
	return rc;
}

/* Per-object detach of objs, concurrently (one batch). */
static int detach_each(struct vs_rest *r, struct vs_tag_state *st, const struct vs_moref *objs, size_t n,
		       struct vm_err *err)
{
	char *path = attached_path(r, st->tag_id, "detach");
	struct vs_rest_req *reqs = vm_xcalloc(n ? n : 1, sizeof(*reqs));
	cJSON **bodies = vm_xcalloc(n ? n : 1, sizeof(*bodies));
	int rc;

	for (size_t i = 0; i < n; i++) {
		bodies[i] = cJSON_CreateObject();
		if (!bodies[i])
			abort();
		cJSON_AddItemToObject(bodies[i], "object_id", object_json(&objs[i]));
		reqs[i].method = "POST";
		reqs[i].path = path;
		reqs[i].body = bodies[i];
	}
	rc = vs_rest_batch_call(r, reqs, n, VS_REST_SAFE, err);
	for (size_t i = 0; i < n; i++) {
		if (reqs[i].rc == 0)
			attached_remove(st, &objs[i]);
		cJSON_Delete(bodies[i]);
	}
	vs_rest_req_clear(reqs, n);
	free(bodies);
	free(reqs);
	free(path);
	return rc;
}

/* Whether a failed detach-tag-from-multiple-objects is worth the per-object way: an
 * operation the server lacks (404, operation_not_found), or one that failed for some
 * objects (a batch result), whose own detach then says why. Not when the session, the
 * privileges or the connection are the trouble. */
static int detach_fallback(const struct vm_err *merr)
{
	if (merr->kind == VM_ERR_NOTFOUND)
		return 1;
	return merr->kind == VM_ERR_FAULT && strcmp(merr->fault, "unauthorized") != 0;
}

int vs_tag_detach_call(struct vs_rest *r, struct vs_tag_state *st, const struct vs_moref *objs,
		       size_t n, struct vm_err *err)
{
	size_t m, left = 0;
	struct vs_moref *todo, *still = NULL;
	struct vm_err merr;
	int rc = -1;

	if (!st->tag_id)
		return 0; /* no tag: on nothing */
	todo = objects_pick(st, objs, n, 1, &m);
	if (m == 0) {
		rc = 0;
		goto cleanup;
	}
	/* One request for all, where the server has it. vcsim 0.24 does not: it answers an
	 * action it does not know with an empty 200 and does nothing (and its
	 * detach-multiple-tags-from-object only marks the pair false, still listing it). So
	 * the objects are listed again, and what is still tagged is detached one by one. */
	vm_err_clear(&merr);
	if (multiple_call(r, st->tag_id, "detach-tag-from-multiple-objects", todo, m, &merr) < 0 && !detach_fallback(&merr)) {
		if (err)
			*err = merr;
		goto fail;
	}
	if (attached_read(r, st, err) < 0)
		goto fail;
	still = objects_pick(st, todo, m, 1, &left);
	if (left > 0 && detach_each(r, st, still, left, err) < 0)
		goto fail;
	rc = 0;
	goto cleanup;
fail:
	vm_err_prefix(err, "detaching tag \"%s\" from %zu object%s", st->tag ? st->tag : st->tag_id, m,
		      m == 1 ? "" : "s");
cleanup:
	free(still);
	free(todo);
	return rc;
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
		/* Name the categories, so the user can pick one. */
		char **cids = vm_xcalloc(hits, sizeof(*cids));
		struct vs_tag_item *cats = NULL;
		struct vm_buf b = {0};
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].id && items[i].category_id &&
			    (n_exact ? strcmp(items[i].name, name) : strcasecmp(items[i].name, name)) == 0)
				cids[k++] = items[i].category_id;
		if (items_get(r, CATEGORIES, cids, k, &cats, NULL) == 0)
			for (size_t i = 0; i < k; i++) {
				vm_buf_adds(&b, i ? ", " : "");
				vm_buf_addf(&b, "\"%s\"", cats[i].name ? cats[i].name : cids[i]);
			}
		vm_err_set(err, VM_ERR_USAGE,
			   "tag \"%s\" exists in %zu categories (%s): write CATEGORY/TAG, e.g. \"%s/%s\"", name, hits,
			   b.data ? b.data : "?", cats && cats[0].name ? cats[0].name : "CATEGORY", name);
		items_free(cats, k);
		vm_buf_reset(&b);
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

/* The tag's objects and its category's name, in one batch of two. */
static int find_finish(struct vs_rest *r, struct vs_tag_state *out, struct vm_err *err)
{
	enum vs_rest_flavor f = vs_rest_flavor_get(r);
	char *apath = attached_path(r, out->tag_id, "list-attached-objects");
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

int vs_tag_find_call(struct vs_rest *r, const char *spec, struct vs_tag_state *out, struct vm_err *err)
{
	const char *slash = spec ? strchr(spec, '/') : NULL;

	vs_tag_state_clear(out);
	if (!spec || !*spec)
		return vm_err_set(err, VM_ERR_USAGE, "--tag needs a tag name (TAG or CATEGORY/TAG)");
	if (slash && slash != spec && slash[1]) {
		char *cat = vm_xstrndup(spec, (size_t)(slash - spec));
		int rc = vs_tag_lookup_call(r, cat, slash + 1, out, err);
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
	if (find_anywhere(r, spec, out, err) < 0 || find_finish(r, out, err) < 0) {
		vs_tag_state_clear(out);
		return -1;
	}
	out->fetched = 1;
	return 0;
}
