/* vs_tag.c — changing vCenter tags (vs_tag.h): the category and tag made when missing,
 * the tag attached to objects and detached. Reads are in vs_tag_find.c. */
#include "vs_tag.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_alloc.h"
#include "vs_session.h"

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
		if (vs_tag_object_eq(&st->attached[i], ref)) {
			st->attached[i] = st->attached[--st->n_attached];
			return;
		}
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
		if (vs_tag_category_find_call(r, name, &st->category_id, &real, err) == 0) {
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
		if (vs_tag_in_category_find_call(r, st->category_id, name, &st->tag_id, &real, err) == 0) {
			if (st->tag_id) {
				free(st->tag);
				st->tag = real;
				real = NULL;
				rc = vs_tag_attached_read_call(r, st, err);
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
		if (vs_tag_lookup_call(r, category, tag, NULL, 0, st, err) < 0)
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
			dup = vs_tag_object_eq(&out[j], &objs[i]);
		if (!dup && vs_tag_attached_get(st, &objs[i]) == want)
			out[(*m)++] = objs[i];
	}
	return out;
}

/* One attach/detach-…-multiple-objects request with its batch result read. */
static int multiple_call(struct vs_rest *r, const char *tag_id, const char *action, const struct vs_moref *objs,
			 size_t n, struct vm_err *err)
{
	char *path = vs_tag_assoc_path(r, tag_id, action);
	char *what = vm_xasprintf("POST %s", path);
	cJSON *body = vs_tag_objects_json(objs, n);
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
			vs_tag_attached_read_call(r, st, &ignored);
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
	char *path = vs_tag_assoc_path(r, st->tag_id, "detach");
	struct vs_rest_req *reqs = vm_xcalloc(n ? n : 1, sizeof(*reqs));
	cJSON **bodies = vm_xcalloc(n ? n : 1, sizeof(*bodies));
	int rc;

	for (size_t i = 0; i < n; i++) {
		bodies[i] = cJSON_CreateObject();
		if (!bodies[i])
			abort();
		cJSON_AddItemToObject(bodies[i], "object_id", vs_tag_object_json(&objs[i]));
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
	if (vs_tag_attached_read_call(r, st, err) < 0)
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
