#include "vs_session.h"

#include <stdlib.h>
#include <string.h>

static int version_ok(const char *v)
{
	int major = 0, minor = 0;

	if (sscanf(v, "%d.%d", &major, &minor) < 1)
		return 0;
	return (major == 6 && minor >= 5) || major == 7 || major == 8;
}

/* Compares dotted versions numerically ("8.0.1.0" > "8.0.0.1" > "7.0.3.0"). */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if (!*a && !*b)
			break;
		if ((*a && *a != '.' && (*a < '0' || *a > '9')) || (*b && *b != '.' && (*b < '0' || *b > '9')))
			break;
	}
	return 0;
}

int vs_session_version_pick(const char *xml, size_t len, char *out, size_t size, struct vm_err *err)
{
	xmlDoc *doc = vs_xml_read(xml, len, "vimServiceVersions.xml", err);
	xmlNode *root, *ns, *v;
	char best[32] = "", cur[32], own[32] = "";
	int rc = -1;

	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	for (ns = vs_xml_child(root, "namespace"); ns; ns = vs_xml_next(ns, "namespace")) {
		char name[32];
		if (vs_xml_text_copy(vs_xml_child(ns, "name"), name, sizeof(name)) < 0 ||
		    strcmp(name, "urn:vim25") != 0)
			continue;
		if (vs_xml_text_copy(vs_xml_child(ns, "version"), own, sizeof(own)) == 0 && version_ok(own))
			snprintf(best, sizeof(best), "%s", own);
		if (!*best) {
			for (v = vs_xml_child(vs_xml_child(ns, "priorVersions"), "version"); v;
			     v = vs_xml_next(v, "version"))
				if (vs_xml_text_copy(v, cur, sizeof(cur)) == 0 && version_ok(cur) &&
				    (!*best || version_cmp(cur, best) > 0))
					snprintf(best, sizeof(best), "%s", cur);
		}
		break;
	}
	if (*best) {
		snprintf(out, size, "%s", best);
		rc = 0;
	} else if (*own) {
		vm_err_set(err, VM_ERR_USAGE, "the server speaks vSphere API %s; vtrunk needs 6.5 to 8.x", own);
	} else {
		vm_err_set(err, VM_ERR_PARSE, "vimServiceVersions.xml names no urn:vim25 version");
	}
	xmlFreeDoc(doc);
	return rc;
}

#define M_TASK 1u    /* never re-sent once it may have arrived */
#define M_NOAUTH 2u  /* login/logout: no new login on NotAuthenticated */

static unsigned method_flags(const char *method)
{
	/* A task would run twice. A wait changes nothing, but the updates it consumed may
	 * have gone into the lost answer: sent again it waits for what already happened
	 * (vs_task_wait_call reads the tasks' states directly instead). */
	static const char *const tasks[] = {"ReconfigVM_Task", "AddDVPortgroup_Task", "ReconfigureDVPortgroup_Task",
					    "Destroy_Task", "CreateDVPortgroup_Task", "WaitForUpdatesEx", NULL};
	for (const char *const *t = tasks; *t; t++)
		if (strcmp(*t, method) == 0)
			return M_TASK;
	if (strcmp(method, "Login") == 0 || strcmp(method, "Logout") == 0)
		return M_NOAUTH;
	return 0;
}

int vs_err_uncertain(const struct vm_err *err)
{
	return err && (err->kind == VM_ERR_NET || err->kind == VM_ERR_HTTP || err->kind == VM_ERR_PARSE ||
		       strcmp(err->fault, VS_FAULT_TASK_RUNNING) == 0);
}

int vs_err_conflict(const struct vm_err *err)
{
	return err && (err->kind == VM_ERR_TASK || err->kind == VM_ERR_FAULT) &&
	       strcmp(err->fault, "ConcurrentAccess") == 0;
}

int vs_err_retry_worth(enum vm_err_kind kind, long status, int sent, int safe)
{
	/* Only a request that never left is surely not delivered: a front proxy answers 503
	 * also when its upstream connection dropped after the request went through. */
	if (kind == VM_ERR_NET && !sent)
		return 1;
	return safe && (kind == VM_ERR_NET || status == 502 || status == 503 || status == 504);
}

int vs_err_retry_tries(int retries, int stalled)
{
	return stalled && retries + 1 > VS_STALL_TRIES ? VS_STALL_TRIES : retries + 1;
}

static int not_authenticated(const struct vm_err *err)
{
	return err && err->kind == VM_ERR_FAULT && strcmp(err->fault, "NotAuthenticated") == 0;
}

/* What to do with a failed call: 'L' log in again and retry, 'R' retry, 0 give up. */
static int failure_action(const struct vs_session *s, const char *method, const struct vm_err *err, int sent,
			  int stalled, int tries, int relogged)
{
	unsigned f = method_flags(method);

	if (vs_http_stop_get(s->http))
		return 0;
	if (not_authenticated(err))
		return !(f & M_NOAUTH) && s->logged_in && !relogged ? 'L' : 0;
	if (tries + 1 >= vs_err_retry_tries(s->retries, stalled))
		return 0;
	return vs_err_retry_worth(err->kind, err->kind == VM_ERR_HTTP ? err->http_status : 0, sent, !(f & M_TASK))
		       ? 'R'
		       : 0;
}

/* Transport errors do not know which call they broke: say it, once. */
static void method_prefix(const char *method, struct vm_err *err)
{
	size_t l = strlen(method);

	if (err->kind != VM_ERR_FAULT && !(strncmp(err->msg, method, l) == 0 && err->msg[l] == ':'))
		vm_err_prefix(err, "%s", method);
}

static int relogin(struct vs_session *s, const char *method, struct vm_err *err)
{
	struct vm_err lerr;
	char *user = vm_xstrdup(s->user), *pw = vm_xstrdup(s->password);
	int rc;

	vm_err_clear(&lerr);
	s->logged_in = 0;
	/* A fresh session: the server may refuse a login over a cookie it still knows. */
	vs_http_cookies_clear(s->http);
	rc = vs_session_login_call(s, user, pw, &lerr);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	free(user);
	if (rc < 0) {
		if (err)
			*err = lerr;
		return vm_err_prefix(err, "%s: the session expired and a new login failed", method);
	}
	s->relogins++;
	return 0;
}

int vs_session_call(struct vs_session *s, const char *method, const struct vm_buf *body,
		    xmlDoc **doc, xmlNode **ret, struct vm_err *err)
{
	struct vm_err local;
	int tries = 0, relogged = 0;

	if (!err) {
		vm_err_clear(&local);
		err = &local;
	}
	for (;;) {
		struct vs_http_resp resp;
		int rc, act;

		s->calls++;
		vs_http_once_set(s->http, (method_flags(method) & M_TASK) != 0);
		rc = vs_http_post_call(s->http, "/sdk", s->soap_action, body->data, body->len, &resp, err);
		vs_http_once_set(s->http, 0);
		if (rc == 0)
			rc = vs_soap_parse(&resp, method, doc, ret, err);
		vs_http_resp_clear(&resp);
		if (rc == 0)
			return 0;
		act = failure_action(s, method, err, vs_http_last_sent_get(s->http), vs_http_last_stalled_get(s->http),
				     tries, relogged);
		if (!act)
			method_prefix(method, err);
		if (act == 'L') {
			if (relogin(s, method, err) < 0)
				return -1;
			relogged = 1;
			/* A wait names filters of the dead session: its caller makes new ones
			 * (it sees s->epoch change) rather than wait on nothing. */
			if (strcmp(method, "WaitForUpdatesEx") == 0)
				return -1;
			continue;
		}
		if (act == 'R') {
			vs_http_backoff(s->http, tries++);
			continue;
		}
		if (not_authenticated(err) && relogged) {
			vm_err_set(err, VM_ERR_AUTH, "%s: vCenter refused the session again right after a new login", method);
			snprintf(err->fault, sizeof(err->fault), "NotAuthenticated");
		}
		return -1;
	}
}

int vs_session_call_stream(struct vs_session *s, const char *method, const struct vm_buf *body,
			   const struct vs_stream *st, struct vm_err *err)
{
	struct vm_err local;
	int tries = 0;

	if (!err) {
		vm_err_clear(&local);
		err = &local;
	}
	for (;;) {
		struct vs_http_resp resp;
		struct vs_http_sink sink = {st->write, st->arg, st->max};
		int rc, act;

		s->calls++;
		st->begin(st->arg);
		rc = vs_http_post_stream_call(s->http, "/sdk", s->soap_action, body->data, body->len, &sink, &resp, err);
		if (rc == 0 && resp.streamed) {
			rc = st->finish(st->arg, resp.status, err);
		} else {
			st->abort(st->arg);
			if (rc == 0)
				rc = st->whole(st->arg, &resp, err);
		}
		vs_http_resp_clear(&resp);
		if (rc == 0)
			return 0;
		act = failure_action(s, method, err, vs_http_last_sent_get(s->http), vs_http_last_stalled_get(s->http),
				     tries, 0);
		if (!act)
			method_prefix(method, err);
		if (act == 'L') {
			if (relogin(s, method, err) < 0)
				return -1;
			vm_err_set(err, VM_ERR_FAULT, "%s: the session expired; logged in again", method);
			snprintf(err->fault, sizeof(err->fault), "NotAuthenticated");
			return -1;
		}
		if (act != 'R')
			return -1;
		vs_http_backoff(s->http, tries++);
	}
}

struct batch {
	struct vs_session *s;
	struct vs_call *calls;
	const char *method;
	int (*answer)(size_t i, const xmlNode *ret, void *arg, struct vm_err *err);
	void *arg;
	int failed;
	size_t *again;     /* indexes of calls to send once more */
	size_t n_again;
	int relogin;       /* some call was refused for an expired session */
	int relogged;      /* a new login was made in this batch */
};

/* A round sends a subset of the calls: idx maps its requests to them. */
struct round {
	struct batch *bt;
	const size_t *idx;
};

static void batch_done(struct batch *bt, size_t i, struct vs_http_req *req);

static void batch_round_done(size_t k, struct vs_http_req *req, void *arg)
{
	struct round *r = arg;
	batch_done(r->bt, r->idx[k], req);
}

static void batch_done(struct batch *bt, size_t i, struct vs_http_req *req)
{
	struct vs_call *c = &bt->calls[i];
	xmlDoc *doc = NULL;
	xmlNode *ret = NULL;

	vm_err_clear(&c->err);
	if (req->rc < 0) {
		c->err = req->err;
		c->rc = -1;
	} else {
		c->rc = vs_soap_parse(&req->resp, bt->method, &doc, &ret, &c->err);
		if (c->rc == 0 && bt->answer && bt->answer(i, ret, bt->arg, &c->err) != 0)
			c->rc = -1;
		xmlFreeDoc(doc);
	}
	vs_http_resp_clear(&req->resp);
	if (c->rc < 0) {
		int act = failure_action(bt->s, bt->method, &c->err, req->sent, req->stalled, c->tries, bt->relogged);
		if (act) {
			/* Keep the body: it goes out again after this round. */
			bt->relogin |= act == 'L';
			c->tries++;
			bt->again[bt->n_again++] = i;
			return;
		}
		if (not_authenticated(&c->err) && bt->relogged) {
			vm_err_set(&c->err, VM_ERR_AUTH, "%s: vCenter refused the session again right after a new login",
				   bt->method);
			snprintf(c->err.fault, sizeof(c->err.fault), "NotAuthenticated");
		}
	}
	bt->failed += c->rc < 0;
	req->body = NULL;
	vm_buf_reset(&c->body);
}

int vs_session_call_batch(struct vs_session *s, const char *method, struct vs_call *calls, size_t n,
			  int parallel,
			  int (*answer)(size_t i, const xmlNode *ret, void *arg, struct vm_err *err),
			  void *arg)
{
	struct vs_http_req *reqs = vm_xcalloc(n ? n : 1, sizeof(*reqs));
	size_t *idx = vm_xcalloc(n ? n : 1, sizeof(*idx));
	struct batch bt = {s, calls, method, answer, arg, 0, vm_xcalloc(n ? n : 1, sizeof(size_t)), 0, 0, 0};
	size_t m = n;

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	/* Rounds: all calls, then those refused for an expired session (after one new
	 * login) or never sent; bounded by s->retries. */
	while (m > 0) {
		struct batch *b = &bt;
		for (size_t k = 0; k < m; k++) {
			memset(&reqs[k], 0, sizeof(reqs[k]));
			reqs[k].body = calls[idx[k]].body.data;
			reqs[k].len = calls[idx[k]].body.len;
		}
		s->calls += m;
		b->n_again = 0;
		b->relogin = 0;
		vs_http_once_set(s->http, (method_flags(method) & M_TASK) != 0);
		vs_http_post_batch_call(s->http, "/sdk", s->soap_action, reqs, m, parallel, batch_round_done,
					&(struct round){b, idx});
		vs_http_once_set(s->http, 0);
		if (!b->n_again)
			break;
		if (b->relogin) {
			struct vm_err lerr;
			vm_err_clear(&lerr);
			if (relogin(s, method, &lerr) < 0) {
				for (size_t k = 0; k < b->n_again; k++) {
					struct vs_call *c = &calls[b->again[k]];
					c->err = lerr;
					c->rc = -1;
					vm_buf_reset(&c->body);
					b->failed++;
				}
				break;
			}
			b->relogged = 1;
		} else {
			vs_http_backoff(s->http, 0);
		}
		memcpy(idx, b->again, b->n_again * sizeof(*idx));
		m = b->n_again;
	}
	free(bt.again);
	free(idx);
	free(reqs);
	return bt.failed ? -1 : 0;
}

static int negotiate(struct vs_session *s, struct vm_err *err)
{
	struct vs_http_resp resp;
	int rc = 0;

	if (vs_http_get_call(s->http, "/sdk/vimServiceVersions.xml", &resp, err) < 0)
		return -1;
	if (resp.status == 200) {
		rc = vs_session_version_pick(resp.body, resp.len, s->api_version, sizeof(s->api_version), err);
	} else if (resp.status == 404) {
		/* Old or stripped-down endpoints have no versions file; 6.5 is the floor. */
		snprintf(s->api_version, sizeof(s->api_version), "6.5");
	} else {
		rc = vm_err_set(err, VM_ERR_HTTP, "%s/sdk/vimServiceVersions.xml answered HTTP %ld; is this a vCenter?",
				vs_http_base_get(s->http), resp.status);
		if (err)
			err->http_status = resp.status;
	}
	vs_http_resp_clear(&resp);
	snprintf(s->soap_action, sizeof(s->soap_action), "urn:vim25/%s", s->api_version);
	return rc;
}

static int moref_at(xmlNode *sc, const char *name, struct vs_moref *ref, struct vm_err *err)
{
	if (vs_xml_moref_get(vs_xml_child(sc, name), ref) < 0)
		return vm_err_set(err, VM_ERR_PARSE, "RetrieveServiceContent: the answer has no %s", name);
	return 0;
}

static int service_content(struct vs_session *s, struct vm_err *err)
{
	static const struct vs_moref si = {"ServiceInstance", "ServiceInstance"};
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret, *sc, *about;
	int rc = -1;

	vs_soap_begin(&b, "RetrieveServiceContent", &si);
	vs_soap_end(&b, "RetrieveServiceContent");
	if (vs_session_call(s, "RetrieveServiceContent", &b, &doc, &ret, err) < 0)
		goto cleanup;
	sc = vs_xml_child(ret, "returnval");
	if (moref_at(sc, "rootFolder", &s->root_folder, err) < 0 ||
	    moref_at(sc, "propertyCollector", &s->property_collector, err) < 0 ||
	    moref_at(sc, "sessionManager", &s->session_manager, err) < 0)
		goto cleanup;
	if (vs_xml_moref_get(vs_xml_child(sc, "viewManager"), &s->view_manager) < 0) {
		vm_err_set(err, VM_ERR_USAGE, "this server has no ViewManager; vtrunk needs vCenter or ESXi 6.5 or later");
		goto cleanup;
	}
	about = vs_xml_child(sc, "about");
	vs_xml_text_copy(vs_xml_child(about, "fullName"), s->full_name, sizeof(s->full_name));
	vs_xml_text_copy(vs_xml_child(about, "apiType"), s->api_type, sizeof(s->api_type));
	vs_xml_text_copy(vs_xml_child(about, "apiVersion"), s->server_version, sizeof(s->server_version));
	rc = 0;
cleanup:
	xmlFreeDoc(doc);
	vm_buf_reset(&b);
	return rc;
}

struct vs_session *vs_session_open_call(const struct vs_http_opts *opts, struct vm_err *err)
{
	struct vs_session *s = vm_xcalloc(1, sizeof(*s));

	s->retries = 3;

	s->http = vs_http_new(opts, err);
	if (!s->http || negotiate(s, err) < 0 || service_content(s, err) < 0) {
		vs_session_free(&s);
		return NULL;
	}
	return s;
}

int vs_session_login_call(struct vs_session *s, const char *user, const char *password,
			  struct vm_err *err)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret;
	char *key = NULL;
	int rc = -1;

	vs_http_add_secret(s->http, password);
	s->view_what = 0; /* a new session has none of the old one's views */
	vs_soap_begin(&b, "Login", &s->session_manager);
	vs_soap_elem(&b, "userName", user);
	vs_soap_elem(&b, "password", password);
	vs_soap_end(&b, "Login");
	rc = vs_session_call(s, "Login", &b, &doc, &ret, err);
	explicit_bzero(b.data, b.len);
	vm_buf_reset(&b);
	if (rc < 0) {
		if (err && (strcmp(err->fault, "InvalidLogin") == 0 || strcmp(err->fault, "NoPermission") == 0 ||
			    strcmp(err->fault, "NotAuthenticated") == 0)) {
			err->kind = VM_ERR_AUTH;
			vm_err_set(err, VM_ERR_AUTH, "login as \"%s\" refused by %s (%s): check the user name and password",
				   user, vs_http_base_get(s->http), err->fault);
		}
		return -1;
	}
	key = vs_xml_text_dup(vs_xml_path(ret, "returnval/key"));
	vs_http_add_secret(s->http, key);
	free(key);
	xmlFreeDoc(doc);
	s->logged_in = 1;
	s->epoch++;
	free(s->user);
	s->user = vm_xstrdup(user);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	s->password = vm_xstrdup(password);
	return 0;
}

void vs_session_logout_call(struct vs_session *s)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret;

	if (!s || !s->logged_in)
		return;
	s->logged_in = 0;
	/* Even after a second signal, the logout goes out. */
	vs_http_abortable_set(s->http, 0);
	vs_soap_begin(&b, "Logout", &s->session_manager);
	vs_soap_end(&b, "Logout");
	if (vs_session_call(s, "Logout", &b, &doc, &ret, NULL) == 0)
		xmlFreeDoc(doc);
	vm_buf_reset(&b);
}

void vs_session_free(struct vs_session **sp)
{
	struct vs_session *s;

	if (!sp || !*sp)
		return;
	s = *sp;
	vs_session_logout_call(s);
	vs_http_free(&s->http);
	free(s->user);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s);
	*sp = NULL;
}
