/* vs_rest_answer.c — reading the answers of the REST API (vs_rest.h): a vAPI error (its
 * type and messages, server text cleaned) or a bare HTTP failure made into a vm_err, the
 * value of either flavor unwrapped, and the session token checked before it goes into a
 * header. Pure functions over an answer: nothing is sent. */
#include "vs_rest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

#define TOKEN_MAX 4096

/* --- reading answers --- */

/* Copies server text into a message: printable ASCII and UTF-8 kept, control characters
 * (a hostile server's line breaks or escapes) replaced, cut at max bytes. */
static void clean_add(struct vm_buf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && n < max; p++, n++) {
		char c = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
		vm_buf_add(b, &c, 1);
	}
	if (s && strlen(s) > max)
		vm_buf_adds(b, "…");
}

/* "com.vmware.vapi.std.errors.already_exists" or "ALREADY_EXISTS" -> "already_exists". */
static void fault_name_copy(const char *type, char *out, size_t size)
{
	const char *dot = strrchr(type, '.');
	size_t o = 0;

	if (dot && dot[1])
		type = dot + 1;
	for (const char *p = type; *p && o + 1 < size; p++)
		if (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
			out[o++] = (char)tolower((unsigned char)*p);
	out[o] = '\0';
}

static const char *json_string(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The default_message texts of a messages array, joined. */
static void messages_add(struct vm_buf *b, const cJSON *messages)
{
	const cJSON *m;
	int k = 0;

	if (!cJSON_IsArray(messages))
		return;
	cJSON_ArrayForEach(m, messages) {
		const char *t = json_string(m, "default_message");
		if (!t || !*t)
			continue;
		if (k++ >= 3) {
			vm_buf_adds(b, " …");
			break;
		}
		vm_buf_adds(b, k > 1 ? " " : ": ");
		clean_add(b, t, 200);
	}
}

/* Reads a vAPI error body of either flavor into fault (its short name) and the joined
 * messages; 0 when it is one. */
static int vapi_error_read(const struct vs_http_resp *resp, char *fault, size_t size, struct vm_buf *msg)
{
	cJSON *root;
	const char *type;
	int rc = -1;

	if (!resp->body || !resp->len || strlen(resp->body) != resp->len)
		return -1;
	root = cJSON_ParseWithLength(resp->body, resp->len);
	if (!cJSON_IsObject(root))
		goto cleanup;
	if ((type = json_string(root, "error_type")) != NULL) {
		/* /api: {"error_type": "ALREADY_EXISTS", "messages": [{"default_message": …}]} */
		fault_name_copy(type, fault, size);
		messages_add(msg, cJSON_GetObjectItemCaseSensitive(root, "messages"));
		rc = *fault ? 0 : -1;
	} else if ((type = json_string(root, "type")) != NULL && strstr(type, "errors.")) {
		/* /rest: {"type": "com.vmware.vapi.std.errors.already_exists", "value": {"messages": …}} */
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "value");
		fault_name_copy(type, fault, size);
		messages_add(msg, cJSON_GetObjectItemCaseSensitive(value, "messages"));
		rc = *fault ? 0 : -1;
	}
cleanup:
	cJSON_Delete(root);
	return rc;
}

/* A short look at a plain-text error answer ("404 page not found"), for the message. */
static void snippet_add(struct vm_buf *b, const struct vs_http_resp *resp)
{
	size_t n = 0;

	if (!resp->body || !resp->len || strchr("{[<", resp->body[0]))
		return;
	for (const unsigned char *p = (const unsigned char *)resp->body; *p && n < 80; p++, n++)
		if (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t')
			return; /* not text */
	vm_buf_adds(b, ": \"");
	{
		char *t = vm_xstrndup(resp->body, n);
		size_t l = strlen(t);
		while (l > 0 && isspace((unsigned char)t[l - 1]))
			t[--l] = '\0';
		clean_add(b, t, 80);
		free(t);
	}
	vm_buf_adds(b, "\"");
}

int vs_rest_answer_check(const struct vs_http_resp *resp, const char *what, struct vm_err *err)
{
	char fault[64] = "";
	struct vm_buf detail = {0};
	int vapi;
	long st = resp->status;

	if (st >= 200 && st < 300)
		return 0;
	vapi = vapi_error_read(resp, fault, sizeof(fault), &detail) == 0;
	if (!vapi)
		snippet_add(&detail, resp);
	if (st == 401) {
		vm_err_set(err, VM_ERR_AUTH, "%s: vCenter refused the REST session (HTTP 401%s%s)%s", what,
			   vapi ? ", " : "", vapi ? fault : "", detail.data ? detail.data : "");
		if (!vapi)
			snprintf(fault, sizeof(fault), "unauthenticated");
	} else if (st == 403) {
		vm_err_set(err, VM_ERR_FAULT,
			   "%s: the vCenter user lacks a privilege this needs (HTTP 403%s%s)%s; tagging needs the "
			   "vSphere Tagging privileges and read access to the objects", what, vapi ? ", " : "",
			   vapi ? fault : "", detail.data ? detail.data : "");
		if (!vapi)
			snprintf(fault, sizeof(fault), "unauthorized");
	} else if (st == 404) {
		vm_err_set(err, VM_ERR_NOTFOUND, "%s: vCenter has no such object or endpoint (HTTP 404%s%s)%s", what,
			   vapi ? ", " : "", vapi ? fault : "", detail.data ? detail.data : "");
		if (!vapi)
			snprintf(fault, sizeof(fault), "not_found");
	} else if (vapi) {
		vm_err_set(err, VM_ERR_FAULT, "%s: vCenter answered %s (HTTP %ld)%s", what, fault, st,
			   detail.data ? detail.data : "");
	} else {
		vm_err_set(err, VM_ERR_HTTP, "%s: vCenter answered HTTP %ld%s", what, st,
			   detail.data ? detail.data : "");
	}
	if (err) {
		size_t l = strlen(err->msg);
		if (l > 0 && l + 1 < sizeof(err->msg) && err->msg[l - 1] != '.')
			strcat(err->msg, ".");
		err->http_status = st;
		vm_str_copy(err->fault, sizeof(err->fault), fault);
	}
	vm_buf_reset(&detail);
	return -1;
}

int vs_rest_value_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			cJSON **root, const cJSON **value, struct vm_err *err)
{
	const char *end = NULL;
	size_t i = 0;

	*root = NULL;
	*value = NULL;
	while (resp->body && i < resp->len && isspace((unsigned char)resp->body[i]))
		i++;
	if (!resp->body || i == resp->len)
		return 0; /* an empty answer: an action that returns nothing */
	if (strlen(resp->body) != resp->len)
		return vm_err_set(err, VM_ERR_PARSE, "%s: the answer holds a NUL byte; it is not JSON", what);
	/* len + 1 takes in the terminating NUL, so cJSON can tell trailing garbage apart. */
	*root = cJSON_ParseWithLengthOpts(resp->body, resp->len + 1, &end, 1);
	if (!*root) {
		size_t at = end && end >= resp->body ? (size_t)(end - resp->body) : 0;
		struct vm_buf b = {0};
		snippet_add(&b, resp);
		vm_err_set(err, VM_ERR_PARSE, "%s: the answer (HTTP %ld, %zu bytes) is not JSON (stopped at byte %zu)%s.",
			   what, resp->status, resp->len, at, b.data ? b.data : "");
		vm_buf_reset(&b);
		return -1;
	}
	if (f == VS_REST_API) {
		*value = *root;
	} else if (!cJSON_IsObject(*root)) {
		cJSON_Delete(*root);
		*root = NULL;
		return vm_err_set(err, VM_ERR_PARSE, "%s: the answer is not a {\"value\": …} object as /rest answers are",
				  what);
	} else {
		*value = cJSON_GetObjectItemCaseSensitive(*root, "value");
	}
	if (*value && cJSON_IsNull(*value))
		*value = NULL;
	return 0;
}

int vs_rest_token_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, char **token,
			struct vm_err *err)
{
	cJSON *root;
	const cJSON *v;
	const char *what = f == VS_REST_API ? "POST /api/session" : "POST /rest/com/vmware/cis/session";
	int rc = -1;

	*token = NULL;
	if (vs_rest_value_parse(f, resp, what, &root, &v, err) < 0)
		return -1;
	if (!cJSON_IsString(v) || !*v->valuestring) {
		vm_err_set(err, VM_ERR_PARSE, "%s: the answer holds no session token", what);
		goto cleanup;
	}
	if (strlen(v->valuestring) > TOKEN_MAX) {
		vm_err_set(err, VM_ERR_PARSE, "%s: the session token is longer than %d bytes", what, TOKEN_MAX);
		goto cleanup;
	}
	/* It goes into a header: a CR or LF in it would add headers of the server's choosing. */
	for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f) {
			vm_err_set(err, VM_ERR_PARSE, "%s: the session token holds characters a header cannot carry", what);
			goto cleanup;
		}
	*token = vm_xstrdup(v->valuestring);
	rc = 0;
cleanup:
	if (v && cJSON_IsString(v))
		explicit_bzero(v->valuestring, strlen(v->valuestring));
	cJSON_Delete(root);
	return rc;
}
