/* vs_tag_json.c — the tagging API's JSON (vs_tag_json.h): readers of answers, writers of
 * the object lists sent. No network. */
#include "vs_tag_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

#define NAME_MAX_ 4096  /* vCenter's names are far shorter; this bounds a hostile answer */
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
	if (!cJSON_IsString(e) || !*e->valuestring || strlen(e->valuestring) > VS_TAG_ID_MAX)
		return -1;
	*(char **)slot = vm_xstrdup(e->valuestring);
	return 0;
}

int vs_tag_ids_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		     char ***ids, size_t *n, struct vm_err *err)
{
	void *arr;
	char want[64];

	snprintf(want, sizeof(want), "an id (a string of 1 to %d bytes)", VS_TAG_ID_MAX);
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
	if (member_str(v, "id", VS_TAG_ID_MAX, 1, what, &out->id, err) < 0 ||
	    member_str(v, "name", NAME_MAX_, 1, what, &out->name, err) < 0 ||
	    member_str(v, "category_id", VS_TAG_ID_MAX, 0, what, &out->category_id, err) < 0)
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

/* One {"object_id": {…}, "tag_ids": [… | null]} into a struct vs_tag_object_tags slot. */
static int object_tags_get(const cJSON *e, void *slot)
{
	struct vs_tag_object_tags *ot = slot;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(e, "tag_ids"), *id;
	size_t k = 0;

	if (!cJSON_IsObject(e) || object_get(cJSON_GetObjectItemCaseSensitive(e, "object_id"), &ot->obj) < 0)
		return -1;
	if (!ids || cJSON_IsNull(ids))
		return 0; /* vcsim: null for an object without tags */
	if (!cJSON_IsArray(ids))
		return -1;
	ot->tag_ids = vm_xcalloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(char *));
	cJSON_ArrayForEach(id, ids) {
		if (id_get(id, &ot->tag_ids[k]) < 0) {
			ot->n_tags = k;
			return -1;
		}
		k++;
	}
	ot->n_tags = k;
	return 0;
}

void vs_tag_object_tags_free(struct vs_tag_object_tags *ots, size_t n)
{
	for (size_t i = 0; ots && i < n; i++)
		vs_tag_ids_free(ots[i].tag_ids, ots[i].n_tags);
	free(ots);
}

int vs_tag_object_tags_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			     struct vs_tag_object_tags **ots, size_t *n, struct vm_err *err)
{
	void *arr;

	if (list_parse(f, resp, what, "objects and their tags",
		       "an object and its tags ({\"object_id\": {…}, \"tag_ids\": [ids]})", object_tags_get,
		       sizeof(struct vs_tag_object_tags), &arr, n, err) < 0) {
		/* The slot that failed may hold ids already: free it too. */
		vs_tag_object_tags_free(arr, arr ? *n + 1 : 0);
		*ots = NULL;
		*n = 0;
		return -1;
	}
	*ots = arr;
	return 0;
}

int vs_tag_object_eq(const struct vs_moref *a, const struct vs_moref *b)
{
	return strcmp(a->type, b->type) == 0 && strcmp(a->value, b->value) == 0;
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
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > VS_TAG_ID_MAX) {
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

/* --- writers --- */

cJSON *vs_tag_object_json(const struct vs_moref *ref)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "id", ref->value) || !cJSON_AddStringToObject(o, "type", ref->type))
		abort(); /* cJSON fails only for want of memory */
	return o;
}

cJSON *vs_tag_objects_json(const struct vs_moref *objs, size_t n)
{
	cJSON *body = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(body, "object_ids");

	if (!body || !list)
		abort();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(list, vs_tag_object_json(&objs[i]));
	return body;
}

/* One call whose answer is a list of ids. */
