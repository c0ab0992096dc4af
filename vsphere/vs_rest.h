/* vs_rest.h — the vSphere Automation REST client, used where REST is the only API (tags):
 * a REST session beside a logged-in SOAP session, and vs_rest_call(), the one choke point
 * every REST request goes through.
 *
 * Two flavors of the same API exist. vCenter 7.0U2 and later serve /api/…: answers are the
 * values themselves, create specs are sent as they are, ids sit in paths as "<id>" and
 * actions as "?action=". Older vCenters, and vcsim, serve only /rest/com/vmware/…: answers
 * are wrapped in {"value": …}, create specs in {"create_spec": …}, ids are "id:<id>" and
 * actions "?~action=". vs_rest_login_call() picks the flavor; the helpers below hide the
 * differences, and the parsers take the flavor.
 *
 * Ownership: struct vs_rest borrows its struct vs_session (which must outlive it: free the
 * REST session first) and owns its session token (wiped on free). Paths and printed bodies
 * returned are owned by the caller; answers (struct vs_http_resp) are owned by the caller
 * and released with vs_http_resp_clear(); parsed cJSON roots are owned by the caller
 * (cJSON_Delete) and values handed out with them are borrowed from them.
 */
#ifndef VS_REST_H
#define VS_REST_H

#include <cjson/cJSON.h>

#include "vm_err.h"
#include "vs_http.h"
#include "vs_session.h"

enum vs_rest_flavor {
	VS_REST_API = 1, /* /api/… (vCenter 7.0U2 and later) */
	VS_REST_REST,    /* /rest/com/vmware/… (older vCenters, vcsim) */
};

struct vs_rest;

/* Logs in to the REST API with HTTP Basic auth of s->user and s->password: POST
 * /api/session first; when that endpoint does not exist (HTTP 404 or 405, as vcsim and
 * vCenters before 7.0U2 answer), POST /rest/com/vmware/cis/session. The token then goes
 * in the vmware-api-session-id header of every request (not in a cookie: the SOAP side
 * clears cookies when it logs in again). Refused (HTTP 401): kind auth. 1 or 2 round trips. */
int vs_rest_login_call(struct vs_session *s, struct vs_rest **out, struct vm_err *err);
/* Logs out (DELETE of the session; errors ignored: the token dies with its idle timeout
 * anyway), wipes the token and frees. Accepts NULL; clears the pointer. 1 round trip. */
void vs_rest_free(struct vs_rest **r);

enum vs_rest_flavor vs_rest_flavor_get(const struct vs_rest *r);
/* "api" or "rest", for reports. */
const char *vs_rest_flavor_name(enum vs_rest_flavor f);
/* Requests vs_rest_batch_call() keeps in flight at once (default 8). */
void vs_rest_parallel_set(struct vs_rest *r, int n);

/* The path of a resource ("cis/tagging/category"), optionally of one object in it (id,
 * percent-encoded where needed) and an action: "/api/cis/tagging/category/<id>?action=a"
 * or "/rest/com/vmware/cis/tagging/category/id:<id>?~action=a". Owned by the caller. */
char *vs_rest_path(enum vs_rest_flavor f, const char *resource, const char *id, const char *action);

/* Flags of a call. */
#define VS_REST_SAFE 1u /* safe to send again (reads, list actions, attach, detach): also
                           retried after a timeout, a dropped connection, HTTP 502/504 */
#define VS_REST_SPEC 2u /* the body is a create spec: /rest wraps it in {"create_spec": …} */

/* The body text for body (borrowed; NULL: no body, NULL returned), wrapped as flags say. */
char *vs_rest_body_print(enum vs_rest_flavor f, const cJSON *body, unsigned flags);

/* Sends one JSON request and checks the answer: 0 with *resp holding a 2xx answer (the
 * caller reads it with a parser and clears it), or -1 with err set and *resp cleared:
 * 401 kind auth (after one new login, made here, was refused again), 403 fault
 * "unauthorized", 404 kind notfound, a vAPI error body kind fault with err->fault its short
 * name ("already_exists"), anything else kind http. Calls that never left, or were answered
 * 503, are sent again (with backoff, at most 3 tries more); VS_REST_SAFE calls also after
 * a timeout, a reset and HTTP 502/504. Nothing new is sent once the stop flag is up. */
int vs_rest_call(struct vs_rest *r, const char *method, const char *path, const cJSON *body,
		 unsigned flags, struct vs_http_resp *resp, struct vm_err *err);

/* One request of a batch: method, path and body borrowed; resp, err and rc filled. */
struct vs_rest_req {
	const char *method;
	const char *path;
	const cJSON *body;        /* NULL: none */
	struct vs_http_resp resp; /* a 2xx answer when rc is 0; owned by the caller */
	struct vm_err err;
	int rc;
};

/* vs_rest_call() for many requests sent concurrently (libcurl multi, at most the
 * parallel setting in flight) and awaited together: one round trip's time for all of them,
 * plus a round for those to send again. Every request gets its own outcome; returns -1
 * when any failed, with err (when not NULL) a copy of the first failure's. */
int vs_rest_batch_call(struct vs_rest *r, struct vs_rest_req *reqs, size_t n, unsigned flags,
		       struct vm_err *err);
void vs_rest_req_clear(struct vs_rest_req *reqs, size_t n);

/* --- readers of answers (no network) --- */

/* 0 for a 2xx answer; otherwise -1 with err decoded from the status and the vAPI error
 * body of either flavor ({"type": "com.vmware.vapi.std.errors.X", "value": {"messages":
 * […]}} or {"error_type": "X", "messages": […]}): see vs_rest_call(). what names the call
 * in the message ("POST /api/cis/tagging/category"). */
int vs_rest_answer_check(const struct vs_http_resp *resp, const char *what, struct vm_err *err);
/* Parses a 2xx answer: *root (owned by the caller; NULL for an empty answer) and *value,
 * borrowed from it: the root for /api, the "value" member for /rest; NULL when the answer
 * is empty or the value absent or null. Not JSON, or a /rest answer that is not an
 * object: kind parse. */
int vs_rest_value_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			cJSON **root, const cJSON **value, struct vm_err *err);
/* The session token of a login answer (a JSON string, wrapped for /rest): owned, or -1
 * (kind parse) when absent, empty, over 4096 bytes, or holding characters a header
 * cannot carry. */
int vs_rest_token_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, char **token,
			struct vm_err *err);

#endif
