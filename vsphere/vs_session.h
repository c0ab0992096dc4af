/* vs_session.h — one logged-in session with a vCenter: API version negotiation,
 * service content, login/logout, and vs_session_call(), the one choke point every
 * SOAP request goes through.
 *
 * Ownership: struct vs_session owns its transport and a copy of the credentials
 * (wiped on free). Documents handed out by vs_session_call() are owned by the caller.
 */
#ifndef VS_SESSION_H
#define VS_SESSION_H

#include "vs_http.h"
#include "vs_xml.h"

struct vs_session {
	struct vs_http *http;            /* owned */
	char api_version[32];            /* negotiated, e.g. "6.5" or "8.0.1.0" */
	char soap_action[48];            /* "urn:vim25/<api_version>" */
	char server_version[32];         /* what the server itself reports */
	char full_name[256];             /* about.fullName */
	char api_type[32];               /* "VirtualCenter" or "HostAgent" */
	struct vs_moref root_folder;
	struct vs_moref property_collector;
	struct vs_moref view_manager;
	struct vs_moref session_manager;
	int logged_in;
	char *user;                      /* owned */
	char *password;                  /* owned; wiped on free */
	unsigned long calls;             /* SOAP calls made */
	int epoch;                       /* bumped at every login: views and filters of an
	                                    older epoch died with their session */
	int retries;                     /* transient failures retried per call; default 3 */
	unsigned long relogins;
	struct vs_moref view;            /* the inventory ContainerView, kept for re-reads */
	unsigned view_what;              /* what it covers (VS_INV_* bits); 0: none yet */
};

/* Opens the transport, negotiates the API version (vimServiceVersions.xml) and
 * reads the service content. No credentials are sent. */
struct vs_session *vs_session_open_call(const struct vs_http_opts *opts, struct vm_err *err);
int vs_session_login_call(struct vs_session *s, const char *user, const char *password,
			  struct vm_err *err);
/* Logs out when logged in; errors are ignored (the session dies with its cookie). */
void vs_session_logout_call(struct vs_session *s);
/* Logs out (when logged in) and frees. */
void vs_session_free(struct vs_session **s);

/* Sends the envelope in body (written with vs_soap_begin/end) and parses the
 * answer for `method`: *doc owned by the caller, *ret its <methodResponse>.
 *
 * Failures that are safe to retry are retried here, with backoff and a bound:
 * - a NotAuthenticated fault (the session expired): one new login, then the refused
 *   call again; refused once more, it fails with kind auth (exit 3);
 * - a call that never left (connection refused): again;
 * - for calls that change nothing (reads, views, filters, waits): also a timeout, a
 *   reset or dropped connection, HTTP 502/503/504.
 * A call that creates a task and may have reached vCenter without an answer is not
 * sent again: it fails, and vs_err_uncertain() says so; its caller re-reads. */
int vs_session_call(struct vs_session *s, const char *method, const struct vm_buf *body,
		    xmlDoc **doc, xmlNode **ret, struct vm_err *err);

/* A call whose answer is read as it arrives (vs_session_call_stream). */
struct vs_stream {
	void (*begin)(void *arg);  /* before each attempt: start afresh */
	int (*write)(const char *p, size_t n, void *arg); /* a piece of an HTTP 200 XML answer */
	int (*finish)(void *arg, long status, struct vm_err *err); /* that answer ended */
	void (*abort)(void *arg);  /* the attempt failed: release, set no error */
	/* any other answer (a fault, an error page), buffered whole */
	int (*whole)(void *arg, const struct vs_http_resp *resp, struct vm_err *err);
	void *arg;
	size_t max; /* bytes a streamed answer may have (vs_http_sink.max); 0: the transport's */
};

/* vs_session_call() for an answer that is streamed into st. The same retries apply;
 * after a new login it fails (err NotAuthenticated, s->epoch changed): the calls that
 * stream (property retrieval) name objects of the old session, so their caller starts
 * over. */
int vs_session_call_stream(struct vs_session *s, const char *method, const struct vm_buf *body,
			   const struct vs_stream *st, struct vm_err *err);

/* Whether a failed request is worth sending again (with vs_http_backoff between tries):
 * one that never left (kind net, not sent) always; one that is safe to repeat (safe: it
 * changes nothing, or repeating it changes nothing more) also after a timeout, a reset or
 * dropped connection (kind net), HTTP 502, 503 or 504 (a 503 may come after the request
 * was forwarded). status: the HTTP status of an answer, 0 when none came. Shared by the
 * SOAP and the REST client. */
int vs_err_retry_worth(enum vm_err_kind kind, long status, int sent, int safe);
/* How many times in all a failed call may be sent, with `retries` retries allowed: a stall
 * (sent, then no whole answer in time: vs_http_last_stalled_get) gets VS_STALL_TRIES, since a
 * server that stopped sending once mostly does again, and each try costs a whole timeout. */
#define VS_STALL_TRIES 2
int vs_err_retry_tries(int retries, int stalled);

/* The fault name vtrunk gives a task whose end it did not see (waiting failed or was
 * stopped): vSphere's own name for "the task is still running". */
#define VS_FAULT_TASK_RUNNING "TaskInProgress"

/* 1 when err says vCenter may have acted on the request although no clear answer came
 * (no answer, a cut or unreadable one, a gateway error, a task whose end was not seen):
 * re-read before acting again. */
int vs_err_uncertain(const struct vm_err *err);
/* 1 when err is a ConcurrentAccess fault: the object changed since it was read (its
 * changeVersion or configVersion); re-read and decide again. */
int vs_err_conflict(const struct vm_err *err);

/* One call of a batch: the caller writes body; the session fills err and rc. */
struct vs_call {
	struct vm_buf body;   /* freed once sent and answered */
	struct vm_err err;
	int rc;
	int tries;            /* internal */
};

/* Sends every call's envelope for `method`, at most `parallel` at once. Each answer
 * is parsed as it arrives and handed to `answer` (index, <methodResponse>, arg, err);
 * a failed call or a non-zero answer() leaves rc -1 and err set. Calls refused for an
 * expired session (after one new login) or never sent are sent again, as
 * vs_session_call() would; the rest is left to the caller. Returns -1 when any
 * call failed. */
int vs_session_call_batch(struct vs_session *s, const char *method, struct vs_call *calls, size_t n,
			  int parallel,
			  int (*answer)(size_t i, const xmlNode *ret, void *arg, struct vm_err *err),
			  void *arg);

/* Picks the API version to speak from a vimServiceVersions.xml body: the server's
 * own when it is 6.5 to 8.x, otherwise the newest prior version in that span.
 * Returns -1 (err set) when the server offers nothing from 6.5 on. */
int vs_session_version_pick(const char *xml, size_t len, char *out, size_t size, struct vm_err *err);

#endif
