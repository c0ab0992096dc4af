#include "vs_rest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

struct vs_rest {
	struct vs_session *s;       /* borrowed */
	enum vs_rest_flavor flavor;
	char *token;                /* owned; wiped on free */
	char *auth;                 /* owned; "vmware-api-session-id: <token>", wiped */
	char *basic;                /* owned; "Authorization: Basic …", wiped */
	int parallel;
	int retries;
};

static void wipe_free(char *p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

enum vs_rest_flavor vs_rest_flavor_get(const struct vs_rest *r)
{
	return r->flavor;
}

const char *vs_rest_flavor_name(enum vs_rest_flavor f)
{
	return f == VS_REST_API ? "api" : "rest";
}

void vs_rest_parallel_set(struct vs_rest *r, int n)
{
	r->parallel = n > 0 ? n : 1;
}

/* --- paths and bodies --- */

static void path_id_add(struct vm_buf *b, const char *id)
{
	static const char hx[] = "0123456789ABCDEF";

	/* Ids come from the server ("urn:vmomi:InventoryServiceTag:…:GLOBAL"): anything that
	 * could end the path segment or start a query is encoded. */
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (isalnum(*p) || strchr("-._~:@!$*+,;=", *p)) {
			vm_buf_add(b, p, 1);
		} else {
			char e[3] = {'%', hx[*p >> 4], hx[*p & 15]};
			vm_buf_add(b, e, 3);
		}
	}
}

char *vs_rest_path(enum vs_rest_flavor f, const char *resource, const char *id, const char *action)
{
	struct vm_buf b = {0};

	vm_buf_adds(&b, f == VS_REST_API ? "/api/" : "/rest/com/vmware/");
	vm_buf_adds(&b, resource);
	if (id) {
		vm_buf_adds(&b, f == VS_REST_API ? "/" : "/id:");
		path_id_add(&b, id);
	}
	if (action) {
		vm_buf_adds(&b, f == VS_REST_API ? "?action=" : "?~action=");
		vm_buf_adds(&b, action);
	}
	return vm_buf_steal(&b);
}

char *vs_rest_body_print(enum vs_rest_flavor f, const cJSON *body, unsigned flags)
{
	char *text;

	if (!body)
		return NULL;
	if (f == VS_REST_REST && (flags & VS_REST_SPEC)) {
		/* The wrapper holds a reference to body, for the printing only. */
		cJSON *wrap = cJSON_CreateObject();
		if (!wrap || !cJSON_AddItemReferenceToObject(wrap, "create_spec", (cJSON *)body))
			abort();
		text = cJSON_PrintUnformatted(wrap);
		cJSON_Delete(wrap);
	} else {
		text = cJSON_PrintUnformatted(body);
	}
	if (!text)
		abort(); /* cJSON fails only for want of memory */
	return text;
}

/* --- sending --- */

/* Which failed transfers to send again: vs_session.c's rule for SOAP calls, with "safe"
 * as the caller says. */
static int transient(const struct vs_rest *r, const struct vm_err *err, long status, int sent, unsigned flags)
{
	if (vs_http_stop_get(r->s->http))
		return 0;
	return vs_err_retry_worth(status ? VM_ERR_HTTP : err->kind, status, sent, !!(flags & VS_REST_SAFE));
}

/* The headers of a request: JSON both ways, and the session (or, to log in, Basic auth). */
static void headers_fill(const struct vs_rest *r, const char *hdrs[5], int login, int body)
{
	size_t k = 0;

	hdrs[k++] = "Accept: application/json";
	if (body)
		hdrs[k++] = "Content-Type: application/json";
	if (login) {
		hdrs[k++] = r->basic;
		/* Asks for the token in the answer only, not in a Set-Cookie too. */
		hdrs[k++] = "vmware-use-header-authn: true";
	} else if (r->auth) {
		hdrs[k++] = r->auth;
	}
	hdrs[k] = NULL;
}

/* One request with its transient failures retried; any HTTP answer but (for safe calls)
 * 502/503/504 is returned as it is. */
static int send_retrying(struct vs_rest *r, const char *method, const char *path, const char *body,
			 unsigned flags, int login, struct vs_http_resp *resp, struct vm_err *err)
{
	const char *hdrs[5];
	struct vm_err local;
	int tries = 0;

	if (!err) {
		vm_err_clear(&local);
		err = &local;
	}
	headers_fill(r, hdrs, login, body != NULL || strcmp(method, "POST") == 0);
	for (;;) {
		int rc = vs_http_request_call(r->s->http, method, path, hdrs, body, body ? strlen(body) : 0, resp, err);
		long st = rc == 0 ? resp->status : 0;
		if (rc == 0 && st != 503 && !(st == 502 || st == 504))
			return 0;
		if (tries + 1 >= vs_err_retry_tries(r->retries, vs_http_last_stalled_get(r->s->http)) ||
		    !transient(r, err, st, vs_http_last_sent_get(r->s->http), flags))
			return rc; /* a 5xx answer goes to the caller as an answer */
		vs_http_resp_clear(resp);
		vs_http_backoff(r->s->http, tries++);
	}
}

static int login_flavor(struct vs_rest *r, enum vs_rest_flavor f, struct vm_err *err)
{
	const char *path = f == VS_REST_API ? "/api/session" : "/rest/com/vmware/cis/session";
	char what[64];
	struct vs_http_resp resp;
	char *token = NULL;
	int rc;

	snprintf(what, sizeof(what), "POST %s", path);
	vs_http_hide_answer_set(r->s->http, 1);
	rc = send_retrying(r, "POST", path, NULL, VS_REST_SAFE, 1, &resp, err);
	vs_http_hide_answer_set(r->s->http, 0);
	if (rc < 0)
		return vm_err_prefix(err, "%s", what);
	if (resp.status == 401) {
		vs_http_resp_clear(&resp);
		vm_err_set(err, VM_ERR_AUTH,
			   "%s: vCenter refused the REST login of \"%s\" (HTTP 401) although its SOAP login worked; "
			   "check that this user may use the vSphere Automation API (an SSO user such as "
			   "administrator@vsphere.local; an ESXi host has no tagging API)", what, r->s->user);
		if (err) {
			err->http_status = 401;
			vm_str_copy(err->fault, sizeof(err->fault), "unauthenticated");
		}
		return -1;
	}
	rc = vs_rest_answer_check(&resp, what, err);
	if (rc == 0)
		rc = vs_rest_token_parse(f, &resp, &token, err);
	if (resp.body)
		explicit_bzero(resp.body, resp.len);
	vs_http_resp_clear(&resp);
	if (rc < 0)
		return -1;
	vs_http_add_secret(r->s->http, token);
	wipe_free(r->token);
	wipe_free(r->auth);
	r->token = token;
	r->auth = vm_xasprintf("vmware-api-session-id: %s", token);
	r->flavor = f;
	return 0;
}

/* Whether the /api attempt says "no such endpoint" rather than "no". */
static int api_absent(const struct vm_err *err)
{
	return err->kind == VM_ERR_NOTFOUND || err->http_status == 405 ||
	       strcmp(err->fault, "operation_not_found") == 0;
}

int vs_rest_login_call(struct vs_session *s, struct vs_rest **out, struct vm_err *err)
{
	struct vs_rest *r = vm_xcalloc(1, sizeof(*r));
	struct vm_err first;
	unsigned char *raw = NULL, *b64 = NULL;
	size_t rawlen;
	int rc = -1;

	*out = NULL;
	vm_err_clear(&first);
	r->s = s;
	r->parallel = 8;
	r->retries = s->retries > 0 ? s->retries : 3;
	if (!s->user || !s->password) {
		vm_err_set(err, VM_ERR_USAGE, "REST login: the SOAP session is not logged in");
		goto cleanup;
	}
	raw = (unsigned char *)vm_xasprintf("%s:%s", s->user, s->password);
	rawlen = strlen((char *)raw);
	b64 = (unsigned char *)vm_base64_encode(raw, rawlen);
	/* Headers are not traced, but should that change, this one is masked. */
	vs_http_add_secret(s->http, (char *)b64);
	r->basic = vm_xasprintf("Authorization: Basic %s", (char *)b64);
	rc = login_flavor(r, VS_REST_API, &first);
	if (rc < 0 && api_absent(&first)) {
		rc = login_flavor(r, VS_REST_REST, err);
		if (rc < 0 && err && err->kind == VM_ERR_NOTFOUND)
			vm_err_set(err, VM_ERR_NOTFOUND,
				   "%s serves neither /api/session nor /rest/com/vmware/cis/session: it has no vSphere "
				   "Automation API (tags need a vCenter, not an ESXi host)", vs_http_base_get(s->http));
	} else if (rc < 0 && err) {
		*err = first;
	}
cleanup:
	if (raw)
		wipe_free((char *)raw);
	if (b64)
		wipe_free((char *)b64);
	if (rc < 0) {
		vs_rest_free(&r);
		return -1;
	}
	*out = r;
	return 0;
}

void vs_rest_free(struct vs_rest **rp)
{
	struct vs_rest *r;

	if (!rp || !*rp)
		return;
	r = *rp;
	if (r->token) {
		const char *path = r->flavor == VS_REST_API ? "/api/session" : "/rest/com/vmware/cis/session";
		struct vs_http_resp resp;
		/* Even after a second signal, the logout goes out (as the SOAP one does). */
		vs_http_abortable_set(r->s->http, 0);
		const char *hdrs[5];
		struct vm_err ignored;
		/* One try: a session that cannot be ended dies with its idle timeout anyway. */
		headers_fill(r, hdrs, 0, 0);
		if (vs_http_request_call(r->s->http, "DELETE", path, hdrs, NULL, 0, &resp, &ignored) == 0)
			vs_http_resp_clear(&resp);
		vs_http_abortable_set(r->s->http, 1);
	}
	wipe_free(r->token);
	wipe_free(r->auth);
	wipe_free(r->basic);
	free(r);
	*rp = NULL;
}

static int stopped(const struct vs_rest *r, const char *what, struct vm_err *err)
{
	if (!vs_http_stop_get(r->s->http))
		return 0;
	return vm_err_set(err, VM_ERR_NET, "%s: not sent: vtrunk was interrupted", what);
}

/* A refused session (expired, or vCenter restarted): one new login of the same flavor. */
static int relogin(struct vs_rest *r, const char *what, struct vm_err *err)
{
	struct vm_err lerr;

	vm_err_clear(&lerr);
	if (login_flavor(r, r->flavor, &lerr) < 0) {
		if (err)
			*err = lerr;
		return vm_err_prefix(err, "%s: the REST session expired and a new login failed", what);
	}
	return 0;
}

static void refused_again(const char *what, struct vm_err *err)
{
	vm_err_set(err, VM_ERR_AUTH, "%s: vCenter refused the REST session again right after a new login", what);
	if (err) {
		err->http_status = 401;
		vm_str_copy(err->fault, sizeof(err->fault), "unauthenticated");
	}
}

int vs_rest_call(struct vs_rest *r, const char *method, const char *path, const cJSON *body,
		 unsigned flags, struct vs_http_resp *resp, struct vm_err *err)
{
	char *text = vs_rest_body_print(r->flavor, body, flags);
	char *what = vm_xasprintf("%s %s", method, path);
	struct vm_err local;
	int relogged = 0, rc;

	if (!err) {
		vm_err_clear(&local);
		err = &local;
	}
	memset(resp, 0, sizeof(*resp));
	for (;;) {
		if ((rc = stopped(r, what, err)) < 0)
			break;
		rc = send_retrying(r, method, path, text, flags, 0, resp, err);
		if (rc < 0) {
			vm_err_prefix(err, "%s", what);
			break;
		}
		rc = vs_rest_answer_check(resp, what, err);
		if (rc == 0)
			break;
		vs_http_resp_clear(resp);
		if (err->kind == VM_ERR_AUTH) {
			if (relogged) {
				refused_again(what, err);
				break;
			}
			if ((rc = relogin(r, what, err)) < 0)
				break;
			relogged = 1;
			continue;
		}
		break;
	}
	free(text);
	free(what);
	return rc;
}

void vs_rest_req_clear(struct vs_rest_req *reqs, size_t n)
{
	for (size_t i = 0; reqs && i < n; i++)
		vs_http_resp_clear(&reqs[i].resp);
}

int vs_rest_batch_call(struct vs_rest *r, struct vs_rest_req *reqs, size_t n, unsigned flags,
		       struct vm_err *err)
{
	struct vs_http_req *h = vm_xcalloc(n ? n : 1, sizeof(*h));
	char **texts = vm_xcalloc(n ? n : 1, sizeof(*texts));
	size_t *todo = vm_xcalloc(n ? n : 1, sizeof(*todo)), m = n, failed = 0;
	const char *hdr_body[5], *hdr_none[5];
	int round = 0, relogged = 0;

	for (size_t i = 0; i < n; i++) {
		memset(&reqs[i].resp, 0, sizeof(reqs[i].resp));
		vm_err_clear(&reqs[i].err);
		reqs[i].rc = -1;
		texts[i] = vs_rest_body_print(r->flavor, reqs[i].body, flags);
		todo[i] = i;
	}
	while (m > 0) {
		size_t again = 0;
		int need_login = 0;
		/* Rebuilt each round: a new login changes the session header. */
		headers_fill(r, hdr_body, 0, 1);
		headers_fill(r, hdr_none, 0, 0);
		for (size_t k = 0; k < m; k++) {
			struct vs_rest_req *q = &reqs[todo[k]];
			memset(&h[k], 0, sizeof(h[k]));
			h[k].method = q->method;
			h[k].path = q->path;
			h[k].body = texts[todo[k]];
			h[k].len = texts[todo[k]] ? strlen(texts[todo[k]]) : 0;
			h[k].headers = texts[todo[k]] || strcmp(q->method, "POST") == 0 ? hdr_body : hdr_none;
		}
		vs_http_request_batch_call(r->s->http, h, m, r->parallel, NULL, NULL);
		for (size_t k = 0; k < m; k++) {
			size_t i = todo[k];
			struct vs_rest_req *q = &reqs[i];
			long st = h[k].rc == 0 ? h[k].resp.status : 0;
			char *what = vm_xasprintf("%s %s", q->method, q->path);
			q->err = h[k].err;
			q->resp = h[k].resp;
			memset(&h[k].resp, 0, sizeof(h[k].resp));
			if (h[k].rc < 0)
				vm_err_prefix(&q->err, "%s", what);
			else
				q->rc = vs_rest_answer_check(&q->resp, what, &q->err);
			if (h[k].rc == 0 && q->rc == 0) {
				free(what);
				continue;
			}
			vs_http_resp_clear(&q->resp);
			if (st == 401 && !relogged && !vs_http_stop_get(r->s->http)) {
				need_login = 1;
				todo[again++] = i;
			} else if (st == 401) {
				refused_again(what, &q->err);
			} else if (round + 1 < vs_err_retry_tries(r->retries, h[k].stalled) &&
				   transient(r, &q->err, st, h[k].sent, flags)) {
				todo[again++] = i;
			}
			q->rc = -1;
			free(what);
		}
		m = again;
		if (m == 0)
			break;
		if (need_login) {
			struct vm_err lerr;
			vm_err_clear(&lerr);
			relogged = 1;
			if (relogin(r, "REST batch", &lerr) < 0) {
				for (size_t k = 0; k < m; k++)
					reqs[todo[k]].err = lerr;
				break;
			}
		} else {
			vs_http_backoff(r->s->http, round);
		}
		round++;
	}
	for (size_t i = 0; i < n; i++) {
		free(texts[i]);
		if (reqs[i].rc < 0 && failed++ == 0 && err)
			*err = reqs[i].err;
	}
	free(texts);
	free(todo);
	free(h);
	return failed ? -1 : 0;
}
