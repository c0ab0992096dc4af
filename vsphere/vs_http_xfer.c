/* vs_http_xfer.c — one request of vs_http: its options on a handle, what its failure is
 * called (classify), its trace, and the headers SOAP and general requests send. */
#include "vs_http_xfer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm_alloc.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int classify(struct vs_http *h, const struct xfer *x, CURLcode rc, struct vm_err *err)
{
	const char *detail = *x->errbuf ? x->errbuf : curl_easy_strerror(rc);

	if (x->too_big)
		return vm_err_set(err, VM_ERR_PARSE,
				  "%s sent an answer larger than %zu MiB; stopped reading it",
				  h->base, x->limit >> 20);
	if (h->pin_mismatch)
		return vm_err_set(err, VM_ERR_TLS,
				  "the certificate of %s does not match the pinned thumbprint; it presents SHA-256 %s "
				  "(SHA-1 %s)", h->base, h->peer_sha256, h->peer_sha1);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ISSUER_ERROR:
		/* OpenSSL's words when the first bytes back are no TLS record: a plain-HTTP port
		 * answers a ClientHello with "HTTP/1.x 400". */
		if (!*h->peer_sha256 && strstr(detail, "wrong version number"))
			return vm_err_set(err, VM_ERR_TLS,
					  "%s answered without TLS, most likely in plain HTTP: vtrunk talks only "
					  "HTTPS (is this the port of vCenter's HTTPS, usually 443?)", h->base);
		if (*h->peer_sha256)
			return vm_err_set(err, VM_ERR_TLS,
					  "the certificate of %s could not be verified (%s); its SHA-256 fingerprint is %s",
					  h->base, detail, h->peer_sha256);
		return vm_err_set(err, VM_ERR_TLS, "TLS with %s failed: %s", h->base, detail);
	case CURLE_OPERATION_TIMEDOUT:
		if (x->sent && strncmp(detail, "Operation too slow", 18) == 0)
			return vm_err_set(err, VM_ERR_NET,
					  "vCenter (%s) stopped sending: less than %d bytes a second for %d s (%zu bytes of the answer came)",
					  h->base, VS_HTTP_LOW_SPEED_BYTES, VS_HTTP_LOW_SPEED_S, x->got);
		return vm_err_set(err, VM_ERR_NET, "%s did not answer in time: %s", h->base, detail);
	case CURLE_ABORTED_BY_CALLBACK:
		/* xferinfo_cb: a signal, not the network. */
		return vm_err_set(err, VM_ERR_NET, "the call to %s was abandoned: vtrunk was interrupted", h->base);
	case CURLE_PARTIAL_FILE:
		/* Connected and answered, but the answer broke off. */
		return vm_err_set(err, VM_ERR_PARSE, "the answer from %s was cut short: %s", h->base, detail);
	default:
		return vm_err_set(err, VM_ERR_NET, "cannot talk to %s: %s", h->base, detail);
	}
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nitems, left = x->len - x->off;

	if (n > left)
		n = left;
	memcpy(buf, x->body + x->off, n);
	x->off += n;
	return n;
}

void vs_http_xfer_start(struct vs_http *h, struct xfer *x, CURL *c, const char *method, const char *path,
			struct curl_slist *hdrs, const char *body, size_t len, struct vs_http_resp *resp)
{
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

	if (post && !body)
		body = ""; /* a POST without a body still says Content-Length: 0 */
	if (get)
		body = NULL;
	memset(resp, 0, sizeof(*resp));
	memset(x, 0, sizeof(*x));
	x->h = h;
	x->c = c;
	x->resp = resp;
	x->hdrs = hdrs;
	x->body = body;
	x->len = body ? len : 0;
	x->url = vm_xasprintf("%s%s", h->base, path);
	x->t0 = now_ms();
	h->pin_mismatch = 0;
	curl_easy_setopt(c, CURLOPT_TIMEOUT, h->call_timeout > 0 && h->call_timeout < h->timeout ? h->call_timeout
												     : h->timeout);
	curl_easy_setopt(c, CURLOPT_URL, x->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	if (body && h->once) {
		/* libcurl re-sends a request by itself when a kept-alive connection dies
		 * before the answer ("retrying a fresh connect"): for a call that starts a
		 * task that would be a blind second task. Fed through a read callback with
		 * no way to rewind, the request cannot be re-sent: the call fails instead,
		 * and the caller re-reads before acting again. */
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	/* The handles serve SOAP and REST alike: a DELETE or PATCH is a POST (with a body)
	 * or a GET (without) under another name, and the name is set, or cleared, each time. */
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, get || post ? NULL : method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	h->requests++;
}

/* Records the outcome of a finished transfer; traces it; frees its per-call parts. */
int vs_http_xfer_finish(struct xfer *x, const char *method, CURLcode rc, struct vm_err *err)
{
	struct vs_http *h = x->h;
	struct vs_http_resp *resp = x->resp;
	int ret = 0;

	if (h->debug) {
		char *head = vm_xasprintf("> %s %s", method, x->url);
		vs_trace_write(h->debug, &h->secrets, head, x->body, x->len);
		free(head);
	}
	if (rc == CURLE_WRITE_ERROR && x->sink_stopped)
		rc = CURLE_OK; /* the sink stopped reading on purpose and knows why */
	{
		curl_off_t up = 0;
		long reqsize = 0;
		curl_easy_getinfo(x->c, CURLINFO_SIZE_UPLOAD_T, &up);
		curl_easy_getinfo(x->c, CURLINFO_REQUEST_SIZE, &reqsize);
		x->sent = up > 0 || reqsize > 0 || rc == CURLE_OK;
		h->last_sent = x->sent;
		/* Sent, and then the answer did not come whole in time: a stall, retried once at
		 * most (vs_err_retry_tries), not as often as a refused connection. */
		x->stalled = x->sent && rc == CURLE_OPERATION_TIMEDOUT;
		h->last_stalled = x->stalled;
	}
	if (rc != CURLE_OK) {
		ret = classify(h, x, rc, err);
		if (h->debug)
			fprintf(h->debug, "< error: %s\n\n", err ? err->msg : curl_easy_strerror(rc));
		vs_http_resp_clear(resp);
	} else {
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &resp->status);
		if (!resp->body)
			resp->body = vm_xstrdup("");
		if (h->debug && h->hide_answer && resp->status >= 200 && resp->status < 300) {
			/* A login answer is the session token itself: its size is all the trace gets
			 * (a refusal carries none and is shown). */
			fprintf(h->debug, "< HTTP %ld, %zu bytes, %.0f ms\n(not shown: it carries a session token)\n\n",
				resp->status, resp->len, now_ms() - x->t0);
			fflush(h->debug);
		} else if (h->debug) {
			char *head = vm_xasprintf("< HTTP %ld, %zu bytes, %.0f ms", resp->status,
						  resp->len, now_ms() - x->t0);
			vs_trace_answer(h->debug, &h->secrets, head, resp->body, resp->len);
			free(head);
		}
	}
	/* These point at memory that dies with the call. */
	curl_easy_setopt(x->c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(x->c, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(x->c, CURLOPT_HEADERDATA, NULL);
	free(x->url);
	x->url = NULL;
	return ret;
}

struct curl_slist *vs_http_soap_headers(const char *soap_action)
{
	struct curl_slist *hdrs = NULL;

	hdrs = curl_slist_append(hdrs, "Content-Type: text/xml; charset=utf-8");
	/* libcurl would send "Expect: 100-continue" for large bodies and wait a round
	 * trip for vCenter's go-ahead; vCenter never needs it. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (soap_action) {
		char *sa = vm_xasprintf("SOAPAction: \"%s\"", soap_action);
		hdrs = curl_slist_append(hdrs, sa);
		free(sa);
	}
	return hdrs;
}

/* The headers of a general request: the caller's, and an empty Expect (see
 * vs_http_soap_headers). */
struct curl_slist *vs_http_request_headers(const char *const *headers)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");

	for (const char *const *p = headers; p && *p; p++)
		hdrs = curl_slist_append(hdrs, *p);
	return hdrs;
}
