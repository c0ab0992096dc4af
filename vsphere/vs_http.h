/* vs_http.h — the HTTP transport to vCenter (libcurl + OpenSSL).
 *
 * One struct vs_http per vCenter: it owns a curl easy handle (kept alive between
 * calls), the cookie jar (vmware_soap_session), TLS settings and the debug trace.
 * Options passed in are copied; struct vs_http_resp owns its body.
 */
#ifndef VS_HTTP_H
#define VS_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "vm_err.h"
#include "vs_http_url.h"

/* Time without progress: an answer that comes slower than VS_HTTP_LOW_SPEED_BYTES a second
 * for VS_HTTP_LOW_SPEED_S seconds is given up on ("stopped sending"), whatever the total
 * timeout. No request vtrunk makes is silent on purpose for longer than VS_HTTP_POLL_MAX_S
 * (a task wait's long poll) plus the time to answer it. */
#define VS_HTTP_LOW_SPEED_BYTES 100
#define VS_HTTP_LOW_SPEED_S 45
#define VS_HTTP_POLL_MAX_S 15

struct vs_http_opts {
	const char *url;         /* borrowed: anything vs_http_url_normalize() accepts */
	const char *ca_file;     /* borrowed; NULL: the system store; read at creation */
	int ca_file_list;        /* ca_file is a ':'-separated list of files (GOVC_TLS_CA_CERTS) */
	const char *ca_source;   /* borrowed; what named ca_file, for messages; NULL: "--ca-file" */
	const char *thumbprint;  /* borrowed; SHA-256 or SHA-1 hex, colons optional; NULL: none */
	int insecure;            /* skip verification entirely */
	long connect_timeout;    /* seconds; 0: 15 */
	long timeout;            /* seconds for one whole request; 0: 300 */
	size_t max_body;         /* bytes an answer may have; 0: 16 MiB */
	FILE *debug;             /* borrowed; NULL: no trace */
	/* borrowed; set by a signal handler: 1 = send nothing new, 2 = also abandon
	 * transfers in flight (except logout). NULL: never. */
	const volatile sig_atomic_t *stop;
};

struct vs_http_resp {
	long status;   /* HTTP status */
	char *body;    /* owned, NUL-terminated */
	size_t len;
	size_t cap;    /* internal: allocated size of body */
	int streamed;  /* the body went to a sink (vs_http_post_stream_call), not to .body */
	char content_type[128];
};

struct vs_http;


struct vs_http *vs_http_new(const struct vs_http_opts *opts, struct vm_err *err);
void vs_http_free(struct vs_http **h);

/* Registers a secret (password, session id) to be masked wherever it would
 * appear in the debug trace. The string is copied and wiped on free. */
void vs_http_add_secret(struct vs_http *h, const char *secret);

/* POST body to base+path with the given SOAPAction (NULL: none) and content type.
 * Any HTTP status is a success here (the SOAP layer reads faults from 500s);
 * transport and TLS failures set err (kind net/tls) and return -1. */
int vs_http_post_call(struct vs_http *h, const char *path, const char *soap_action,
		      const char *body, size_t len, struct vs_http_resp *resp, struct vm_err *err);
/* Where a successful answer (HTTP 200, an XML content type) goes as it arrives,
 * instead of into resp->body: a large answer is then never held whole. write returns
 * 0 to go on, -1 to stop reading (the sink keeps its own reason). Other answers
 * (errors, HTML pages) are buffered in resp->body as usual. */
struct vs_http_sink {
	int (*write)(const char *p, size_t n, void *arg);
	void *arg;
	/* Bytes a streamed answer may have; 0: max_body. The sink holds one object at a
	 * time, so its bound follows what was asked for, not the memory of a whole answer. */
	size_t max;
};
int vs_http_post_stream_call(struct vs_http *h, const char *path, const char *soap_action,
			     const char *body, size_t len, const struct vs_http_sink *sink,
			     struct vs_http_resp *resp, struct vm_err *err);
int vs_http_get_call(struct vs_http *h, const char *path, struct vs_http_resp *resp,
		     struct vm_err *err);
/* Any request (the REST client's): method "GET", "POST", "DELETE", "PATCH" or "PUT";
 * headers a NULL-terminated list of "Name: value" (borrowed; NULL: none), sent as given
 * (so a body's Content-Type is the caller's to set); body NULL: none (a POST then sends an
 * empty one). The same path as the calls above: TLS pinning, timeouts, the trace (with
 * secrets masked; headers are never traced), the stop flag, the request counter. Any
 * HTTP status is a success here, as for vs_http_post_call. */
int vs_http_request_call(struct vs_http *h, const char *method, const char *path,
			 const char *const *headers, const char *body, size_t len,
			 struct vs_http_resp *resp, struct vm_err *err);
void vs_http_resp_clear(struct vs_http_resp *resp);

/* One request of a batch: body, method, path and headers borrowed; resp owned by the
 * caller afterwards. Zero-initialise: vs_http_post_batch_call ignores method, path and
 * headers (all its requests POST SOAP to one path); vs_http_request_batch_call needs
 * method and path. */
struct vs_http_req {
	const char *method;          /* "GET", "POST", …; NULL: POST */
	const char *path;            /* NULL: the batch's path */
	const char *const *headers;  /* as for vs_http_request_call; NULL: none */
	const char *body;
	size_t len;
	struct vs_http_resp resp;
	struct vm_err err;
	int rc;               /* 0, or -1 with err set */
	int sent;             /* the request left (so vCenter may have acted on it) */
	int stalled;          /* it left, then its answer did not come whole in time */
};

/* POSTs every request, at most `parallel` in flight at once (libcurl multi), and
 * returns when all have an answer or failed. Each request's outcome is in its own
 * struct; returns -1 when any failed. done, when not NULL, is called as each request
 * ends (index, request) and may consume and clear its answer: memory then holds only
 * the answers in flight, not all N. */
int vs_http_post_batch_call(struct vs_http *h, const char *path, const char *soap_action,
			    struct vs_http_req *reqs, size_t n, int parallel,
			    void (*done)(size_t i, struct vs_http_req *req, void *arg), void *arg);

/* vs_http_post_batch_call for general requests: each names its method, path and
 * headers (see vs_http_request_call). */
int vs_http_request_batch_call(struct vs_http *h, struct vs_http_req *reqs, size_t n, int parallel,
			       void (*done)(size_t i, struct vs_http_req *req, void *arg), void *arg);

/* 1 when the last single call's request left this machine (it may have taken effect
 * even though no answer came back); 0 when it never did (connection refused). */
int vs_http_last_sent_get(const struct vs_http *h);
/* 1 when the last single call was sent and its answer then stopped coming, came too slowly
 * (see VS_HTTP_LOW_SPEED_*) or not whole within the timeout. */
int vs_http_last_stalled_get(const struct vs_http *h);
/* The timeout for one whole request (seconds), as given at creation or the default. */
long vs_http_timeout_get(const struct vs_http *h);
/* A shorter timeout for the requests from now on (seconds; 0: back to the one given at
 * creation, which is never exceeded): for a long poll, whose answer is due at a known time. */
void vs_http_call_timeout_set(struct vs_http *h, long seconds);
/* Forgets the session cookie (before a new login: the old session is dead). */
void vs_http_cookies_clear(struct vs_http *h);
/* While on, requests go out so that libcurl cannot re-send them on its own (for
 * calls that start tasks): a dropped connection fails the call instead. */
void vs_http_once_set(struct vs_http *h, int on);
/* While on, the trace shows 2xx answers' status and size but not their text (a login
 * answer is the session token itself, which cannot be masked before it is known). */
void vs_http_hide_answer_set(struct vs_http *h, int on);
/* Whether transfers may be abandoned on a second signal (off for logout). */
void vs_http_abortable_set(struct vs_http *h, int on);
/* Sleeps before try number tries+1 of a failed request: 0.25 s, 0.5 s, 1 s, … (a
 * restarting service or a busy balancer gets time); not at all once the stop flag is up. */
void vs_http_backoff(const struct vs_http *h, int tries);
/* The stop flag given at creation (0 when none). */
int vs_http_stop_get(const struct vs_http *h);

/* The leaf certificate fingerprints seen in the last TLS handshake, as
 * "aa:bb:..." lowercase hex; "" when none was seen. */
const char *vs_http_peer_sha256_get(const struct vs_http *h);
const char *vs_http_peer_sha1_get(const struct vs_http *h);
/* The leaf certificate of the last TLS handshake, as read (the subject and issuer in
 * RFC 2253 form, as govc's about.cert shows them; the dates UTC, ISO 8601); "" when
 * none was seen. expired: its notAfter is past (a pinned one is still accepted). */
struct vs_http_cert {
	char subject[512];
	char issuer[512];
	char not_before[32];
	char not_after[32];
	int expired;
};
const struct vs_http_cert *vs_http_peer_cert_get(const struct vs_http *h);
/* Whether a thumbprint is pinned (it then decides alone, --insecure or not). */
int vs_http_pinned_get(const struct vs_http *h);

/* Requests made so far (for reports and benchmarks). */
unsigned long vs_http_requests_get(const struct vs_http *h);
const char *vs_http_base_get(const struct vs_http *h);

/* Parses a fingerprint (hex with optional colons) into raw bytes; returns the
 * length (20 or 32) or -1. */
int vs_http_fingerprint_parse(const char *text, unsigned char out[32]);

#endif
