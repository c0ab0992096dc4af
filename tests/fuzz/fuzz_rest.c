/* fuzz_rest.c — libFuzzer target for the REST readers (vs_rest_answer.c, vs_tag_json.c): every answer
 * the REST client reads, of either flavor, through the error check, the value and token
 * readers and each tag parser (vs_tag_json.c). Whatever fails must leave a usable error; whatever succeeds
 * must hand back well-formed results (non-empty ids, terminated morefs).
 *
 * Input: a selector byte (bit 0: flavor /rest, else /api; bits 4-5: HTTP status 200, 400,
 * 404, 500) and the HTTP body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vs_rest.h"
#include "vs_tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long rest_statuses[4] = {200, 400, 404, 500};

static void ids(enum vs_rest_flavor f, const struct vs_http_resp *r)
{
	char **v = NULL;
	size_t n = 0;
	struct vm_err e;

	vm_err_clear(&e);
	if (vs_tag_ids_parse(f, r, "ids", &v, &n, &e) < 0) {
		fuzz_err_check(&e, "vs_tag_ids_parse");
		return;
	}
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(v[i] && v[i][0], "id %zu empty", i);
	vs_tag_ids_free(v, n);
}

static void item(enum vs_rest_flavor f, const struct vs_http_resp *r)
{
	struct vs_tag_item it;
	struct vm_err e;

	memset(&it, 0, sizeof(it));
	vm_err_clear(&e);
	if (vs_tag_item_parse(f, r, "item", &it, &e) < 0)
		fuzz_err_check(&e, "vs_tag_item_parse");
	else
		FUZZ_CHECK(it.id && it.id[0] && it.name, "an item without id or name");
	vs_tag_item_clear(&it);
}

static void objects(enum vs_rest_flavor f, const struct vs_http_resp *r)
{
	struct vs_moref *o = NULL;
	size_t n = 0;
	struct vm_err e;

	vm_err_clear(&e);
	if (vs_tag_objects_parse(f, r, "objects", &o, &n, &e) < 0) {
		fuzz_err_check(&e, "vs_tag_objects_parse");
	} else {
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(memchr(o[i].type, 0, sizeof(o[i].type)) && memchr(o[i].value, 0, sizeof(o[i].value)),
				   "moref %zu unterminated", i);
	}
	free(o);
}

static void object_tags(enum vs_rest_flavor f, const struct vs_http_resp *r)
{
	struct vs_tag_object_tags *ot = NULL;
	size_t n = 0;
	struct vm_err e;

	vm_err_clear(&e);
	if (vs_tag_object_tags_parse(f, r, "object tags", &ot, &n, &e) < 0) {
		fuzz_err_check(&e, "vs_tag_object_tags_parse");
		FUZZ_CHECK(!ot && n == 0, "object tags left after a failure");
	} else {
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(memchr(ot[i].obj.type, 0, sizeof(ot[i].obj.type)) && ot[i].obj.value[0],
				   "object %zu unterminated or empty", i);
			for (size_t j = 0; j < ot[i].n_tags; j++)
				FUZZ_CHECK(ot[i].tag_ids[j][0] && strlen(ot[i].tag_ids[j]) <= VS_TAG_ID_MAX,
					   "tag id %zu of object %zu empty or too long", j, i);
		}
	}
	vs_tag_object_tags_free(ot, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_http_resp r;
	enum vs_rest_flavor f;
	struct vm_err e;
	cJSON *root = NULL;
	const cJSON *value = NULL;
	char *s = NULL;

	if (size < 1)
		return 0;
	f = (data[0] & 1) ? VS_REST_REST : VS_REST_API;
	fuzz_resp_make(&r, data[0], data + 1, size - 1);
	r.status = rest_statuses[(data[0] >> 4) & 3];
	snprintf(r.content_type, sizeof(r.content_type), "%s", "application/json");

	vm_err_clear(&e);
	if (vs_rest_answer_check(&r, "POST /api/x", &e) < 0)
		fuzz_err_check(&e, "vs_rest_answer_check");
	else
		FUZZ_CHECK(r.status / 100 == 2, "status %ld accepted", r.status);
	vm_err_clear(&e);
	if (vs_rest_value_parse(f, &r, "value", &root, &value, &e) < 0)
		fuzz_err_check(&e, "vs_rest_value_parse");
	cJSON_Delete(root);
	vm_err_clear(&e);
	if (vs_rest_token_parse(f, &r, &s, &e) < 0)
		fuzz_err_check(&e, "vs_rest_token_parse");
	else
		FUZZ_CHECK(s && s[0] && !strpbrk(s, "\r\n"), "a token a header cannot carry");
	free(s);
	s = NULL;
	vm_err_clear(&e);
	if (vs_tag_id_parse(f, &r, "id", &s, &e) < 0)
		fuzz_err_check(&e, "vs_tag_id_parse");
	else
		FUZZ_CHECK(s && s[0], "an empty id");
	free(s);
	vm_err_clear(&e);
	if (vs_tag_batch_parse(f, &r, "batch", &e) < 0)
		fuzz_err_check(&e, "vs_tag_batch_parse");
	ids(f, &r);
	item(f, &r);
	objects(f, &r);
	object_tags(f, &r);
	fuzz_resp_clear(&r);
	return 0;
}
