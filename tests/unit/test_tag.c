/* test_tag.c — the REST client's and the tag layer's readers (vs_rest.h, vs_tag.h) on
 * answers captured from vcsim (/rest flavor, fixtures/rest/vcsim) and shaped like vCenter
 * 8's /api ones (fixtures/rest/api), plus hostile bodies: wrong JSON types, missing and
 * oversized members, broken JSON. No network. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "vs_rest.h"
#include "vs_tag.h"

#define VCSIM(f) FIXTURE("rest/vcsim/" f)
#define API(f) FIXTURE("rest/api/" f)

/* The "value" string of a captured /rest answer (ids change at every capture, so tests
 * compare files with each other rather than with constants). */
static char *value_of(const char *path)
{
	char *text = fixture_read(path, NULL), *out;
	cJSON *root = cJSON_Parse(text);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "value");

	if (!cJSON_IsString(v))
		fail_msg("%s: no string value", path);
	out = strdup(v->valuestring);
	cJSON_Delete(root);
	free(text);
	return out;
}

/* --- paths and bodies --- */

static void test_paths(void **state)
{
	char *p;

	(void)state;
	p = vs_rest_path(VS_REST_REST, "cis/tagging/category", NULL, NULL);
	assert_string_equal(p, "/rest/com/vmware/cis/tagging/category");
	free(p);
	p = vs_rest_path(VS_REST_API, "cis/tagging/category", NULL, NULL);
	assert_string_equal(p, "/api/cis/tagging/category");
	free(p);
	p = vs_rest_path(VS_REST_REST, "cis/tagging/tag-association", "urn:vmomi:InventoryServiceTag:ab-1:GLOBAL",
			 "attach-tag-to-multiple-objects");
	assert_string_equal(p, "/rest/com/vmware/cis/tagging/tag-association/id:urn:vmomi:InventoryServiceTag:ab-1:GLOBAL"
			       "?~action=attach-tag-to-multiple-objects");
	free(p);
	p = vs_rest_path(VS_REST_API, "cis/tagging/tag-association", "urn:vmomi:InventoryServiceTag:ab-1:GLOBAL",
			 "list-attached-objects");
	assert_string_equal(p, "/api/cis/tagging/tag-association/urn:vmomi:InventoryServiceTag:ab-1:GLOBAL"
			       "?action=list-attached-objects");
	free(p);
	p = vs_rest_path(VS_REST_API, "cis/tagging/tag", NULL, "list-tags-for-category");
	assert_string_equal(p, "/api/cis/tagging/tag?action=list-tags-for-category");
	free(p);
	/* A server's id cannot end the path segment, start a query or break the request line. */
	p = vs_rest_path(VS_REST_API, "cis/tagging/tag", "a/b?c#d e%\r\n", NULL);
	assert_string_equal(p, "/api/cis/tagging/tag/a%2Fb%3Fc%23d%20e%25%0D%0A");
	free(p);
}

static void test_body_print(void **state)
{
	cJSON *spec = cJSON_CreateObject();
	char *t;

	(void)state;
	cJSON_AddStringToObject(spec, "name", "vtrunk \"quoted\"");
	t = vs_rest_body_print(VS_REST_REST, spec, VS_REST_SPEC);
	assert_string_equal(t, "{\"create_spec\":{\"name\":\"vtrunk \\\"quoted\\\"\"}}");
	free(t);
	t = vs_rest_body_print(VS_REST_API, spec, VS_REST_SPEC);
	assert_string_equal(t, "{\"name\":\"vtrunk \\\"quoted\\\"\"}");
	free(t);
	/* Not a create spec: the same for both. */
	t = vs_rest_body_print(VS_REST_REST, spec, VS_REST_SAFE);
	assert_string_equal(t, "{\"name\":\"vtrunk \\\"quoted\\\"\"}");
	free(t);
	/* The spec is intact after wrapping (the wrapper only borrowed it). */
	assert_string_equal(cJSON_GetObjectItem(spec, "name")->valuestring, "vtrunk \"quoted\"");
	assert_null(vs_rest_body_print(VS_REST_REST, NULL, VS_REST_SPEC));
	cJSON_Delete(spec);
}

/* --- login answers --- */

static void test_token(void **state)
{
	static const struct {
		enum vs_rest_flavor f;
		const char *body;
	} bad[] = {
		{VS_REST_REST, "{\"value\":42}"},
		{VS_REST_REST, "{\"value\":\"\"}"},
		{VS_REST_REST, "{}"},
		{VS_REST_REST, "\"a-bare-string\""},         /* /api's shape where /rest was asked */
		{VS_REST_API, "{\"value\":\"wrapped\"}"},     /* and the other way round */
		{VS_REST_API, "\"abc\\r\\nSet-Cookie: x=y\""}, /* header injection */
		{VS_REST_API, "\"two words\""},
		{VS_REST_API, "not json"},
		{VS_REST_API, ""},
	};
	struct vs_http_resp r;
	struct vm_err err = {0};
	char *tok = NULL, *big;

	(void)state;
	fixture_resp(&r, VCSIM("session.json"), 200, "text/plain");
	assert_int_equal(vs_rest_token_parse(VS_REST_REST, &r, &tok, &err), 0);
	assert_int_equal(strlen(tok), 36); /* a UUID */
	free(tok);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("session.json"), 201, "application/json");
	assert_int_equal(vs_rest_token_parse(VS_REST_API, &r, &tok, &err), 0);
	assert_string_equal(tok, "b00db39f948d13ea1e59b4d6fce56389");
	free(tok);
	vs_http_resp_clear(&r);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vm_err_clear(&err);
		fixture_resp_text(&r, bad[i].body, 200, "application/json");
		if (vs_rest_token_parse(bad[i].f, &r, &tok, &err) != -1)
			fail_msg("token accepted from %s", bad[i].body);
		assert_null(tok);
		assert_int_equal(err.kind, VM_ERR_PARSE);
		vs_http_resp_clear(&r);
	}

	/* Over 4096 bytes. */
	big = malloc(6000);
	assert_non_null(big);
	memset(big, 'a', 5999);
	big[0] = '"';
	big[5998] = '"';
	big[5999] = '\0';
	fixture_resp_text(&r, big, 201, "application/json");
	assert_int_equal(vs_rest_token_parse(VS_REST_API, &r, &tok, &err), -1);
	assert_contains(err.msg, "longer than");
	vs_http_resp_clear(&r);
	free(big);
}

/* --- statuses and error bodies --- */

static void test_answer_check(void **state)
{
	static const struct {
		const char *file;   /* a fixture, or NULL: text */
		const char *text;
		long status;
		enum vm_err_kind kind;
		const char *fault;
		const char *in_msg;
	} cases[] = {
		{VCSIM("api-session-404.txt"), NULL, 404, VM_ERR_NOTFOUND, "not_found", "404 page not found"},
		{VCSIM("category-get-404.txt"), NULL, 404, VM_ERR_NOTFOUND, "not_found", "HTTP 404"},
		{VCSIM("category-create-already_exists.json"), NULL, 400, VM_ERR_FAULT, "already_exists",
		 "vCenter answered already_exists (HTTP 400)."},
		{VCSIM("tag-create-already_exists.json"), NULL, 400, VM_ERR_FAULT, "already_exists", "HTTP 400"},
		{VCSIM("unauthenticated-401.txt"), NULL, 401, VM_ERR_AUTH, "unauthenticated", "HTTP 401"},
		{VCSIM("after-logout-401.txt"), NULL, 401, VM_ERR_AUTH, "unauthenticated", "refused the REST session"},
		{VCSIM("list-attached-objects-nobody-400.txt"), NULL, 400, VM_ERR_HTTP, "", "answered HTTP 400."},
		{API("category-create-already_exists.json"), NULL, 400, VM_ERR_FAULT, "already_exists",
		 "already_exists (HTTP 400): Category vtrunk already exists."},
		{API("session-401.json"), NULL, 401, VM_ERR_AUTH, "unauthenticated", "Authentication required."},
		{API("not-found-404.json"), NULL, 404, VM_ERR_NOTFOUND, "not_found", "does not exist."},
		{API("unauthorized-403.json"), NULL, 403, VM_ERR_FAULT, "unauthorized", "Tagging privileges"},
		/* /rest with messages, as real vCenters send them. */
		{NULL,
		 "{\"type\":\"com.vmware.vapi.std.errors.invalid_argument\",\"value\":{\"messages\":[{\"args\":[],"
		 "\"default_message\":\"Invalid cardinality.\",\"id\":\"x\"},{\"default_message\":\"Second.\"}]}}",
		 400, VM_ERR_FAULT, "invalid_argument", ": Invalid cardinality. Second."},
		{NULL, "{\"error_type\":\"INTERNAL_SERVER_ERROR\",\"messages\":[]}", 500, VM_ERR_FAULT,
		 "internal_server_error", "HTTP 500"},
		/* Not vAPI errors: the status speaks. */
		{NULL, "<html><body>Service Unavailable</body></html>", 503, VM_ERR_HTTP, "", "HTTP 503."},
		{NULL, "{\"type\":\"not.an.error\"}", 500, VM_ERR_HTTP, "", "HTTP 500"},
		{NULL, "{\"error_type\":42}", 500, VM_ERR_HTTP, "", "HTTP 500"},
		{NULL, "[1,2]", 400, VM_ERR_HTTP, "", "HTTP 400"},
		/* A hostile message: control characters do not reach the terminal. */
		{NULL, "{\"error_type\":\"ERROR\",\"messages\":[{\"default_message\":\"bad\\u001b[2J\\r\\nnews\"}]}", 500,
		 VM_ERR_FAULT, "error", "bad [2J  news"},
		/* A hostile type name is cut to the letters a fault name has. */
		{NULL, "{\"error_type\":\"ALREADY EXISTS\\n<b>\",\"messages\":[]}", 400, VM_ERR_FAULT, "alreadyexistsb",
		 "HTTP 400"},
	};
	struct vs_http_resp r;
	struct vm_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vm_err_clear(&err);
		if (cases[i].file)
			fixture_resp(&r, cases[i].file, cases[i].status, "text/plain");
		else
			fixture_resp_text(&r, cases[i].text, cases[i].status, "application/json");
		assert_int_equal(vs_rest_answer_check(&r, "POST /x", &err), -1);
		if (err.kind != cases[i].kind)
			fail_msg("case %zu: kind %s, wanted %s (%s)", i, vm_err_kind_name(err.kind),
				 vm_err_kind_name(cases[i].kind), err.msg);
		assert_string_equal(err.fault, cases[i].fault);
		assert_int_equal(err.http_status, cases[i].status);
		assert_contains(err.msg, cases[i].in_msg);
		assert_true(strncmp(err.msg, "POST /x: ", 9) == 0);
		assert_int_equal(err.msg[strlen(err.msg) - 1], '.'); /* a whole sentence */
		for (const char *c = err.msg; *c; c++)
			assert_true((unsigned char)*c >= 0x20);
		vs_http_resp_clear(&r);
	}
	/* Successes are not errors, whatever the body. */
	vm_err_clear(&err);
	fixture_resp_text(&r, "garbage", 204, "");
	assert_int_equal(vs_rest_answer_check(&r, "DELETE /x", &err), 0);
	assert_int_equal(err.kind, VM_ERR_NONE);
	vs_http_resp_clear(&r);
}

/* --- values --- */

static void test_value_parse(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	cJSON *root;
	const cJSON *v;
	char *deep;

	(void)state;
	/* Empty and blank answers: no value. */
	fixture_resp(&r, VCSIM("attach-tag-to-multiple-objects.json"), 200, "");
	assert_int_equal(vs_rest_value_parse(VS_REST_REST, &r, "x", &root, &v, &err), 0);
	assert_null(root);
	assert_null(v);
	vs_http_resp_clear(&r);
	fixture_resp_text(&r, " \r\n", 200, "");
	assert_int_equal(vs_rest_value_parse(VS_REST_API, &r, "x", &root, &v, &err), 0);
	assert_null(v);
	vs_http_resp_clear(&r);
	/* {"value":null} and a missing value: none. */
	fixture_resp(&r, VCSIM("category-list-empty.json"), 200, "");
	assert_int_equal(vs_rest_value_parse(VS_REST_REST, &r, "x", &root, &v, &err), 0);
	assert_non_null(root);
	assert_null(v);
	cJSON_Delete(root);
	vs_http_resp_clear(&r);
	/* Trailing garbage, a NUL inside, an unfinished document. */
	{
		static const char *const broken[] = {"[\"a\"] x", "{\"value\":", "{\"value\":\"a\"}}", "nul"};
		for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
			vm_err_clear(&err);
			fixture_resp_text(&r, broken[i], 200, "");
			assert_int_equal(vs_rest_value_parse(VS_REST_REST, &r, "GET /x", &root, &v, &err), -1);
			assert_null(root);
			assert_int_equal(err.kind, VM_ERR_PARSE);
			assert_contains(err.msg, "GET /x: the answer");
			vs_http_resp_clear(&r);
		}
	}
	fixture_resp_text(&r, "[\"a\"]xx", 200, "");
	r.body[5] = '\0';
	vm_err_clear(&err);
	assert_int_equal(vs_rest_value_parse(VS_REST_API, &r, "x", &root, &v, &err), -1);
	assert_contains(err.msg, "NUL");
	vs_http_resp_clear(&r);
	/* Nesting deeper than cJSON allows: refused, not a stack overflow. */
	deep = malloc(200002);
	assert_non_null(deep);
	memset(deep, '[', 100000);
	memset(deep + 100000, ']', 100000);
	deep[200000] = '\0';
	fixture_resp_text(&r, deep, 200, "");
	assert_int_equal(vs_rest_value_parse(VS_REST_API, &r, "x", &root, &v, &err), -1);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	vs_http_resp_clear(&r);
	free(deep);
}

/* --- lists of ids --- */

static void test_ids(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	char **ids;
	size_t n;
	char *cat = value_of(VCSIM("category-create.json")), *tag = value_of(VCSIM("tag-create.json"));
	int seen = 0;

	(void)state;
	fixture_resp(&r, VCSIM("category-list.json"), 200, "text/plain");
	assert_int_equal(vs_tag_ids_parse(VS_REST_REST, &r, "x", &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_true(strncmp(ids[i], "urn:vmomi:InventoryServiceCategory:", 35) == 0);
		seen += strcmp(ids[i], cat) == 0;
	}
	assert_int_equal(seen, 1);
	vs_tag_ids_free(ids, n);
	vs_http_resp_clear(&r);

	fixture_resp(&r, VCSIM("tag-list-for-category.json"), 200, "text/plain");
	assert_int_equal(vs_tag_ids_parse(VS_REST_REST, &r, "x", &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(strcmp(ids[0], tag) == 0 || strcmp(ids[1], tag) == 0);
	vs_tag_ids_free(ids, n);
	vs_http_resp_clear(&r);

	/* vcsim's empty lists are {"value":null}. */
	fixture_resp(&r, VCSIM("tag-list-for-category-empty.json"), 200, "text/plain");
	assert_int_equal(vs_tag_ids_parse(VS_REST_REST, &r, "x", &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(ids);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("category-list.json"), 200, "application/json");
	assert_int_equal(vs_tag_ids_parse(VS_REST_API, &r, "x", &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[1], "urn:vmomi:InventoryServiceCategory:7d1e3b52-6a0f-4e9d-b7c2-5f8a1c3e9d07:GLOBAL");
	vs_tag_ids_free(ids, n);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("tag-list-for-category.json"), 200, "application/json");
	assert_int_equal(vs_tag_ids_parse(VS_REST_API, &r, "x", &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	vs_tag_ids_free(ids, n);
	vs_http_resp_clear(&r);

	/* The /rest wrapper read as /api: not a list. */
	fixture_resp(&r, VCSIM("category-list.json"), 200, "text/plain");
	assert_int_equal(vs_tag_ids_parse(VS_REST_API, &r, "x", &ids, &n, &err), -1);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	vs_http_resp_clear(&r);

	{
		static const char *const bad[] = {
			"[1,2]", "[\"a\",null]", "[\"\"]", "[[\"a\"]]", "{\"value\":[\"a\"]}", "\"a\"", "true", "{}",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			vm_err_clear(&err);
			fixture_resp_text(&r, bad[i], 200, "");
			if (vs_tag_ids_parse(VS_REST_API, &r, "GET /x", &ids, &n, &err) != -1)
				fail_msg("ids accepted from %s", bad[i]);
			assert_null(ids);
			assert_int_equal(n, 0);
			assert_int_equal(err.kind, VM_ERR_PARSE);
			vs_http_resp_clear(&r);
		}
	}
	/* An id far longer than any vCenter makes. */
	{
		char *big = malloc(3000);
		assert_non_null(big);
		memset(big, 'x', 2999);
		memcpy(big, "[\"", 2);
		memcpy(big + 2996, "\"]", 3);
		fixture_resp_text(&r, big, 200, "");
		assert_int_equal(vs_tag_ids_parse(VS_REST_API, &r, "x", &ids, &n, &err), -1);
		assert_contains(err.msg, "item 0");
		vs_http_resp_clear(&r);
		free(big);
	}
	free(cat);
	free(tag);
}

/* --- categories and tags --- */

static void test_items(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	struct vs_tag_item it;
	char *cat = value_of(VCSIM("category-create.json")), *tag = value_of(VCSIM("tag-create.json"));

	(void)state;
	fixture_resp(&r, VCSIM("category-get.json"), 200, "text/plain");
	assert_int_equal(vs_tag_item_parse(VS_REST_REST, &r, "x", &it, &err), 0);
	assert_string_equal(it.id, cat);
	assert_string_equal(it.name, "vtrunk");
	assert_null(it.category_id);
	vs_tag_item_clear(&it);
	vs_http_resp_clear(&r);

	fixture_resp(&r, VCSIM("tag-get.json"), 200, "text/plain");
	assert_int_equal(vs_tag_item_parse(VS_REST_REST, &r, "x", &it, &err), 0);
	assert_string_equal(it.id, tag);
	assert_string_equal(it.name, "kasm");
	assert_string_equal(it.category_id, cat);
	vs_tag_item_clear(&it);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("category-get.json"), 200, "application/json");
	assert_int_equal(vs_tag_item_parse(VS_REST_API, &r, "x", &it, &err), 0);
	assert_string_equal(it.name, "vtrunk");
	assert_string_equal(it.id, "urn:vmomi:InventoryServiceCategory:2f9c4a7e-1b3d-4c8e-9a61-0d5e7f2b8c41:GLOBAL");
	vs_tag_item_clear(&it);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("tag-get.json"), 200, "application/json");
	assert_int_equal(vs_tag_item_parse(VS_REST_API, &r, "x", &it, &err), 0);
	assert_string_equal(it.name, "kasm");
	assert_string_equal(it.category_id,
			    "urn:vmomi:InventoryServiceCategory:2f9c4a7e-1b3d-4c8e-9a61-0d5e7f2b8c41:GLOBAL");
	vs_tag_item_clear(&it);
	vs_http_resp_clear(&r);

	/* A null category_id is absent; unknown members are passed over. */
	fixture_resp_text(&r, "{\"id\":\"t\",\"name\":\"n\",\"category_id\":null,\"extra\":[1,{}]}", 200, "");
	assert_int_equal(vs_tag_item_parse(VS_REST_API, &r, "x", &it, &err), 0);
	assert_null(it.category_id);
	vs_tag_item_clear(&it);
	vs_http_resp_clear(&r);

	{
		static const struct {
			const char *body, *in_msg;
		} bad[] = {
			{"{\"name\":\"n\"}", "no \"id\""},
			{"{\"id\":\"t\"}", "no \"name\""},
			{"{\"id\":7,\"name\":\"n\"}", "\"id\" in the answer is not a string"},
			{"{\"id\":\"t\",\"name\":[\"n\"]}", "\"name\" in the answer is not a string"},
			{"{\"id\":\"t\",\"name\":\"n\",\"category_id\":{}}", "\"category_id\""},
			{"{\"id\":\"\",\"name\":\"n\"}", "is empty"},
			{"[{\"id\":\"t\",\"name\":\"n\"}]", "not an object"},
			{"null", "not an object"},
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			vm_err_clear(&err);
			fixture_resp_text(&r, bad[i].body, 200, "");
			if (vs_tag_item_parse(VS_REST_API, &r, "GET /x", &it, &err) != -1)
				fail_msg("item accepted from %s", bad[i].body);
			assert_null(it.id);
			assert_null(it.name);
			assert_int_equal(err.kind, VM_ERR_PARSE);
			assert_contains(err.msg, bad[i].in_msg);
			vs_http_resp_clear(&r);
		}
	}
	/* A name of 5000 bytes. */
	{
		char *big = malloc(5100);
		assert_non_null(big);
		strcpy(big, "{\"id\":\"t\",\"name\":\"");
		memset(big + strlen(big), 'n', 5000);
		strcpy(big + 18 + 5000, "\"}");
		fixture_resp_text(&r, big, 200, "");
		assert_int_equal(vs_tag_item_parse(VS_REST_API, &r, "x", &it, &err), -1);
		assert_contains(err.msg, "longer than");
		vs_http_resp_clear(&r);
		free(big);
	}
	free(cat);
	free(tag);
}

/* --- attached objects --- */

static int has(const struct vs_moref *o, size_t n, const char *type, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].type, type) == 0 && strcmp(o[i].value, value) == 0)
			return 1;
	return 0;
}

static void test_objects(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	struct vs_moref *o;
	size_t n;

	(void)state;
	fixture_resp(&r, VCSIM("list-attached-objects.json"), 200, "text/plain");
	assert_int_equal(vs_tag_objects_parse(VS_REST_REST, &r, "x", &o, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_true(has(o, n, "VirtualMachine", "vm-60"));
	assert_true(has(o, n, "VirtualMachine", "vm-63"));
	assert_true(has(o, n, "DistributedVirtualPortgroup", "dvportgroup-13"));
	free(o);
	vs_http_resp_clear(&r);

	/* vcsim ignored detach-tag-from-multiple-objects (vm-60 still there) ... */
	fixture_resp(&r, VCSIM("list-attached-objects-after-detach-multiple.json"), 200, "text/plain");
	assert_int_equal(vs_tag_objects_parse(VS_REST_REST, &r, "x", &o, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_true(has(o, n, "VirtualMachine", "vm-60"));
	free(o);
	vs_http_resp_clear(&r);
	/* ... and honoured the per-object detach. */
	fixture_resp(&r, VCSIM("list-attached-objects-after-detach.json"), 200, "text/plain");
	assert_int_equal(vs_tag_objects_parse(VS_REST_REST, &r, "x", &o, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_false(has(o, n, "VirtualMachine", "vm-60"));
	free(o);
	vs_http_resp_clear(&r);

	fixture_resp(&r, VCSIM("list-attached-objects-empty.json"), 200, "text/plain");
	assert_int_equal(vs_tag_objects_parse(VS_REST_REST, &r, "x", &o, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(o);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("list-attached-objects.json"), 200, "application/json");
	assert_int_equal(vs_tag_objects_parse(VS_REST_API, &r, "x", &o, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(o[2].type, "DistributedVirtualPortgroup");
	assert_string_equal(o[2].value, "dvportgroup-2034");
	free(o);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("list-attached-objects-empty.json"), 200, "application/json");
	assert_int_equal(vs_tag_objects_parse(VS_REST_API, &r, "x", &o, &n, &err), 0);
	assert_int_equal(n, 0);
	free(o);
	vs_http_resp_clear(&r);

	{
		char longid[200];
		static const char *const bad[] = {
			"[{\"id\":\"vm-1\"}]", "[{\"type\":\"VirtualMachine\"}]", "[{\"id\":1,\"type\":\"VirtualMachine\"}]",
			"[{\"id\":\"vm-1\",\"type\":\"\"}]", "[\"vm-1\"]", "{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"}",
			"[{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},null]", NULL,
		};
		/* An id that does not fit struct vs_moref's value (95 bytes) is refused, not cut. */
		memset(longid, 0, sizeof(longid));
		strcpy(longid, "[{\"type\":\"VirtualMachine\",\"id\":\"");
		memset(longid + strlen(longid), '9', 96);
		strcat(longid, "\"}]");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *body = bad[i] ? bad[i] : longid;
			vm_err_clear(&err);
			fixture_resp_text(&r, body, 200, "");
			if (vs_tag_objects_parse(VS_REST_API, &r, "x", &o, &n, &err) != -1)
				fail_msg("objects accepted from %s", body);
			assert_null(o);
			assert_int_equal(n, 0);
			assert_int_equal(err.kind, VM_ERR_PARSE);
			vs_http_resp_clear(&r);
		}
	}
}

/* list-attached-tags-on-objects: what a lookup asks first. */
static void test_object_tags(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	struct vs_tag_object_tags *ot;
	size_t n;
	char *tag = value_of(VCSIM("tag-create.json"));
	cJSON *body;
	char *text;
	const struct vs_moref two[] = {{"VirtualMachine", "vm-60"}, {"DistributedVirtualPortgroup", "dvportgroup-13"}};

	(void)state;
	fixture_resp(&r, VCSIM("list-attached-tags-on-objects.json"), 200, "text/plain");
	assert_int_equal(vs_tag_object_tags_parse(VS_REST_REST, &r, "x", &ot, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_true(vs_tag_object_eq(&ot[0].obj, &two[0]));
	assert_int_equal(ot[0].n_tags, 1);
	assert_string_equal(ot[0].tag_ids[0], tag); /* the tag attached to it */
	assert_string_equal(ot[1].obj.value, "vm-61");
	assert_int_equal(ot[1].n_tags, 0); /* vcsim's null */
	assert_null(ot[1].tag_ids);
	assert_true(vs_tag_object_eq(&ot[2].obj, &two[1]));
	assert_string_equal(ot[2].tag_ids[0], tag);
	vs_tag_object_tags_free(ot, n);
	vs_http_resp_clear(&r);
	free(tag);

	fixture_resp(&r, VCSIM("list-attached-tags-on-objects-empty.json"), 200, "text/plain");
	assert_int_equal(vs_tag_object_tags_parse(VS_REST_REST, &r, "x", &ot, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(ot);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("list-attached-tags-on-objects.json"), 200, "application/json");
	assert_int_equal(vs_tag_object_tags_parse(VS_REST_API, &r, "x", &ot, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ot[0].n_tags, 2);
	assert_string_equal(ot[0].tag_ids[1], "urn:vmomi:InventoryServiceTag:c2a94e17-8b3f-4d5e-a6c0-1f7e9b3d5a28:GLOBAL");
	assert_int_equal(ot[1].n_tags, 0);
	assert_string_equal(ot[2].obj.type, "DistributedVirtualPortgroup");
	vs_tag_object_tags_free(ot, n);
	vs_http_resp_clear(&r);

	/* The body asked with: {"object_ids": [{"id": …, "type": …}, …]}. */
	body = vs_tag_objects_json(two, 2);
	text = cJSON_PrintUnformatted(body);
	assert_string_equal(text, "{\"object_ids\":[{\"id\":\"vm-60\",\"type\":\"VirtualMachine\"},"
				  "{\"id\":\"dvportgroup-13\",\"type\":\"DistributedVirtualPortgroup\"}]}");
	free(text);
	cJSON_Delete(body);

	{
		char *longid = calloc(1, 1200);
		static const char *const bad[] = {
			"{\"object_id\":{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},\"tag_ids\":[]}",
			"[\"vm-1\"]", "[{\"tag_ids\":[]}]", "[{\"object_id\":\"vm-1\",\"tag_ids\":[]}]",
			"[{\"object_id\":{\"id\":\"vm-1\"},\"tag_ids\":[]}]",
			"[{\"object_id\":{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},\"tag_ids\":\"t-1\"}]",
			/* a good id, then a bad one: the first is freed (ASan) */
			"[{\"object_id\":{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},\"tag_ids\":[\"t-1\",2]}]",
			"[{\"object_id\":{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},\"tag_ids\":[\"t-1\"]},"
			"{\"object_id\":{\"id\":\"vm-2\",\"type\":\"VirtualMachine\"},\"tag_ids\":[\"t-2\",\"\"]}]",
			"[{\"object_id\":{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},\"tag_ids\":[null]}]", NULL,
		};
		assert_non_null(longid);
		/* An id over VS_TAG_ID_MAX bytes is refused, not cut. */
		strcpy(longid, "[{\"object_id\":{\"id\":\"vm-1\",\"type\":\"VirtualMachine\"},\"tag_ids\":[\"");
		memset(longid + strlen(longid), 't', VS_TAG_ID_MAX + 1);
		strcat(longid, "\"]}]");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *b = bad[i] ? bad[i] : longid;
			vm_err_clear(&err);
			fixture_resp_text(&r, b, 200, "");
			if (vs_tag_object_tags_parse(VS_REST_API, &r, "x", &ot, &n, &err) != -1)
				fail_msg("object tags accepted from %s", b);
			assert_null(ot);
			assert_int_equal(n, 0);
			assert_int_equal(err.kind, VM_ERR_PARSE);
			vs_http_resp_clear(&r);
		}
		free(longid);
	}
}

/* --- create answers and batch results --- */

static void test_created_id(void **state)
{
	static const struct {
		enum vs_rest_flavor f;
		const char *file;
		const char *prefix;
	} good[] = {
		{VS_REST_REST, VCSIM("category-create.json"), "urn:vmomi:InventoryServiceCategory:"},
		{VS_REST_REST, VCSIM("tag-create.json"), "urn:vmomi:InventoryServiceTag:"},
		{VS_REST_API, API("category-create.json"), "urn:vmomi:InventoryServiceCategory:"},
		{VS_REST_API, API("tag-create.json"), "urn:vmomi:InventoryServiceTag:"},
	};
	static const char *const bad[] = {"{\"value\":7}", "{\"value\":\"\"}", "{\"value\":[\"a\"]}", "{}", "[]", ""};
	struct vs_http_resp r;
	struct vm_err err = {0};
	char *id;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fixture_resp(&r, good[i].file, 201, "");
		assert_int_equal(vs_tag_id_parse(good[i].f, &r, "x", &id, &err), 0);
		assert_true(strncmp(id, good[i].prefix, strlen(good[i].prefix)) == 0);
		free(id);
		vs_http_resp_clear(&r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vm_err_clear(&err);
		fixture_resp_text(&r, bad[i], 200, "");
		if (vs_tag_id_parse(VS_REST_REST, &r, "POST /x", &id, &err) != -1)
			fail_msg("id accepted from \"%s\"", bad[i]);
		assert_null(id);
		assert_int_equal(err.kind, VM_ERR_PARSE);
		vs_http_resp_clear(&r);
	}
}

static void test_batch(void **state)
{
	struct vs_http_resp r;
	struct vm_err err = {0};

	(void)state;
	/* vcsim: an empty 200 for attach and for the detach it does not do. */
	fixture_resp(&r, VCSIM("attach-tag-to-multiple-objects.json"), 200, "");
	assert_int_equal(vs_tag_batch_parse(VS_REST_REST, &r, "x", &err), 0);
	vs_http_resp_clear(&r);
	fixture_resp(&r, VCSIM("detach-tag-from-multiple-objects.json"), 200, "");
	assert_int_equal(vs_tag_batch_parse(VS_REST_REST, &r, "x", &err), 0);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("batch-ok.json"), 200, "application/json");
	assert_int_equal(vs_tag_batch_parse(VS_REST_API, &r, "x", &err), 0);
	vs_http_resp_clear(&r);

	fixture_resp(&r, API("batch-failed.json"), 200, "application/json");
	assert_int_equal(vs_tag_batch_parse(VS_REST_API, &r, "POST /a", &err), -1);
	assert_int_equal(err.kind, VM_ERR_FAULT);
	assert_string_equal(err.fault, "cis.tagging.objectNotFound.error");
	assert_contains(err.msg, "POST /a: vCenter did not do it for every object: Object vm-4242");
	assert_contains(err.msg, "; Tag kasm cannot be attached to objects of this type.");
	assert_int_equal(err.msg[strlen(err.msg) - 2], 'e'); /* one full stop, not two */
	vs_http_resp_clear(&r);

	/* /rest wraps it; a failure without messages still fails. */
	vm_err_clear(&err);
	fixture_resp_text(&r, "{\"value\":{\"success\":false,\"error_messages\":[]}}", 200, "");
	assert_int_equal(vs_tag_batch_parse(VS_REST_REST, &r, "x", &err), -1);
	assert_string_equal(err.fault, "batch_failed");
	assert_contains(err.msg, "gave no reason");
	vs_http_resp_clear(&r);
	fixture_resp_text(&r, "{\"value\":{\"success\":true}}", 200, "");
	assert_int_equal(vs_tag_batch_parse(VS_REST_REST, &r, "x", &err), 0);
	vs_http_resp_clear(&r);

	{
		static const char *const bad[] = {"{\"success\":\"yes\"}", "{\"error_messages\":[]}", "[true]", "true"};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			vm_err_clear(&err);
			fixture_resp_text(&r, bad[i], 200, "");
			assert_int_equal(vs_tag_batch_parse(VS_REST_API, &r, "x", &err), -1);
			assert_int_equal(err.kind, VM_ERR_PARSE);
			vs_http_resp_clear(&r);
		}
	}
	/* Wrong types inside the messages are passed over. */
	vm_err_clear(&err);
	fixture_resp_text(&r, "{\"success\":false,\"error_messages\":[7,{\"id\":3,\"default_message\":[]},"
			      "{\"default_message\":\"Real.\"}]}", 200, "");
	assert_int_equal(vs_tag_batch_parse(VS_REST_API, &r, "x", &err), -1);
	assert_string_equal(err.fault, "batch_failed");
	assert_contains(err.msg, ": Real.");
	vs_http_resp_clear(&r);
}

/* --- state --- */

static void test_state(void **state)
{
	struct vs_tag_state st;
	struct vs_moref vm = {"VirtualMachine", "vm-60"}, pg = {"DistributedVirtualPortgroup", "vm-60"};

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(vs_tag_attached_get(&st, &vm), 0);
	assert_int_equal(vs_tag_attached_get(NULL, &vm), 0);
	vs_tag_state_clear(&st);
	vs_tag_state_clear(NULL);

	st.category = strdup("vtrunk");
	st.tag = strdup("kasm");
	st.category_id = strdup("c");
	st.tag_id = strdup("t");
	st.attached = calloc(1, sizeof(*st.attached));
	assert_non_null(st.attached);
	st.attached[0] = vm;
	st.n_attached = 1;
	st.fetched = 1;
	assert_int_equal(vs_tag_attached_get(&st, &vm), 1);
	/* Same value, other type: another object. */
	assert_int_equal(vs_tag_attached_get(&st, &pg), 0);
	vs_tag_state_clear(&st);
	assert_null(st.tag_id);
	assert_null(st.attached);
	assert_int_equal(st.n_attached, 0);
	assert_int_equal(st.fetched, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_body_print),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_answer_check),
		cmocka_unit_test(test_value_parse),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_object_tags),
		cmocka_unit_test(test_created_id),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_state),
	};

	return cmocka_run_group_tests_name("tag", tests, NULL, NULL);
}
