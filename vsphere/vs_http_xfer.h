/* vs_http_xfer.h — vs_http's inside, shared by its parts and by no other file: the state
 * of a struct vs_http and of one request in flight (struct xfer), and the steps every
 * request takes: vs_http.c sets a handle up and runs single calls, vs_http_xfer.c starts a
 * request and records its outcome, vs_http_batch.c runs many at once on a multi handle.
 *
 * Ownership: as marked on the fields; a struct xfer lives from vs_http_xfer_start to
 * vs_http_xfer_finish, which frees its URL (its headers are the caller's). */
#ifndef VS_HTTP_XFER_H
#define VS_HTTP_XFER_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <curl/curl.h>

#include "vm_err.h"
#include "vs_http.h"
#include "vs_http_trace.h"

#define FP_STRLEN (32 * 3)

struct vs_http {
	CURL *curl;                 /* owned; reused so the connection stays alive */
	CURLSH *share;              /* owned; cookies, TLS sessions, connections */
	char *base;                 /* owned; "https://host[:port]" */
	char **ca_files;            /* owned; CA bundles: the first through curl, the rest added */
	size_t n_ca;
	unsigned char pin[32];      /* the pinned fingerprint */
	int pin_len;                /* 0: not pinned; 20: SHA-1; 32: SHA-256 */
	int pin_mismatch;           /* the last handshake presented another certificate */
	int insecure;
	long connect_timeout, timeout;
	long call_timeout;          /* seconds for the next requests; 0: timeout */
	size_t max_body;
	FILE *debug;                /* borrowed */
	struct vs_trace_secrets secrets; /* owned; masked in the trace */
	char peer_sha256[FP_STRLEN];
	char peer_sha1[FP_STRLEN];
	struct vs_http_cert peer_cert;
	unsigned long requests;
	const volatile sig_atomic_t *stop; /* borrowed */
	int abortable;
	int last_sent;
	int last_stalled;           /* the last single call's answer stopped coming (or came too slowly) */
	int once;                   /* send requests so that libcurl cannot re-send them */
	int hide_answer;            /* the trace shows answers' size, not their text */
	CURLM *multi;               /* owned; created for the first batch */
	CURL **pool;                /* owned easy handles for batches */
	size_t n_pool;
};

/* One request in flight. */
struct xfer {
	struct vs_http *h;
	CURL *c;
	struct vs_http_resp *resp;
	struct curl_slist *hdrs;    /* owned */
	char *url;                  /* owned */
	const char *body;           /* borrowed */
	size_t len;
	int too_big;
	size_t limit;               /* the bound too_big passed */
	const struct vs_http_sink *sink; /* borrowed; NULL: buffer the answer */
	size_t got;                 /* bytes received */
	int sink_stopped;           /* the sink asked to stop */
	int sent;                   /* the request left this machine */
	int stalled;                /* sent, then no whole answer in time */
	size_t off;                 /* read_cb's position in body */
	double t0;
	char errbuf[CURL_ERROR_SIZE];
};

/* Options every request shares, set once per easy handle (vs_http.c). */
void vs_http_handle_setup(struct vs_http *h, CURL *c);
/* Prepares c for one request (x and resp are reset); the caller performs it. */
void vs_http_xfer_start(struct vs_http *h, struct xfer *x, CURL *c, const char *method, const char *path,
			struct curl_slist *hdrs, const char *body, size_t len, struct vs_http_resp *resp);
/* Records the outcome of a finished transfer: 0, or -1 with err set. */
int vs_http_xfer_finish(struct xfer *x, const char *method, CURLcode rc, struct vm_err *err);
/* The headers of a SOAP request (soap_action may be NULL) and of a general one (the
 * caller's, NULL-terminated, may be NULL); curl_slist_free_all() them. */
struct curl_slist *vs_http_soap_headers(const char *soap_action);
struct curl_slist *vs_http_request_headers(const char *const *headers);

#endif
