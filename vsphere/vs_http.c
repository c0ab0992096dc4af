#include "vs_http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "vm_alloc.h"
#include "vs_http_tls.h"
#include "vs_http_trace.h"
#include "vs_xml.h"

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

static int ssl_idx = -1;

static void hex_colons(const unsigned char *md, unsigned n, char out[FP_STRLEN])
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;

	for (unsigned i = 0; i < n && o + 3 <= FP_STRLEN; i++) {
		out[o++] = hx[md[i] >> 4];
		out[o++] = hx[md[i] & 15];
		out[o++] = ':';
	}
	out[o ? o - 1 : 0] = '\0';
}

int vs_http_fingerprint_parse(const char *text, unsigned char out[32])
{
	int n = 0, half = -1;

	for (const char *p = text; *p; p++) {
		int v;
		if (*p == ':' || *p == ' ')
			continue;
		if (!isxdigit((unsigned char)*p))
			return -1;
		v = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
		if (half < 0) {
			half = v;
		} else {
			if (n >= 32)
				return -1;
			out[n++] = (unsigned char)(half << 4 | v);
			half = -1;
		}
	}
	if (half >= 0 || (n != 20 && n != 32))
		return -1;
	return n;
}

/* Records the leaf certificate's fingerprints (so a refusal can print them) and,
 * when a fingerprint is pinned, makes the pin the only thing that decides: a
 * self-signed vCenter certificate is then accepted exactly when it is that one. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	SSL_CTX *ctx = ssl ? SSL_get_SSL_CTX(ssl) : NULL;
	struct vs_http *h = ctx ? SSL_CTX_get_ex_data(ctx, ssl_idx) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(x);
	unsigned char md256[32], md1[20];
	unsigned n256 = 0, n1 = 0;

	if (!h || !leaf)
		return preverify_ok;
	if (X509_digest(leaf, EVP_sha256(), md256, &n256) != 1 ||
	    X509_digest(leaf, EVP_sha1(), md1, &n1) != 1)
		return 0;
	hex_colons(md256, n256, h->peer_sha256);
	hex_colons(md1, n1, h->peer_sha1);
	vs_http_tls_cert_read(leaf, &h->peer_cert);
	if (!h->pin_len)
		return preverify_ok;
	if ((h->pin_len == 32 && memcmp(h->pin, md256, 32) == 0) ||
	    (h->pin_len == 20 && memcmp(h->pin, md1, 20) == 0)) {
		/* curl reads SSL_get_verify_result() afterwards: clear the chain error too. */
		X509_STORE_CTX_set_error(x, X509_V_OK);
		h->pin_mismatch = 0;
		return 1;
	}
	h->pin_mismatch = 1;
	return 0;
}

static CURLcode ssl_ctx_cb(CURL *curl, void *sslctx, void *userp)
{
	SSL_CTX *ctx = sslctx;

	(void)curl;
	struct vs_http *h = userp;

	SSL_CTX_set_ex_data(ctx, ssl_idx, userp);
	/* curl takes one CA file; the others of a list are added to the same store. */
	for (size_t i = 1; i < h->n_ca && !h->pin_len && !h->insecure; i++)
		if (X509_STORE_load_file(SSL_CTX_get_cert_store(ctx), h->ca_files[i]) != 1)
			return CURLE_SSL_CACERT_BADFILE;
	/* Pinned: the fingerprint alone decides, so verify_cb runs on every handshake. */
	SSL_CTX_set_verify(ctx, h->pin_len ? SSL_VERIFY_PEER : SSL_CTX_get_verify_mode(ctx), verify_cb);
	return CURLE_OK;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	struct vs_http_resp *r = x->resp;
	size_t n = size * nmemb;
	struct vm_buf b = {r->body, r->len, r->cap};

	size_t limit;

	if (x->sink && x->got == 0) {
		/* First bytes of the body: the headers are in, decide where it goes. */
		long status = 0;
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status);
		r->streamed = status == 200 && strstr(r->content_type, "xml") != NULL;
	}
	/* A streamed answer is never held whole (unless traced): the sink's bound. */
	limit = r->streamed && x->sink->max ? x->sink->max : x->h->max_body;
	if (x->got + n > limit) {
		x->too_big = 1;
		x->limit = limit;
		return 0; /* stop reading: memory stays bounded */
	}
	x->got += n;
	if (r->streamed) {
		if (x->sink->write(p, n, x->sink->arg) < 0) {
			x->sink_stopped = 1;
			return 0;
		}
		if (!x->h->debug)
			return n; /* only a trace needs the whole answer kept */
	}
	vm_buf_add(&b, p, n);
	r->body = b.data;
	r->len = b.len;
	r->cap = b.cap;
	return n;
}

static size_t header_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	struct vs_http *h = x->h;
	size_t n = size * nmemb;
	static const char ct[] = "content-type:", ck[] = "set-cookie:";

	if (n > sizeof(ct) && strncasecmp(p, ct, sizeof(ct) - 1) == 0) {
		size_t i = sizeof(ct) - 1, j = 0;
		while (i < n && p[i] == ' ')
			i++;
		while (i < n && p[i] != '\r' && p[i] != '\n' && j + 1 < sizeof(x->resp->content_type))
			x->resp->content_type[j++] = p[i++];
		x->resp->content_type[j] = '\0';
	} else if (n > sizeof(ck) && strncasecmp(p, ck, sizeof(ck) - 1) == 0) {
		/* The session cookie is as good as a password: never let it reach the trace. */
		const char *eq = memchr(p, '=', n), *end = eq;
		while (end && end < p + n && *end != ';' && *end != '\r' && *end != '\n')
			end++;
		if (eq && end > eq + 1) {
			const char *v = eq + 1, *ve = end;
			if (*v == '"' && ve > v + 1 && ve[-1] == '"') {
				v++;
				ve--;
			}
			char *s = vm_xstrndup(v, (size_t)(ve - v));
			vs_http_add_secret(h, s);
			free(s);
		}
	}
	return n;
}

/* A second signal abandons what is in flight (logout and the read for the report
 * excepted: they are not abortable); a third abandons those too. */
static int xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct vs_http *h = userp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return h->stop && (*h->stop >= 3 || (*h->stop >= 2 && h->abortable));
}

/* Options every request shares, set once per easy handle. */
static void handle_setup(struct vs_http *h, CURL *c)
{
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_SHARE, h->share);
	/* Turns the cookie engine on (vmware_soap_session); no file is read. */
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout);
	/* A server that stops sending (or trickles) is given up on long before the total
	 * timeout. The time is longer than any silence vCenter keeps on purpose: a task
	 * wait's long poll (at most VS_HTTP_POLL_MAX_S) plus time to answer. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)VS_HTTP_LOW_SPEED_BYTES);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)VS_HTTP_LOW_SPEED_S);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vtrunk/" VTRUNK_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, h);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	if (h->n_ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_files[0]);
	if (h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->pin_len) {
		/* The pin names the exact certificate: no CA store is loaded for it (that is
		 * most of the memory of a connection), no host name is checked, and verify_cb
		 * refuses the handshake unless the fingerprint matches (ssl_ctx_cb turns
		 * peer verification back on for it). */
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
}

struct vs_http *vs_http_new(const struct vs_http_opts *opts, struct vm_err *err)
{
	static int global_done;
	struct vs_http *h;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return vm_err_set(err, VM_ERR_NET, "libcurl could not be initialised"), NULL;
		global_done = 1;
	}
	if (ssl_idx < 0)
		ssl_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	h = vm_xcalloc(1, sizeof(*h));
	h->base = vs_http_url_normalize(opts->url, NULL, NULL, err);
	if (!h->base)
		goto fail;
	if (opts->thumbprint && *opts->thumbprint) {
		h->pin_len = vs_http_fingerprint_parse(opts->thumbprint, h->pin);
		if (h->pin_len < 0) {
			vm_err_set(err, VM_ERR_USAGE,
				   "thumbprint \"%s\" is neither a SHA-256 (64 hex digits) nor a SHA-1 (40 hex digits) fingerprint",
				   opts->thumbprint);
			goto fail;
		}
	}
	if (opts->ca_file && *opts->ca_file && vs_http_tls_ca_files_load(opts, &h->ca_files, &h->n_ca, err) < 0)
		goto fail;
	h->insecure = opts->insecure;
	h->connect_timeout = opts->connect_timeout > 0 ? opts->connect_timeout : 15;
	h->timeout = opts->timeout > 0 ? opts->timeout : 300;
	h->max_body = opts->max_body ? opts->max_body : 16u << 20;
	h->debug = opts->debug;
	h->stop = opts->stop;
	h->abortable = 1;
	h->share = curl_share_init();
	h->curl = curl_easy_init();
	if (!h->share || !h->curl) {
		vm_err_set(err, VM_ERR_NET, "libcurl could not create a handle");
		goto fail;
	}
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	handle_setup(h, h->curl);
	return h;
fail:
	vs_http_free(&h);
	return NULL;
}

void vs_http_free(struct vs_http **hp)
{
	struct vs_http *h;

	if (!hp || !*hp)
		return;
	h = *hp;
	for (size_t i = 0; i < h->n_pool; i++)
		curl_easy_cleanup(h->pool[i]);
	free(h->pool);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->share)
		curl_share_cleanup(h->share);
	free(h->base);
	for (size_t i = 0; i < h->n_ca; i++)
		free(h->ca_files[i]);
	free(h->ca_files);
	vs_trace_secrets_clear(&h->secrets);
	explicit_bzero(h, sizeof(*h));
	free(h);
	*hp = NULL;
}

void vs_http_add_secret(struct vs_http *h, const char *secret)
{
	if (h)
		vs_trace_secret_add(&h->secrets, secret);
}

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

static void xfer_start(struct vs_http *h, struct xfer *x, CURL *c, const char *method, const char *path,
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
static int xfer_finish(struct xfer *x, const char *method, CURLcode rc, struct vm_err *err)
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

static struct curl_slist *soap_headers(const char *soap_action);

/* One request on the kept-alive handle; sink NULL: the answer is buffered. */
static int perform(struct vs_http *h, const char *method, const char *path,
		   struct curl_slist *hdrs, const char *body, size_t len, const struct vs_http_sink *sink,
		   struct vs_http_resp *resp, struct vm_err *err)
{
	struct xfer x;
	CURLcode rc;

	xfer_start(h, &x, h->curl, method, path, hdrs, body, len, resp);
	x.sink = sink;
	rc = curl_easy_perform(h->curl);
	return xfer_finish(&x, method, rc, err);
}

int vs_http_post_stream_call(struct vs_http *h, const char *path, const char *soap_action,
			     const char *body, size_t len, const struct vs_http_sink *sink,
			     struct vs_http_resp *resp, struct vm_err *err)
{
	struct curl_slist *hdrs = soap_headers(soap_action);
	int ret = perform(h, "POST", path, hdrs, body, len, sink, resp, err);

	curl_slist_free_all(hdrs);
	return ret;
}

static struct curl_slist *soap_headers(const char *soap_action)
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

/* The headers of a general request: the caller's, and an empty Expect (see soap_headers). */
static struct curl_slist *request_headers(const char *const *headers)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");

	for (const char *const *p = headers; p && *p; p++)
		hdrs = curl_slist_append(hdrs, *p);
	return hdrs;
}

/* Both batch kinds: SOAP (rest 0: every request POSTs to path with soap_action) and
 * general (rest 1: each request names its method, path and headers). */
static int batch_run(struct vs_http *h, const char *path, const char *soap_action, int rest,
		     struct vs_http_req *reqs, size_t n, int parallel,
		     void (*on_done)(size_t i, struct vs_http_req *req, void *arg), void *arg)
{
	struct xfer *xs;
	size_t next = 0, done = 0, active = 0, failed = 0;
	size_t width = parallel > 0 ? (size_t)parallel : 1;

	if (n == 0)
		return 0;
	if (width > n)
		width = n;
	if (!h->multi) {
		h->multi = curl_multi_init();
		if (!h->multi) {
			for (size_t i = 0; i < n; i++)
				reqs[i].rc = vm_err_set(&reqs[i].err, VM_ERR_NET, "libcurl could not create a multi handle");
			return -1;
		}
	}
	while (h->n_pool < width) {
		CURL *c = curl_easy_init();
		if (!c)
			break;
		handle_setup(h, c);
		h->pool = vm_xrealloc(h->pool, (h->n_pool + 1) * sizeof(*h->pool));
		h->pool[h->n_pool++] = c;
	}
	if (h->n_pool == 0) {
		for (size_t i = 0; i < n; i++)
			reqs[i].rc = vm_err_set(&reqs[i].err, VM_ERR_NET, "libcurl could not create a handle");
		return -1;
	}
	if (width > h->n_pool)
		width = h->n_pool;
	xs = vm_xcalloc(n, sizeof(*xs));
	{
		CURL **idle = vm_xcalloc(width, sizeof(*idle));
		size_t n_idle = width;
		for (size_t i = 0; i < width; i++)
			idle[i] = h->pool[i];
		while (done < n) {
			CURLMsg *m;
			int left, still;
			while (n_idle > 0 && next < n && h->stop && *h->stop) {
				/* Interrupted: what was not sent is not sent. */
				struct vs_http_req *r = &reqs[next++];
				r->rc = vm_err_set(&r->err, VM_ERR_NET, "not sent: vtrunk was interrupted");
				r->sent = r->stalled = 0;
				failed++;
				done++;
				if (on_done)
					on_done((size_t)(r - reqs), r, arg);
			}
			while (n_idle > 0 && next < n) {
				struct vs_http_req *r = &reqs[next];
				vm_err_clear(&r->err);
				xfer_start(h, &xs[next], idle[--n_idle], r->method ? r->method : "POST",
					   r->path ? r->path : path,
					   rest ? request_headers(r->headers) : soap_headers(soap_action),
					   r->body, r->len, &r->resp);
				curl_multi_add_handle(h->multi, xs[next].c);
				next++;
				active++;
			}
			if (curl_multi_perform(h->multi, &still) != CURLM_OK)
				break;
			while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
				struct xfer *x = NULL;
				if (m->msg != CURLMSG_DONE)
					continue;
				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
				curl_multi_remove_handle(h->multi, m->easy_handle);
				{
					struct vs_http_req *r = &reqs[x - xs];
					CURLcode rc = m->data.result;
					r->rc = xfer_finish(x, r->method ? r->method : "POST", rc, &r->err);
					r->sent = x->sent;
					r->stalled = x->stalled;
					curl_slist_free_all(x->hdrs);
					x->hdrs = NULL;
					failed += r->rc < 0;
					idle[n_idle++] = x->c;
					if (on_done)
						on_done((size_t)(r - reqs), r, arg);
				}
				active--;
				done++;
			}
			/* A slot just came free: fill it before waiting, or the window runs
			 * below `parallel` until some other answer wakes the poll. */
			if (n_idle > 0 && next < n)
				continue;
			if (done < n && active > 0)
				curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
		}
		free(idle);
	}
	free(xs);
	return failed ? -1 : 0;
}

int vs_http_post_batch_call(struct vs_http *h, const char *path, const char *soap_action,
			    struct vs_http_req *reqs, size_t n, int parallel,
			    void (*on_done)(size_t i, struct vs_http_req *req, void *arg), void *arg)
{
	return batch_run(h, path, soap_action, 0, reqs, n, parallel, on_done, arg);
}

int vs_http_request_batch_call(struct vs_http *h, struct vs_http_req *reqs, size_t n, int parallel,
			       void (*on_done)(size_t i, struct vs_http_req *req, void *arg), void *arg)
{
	for (size_t i = 0; i < n; i++)
		if (!reqs[i].method || !reqs[i].path) {
			for (size_t j = 0; j < n; j++)
				reqs[j].rc = vm_err_set(&reqs[j].err, VM_ERR_USAGE,
							"vs_http_request_batch_call: request %zu has no method or path", i);
			return -1;
		}
	return batch_run(h, NULL, NULL, 1, reqs, n, parallel, on_done, arg);
}

int vs_http_request_call(struct vs_http *h, const char *method, const char *path,
			 const char *const *headers, const char *body, size_t len,
			 struct vs_http_resp *resp, struct vm_err *err)
{
	struct curl_slist *hdrs = request_headers(headers);
	int ret = perform(h, method, path, hdrs, body, len, NULL, resp, err);

	curl_slist_free_all(hdrs);
	return ret;
}

int vs_http_post_call(struct vs_http *h, const char *path, const char *soap_action,
		      const char *body, size_t len, struct vs_http_resp *resp, struct vm_err *err)
{
	return vs_http_post_stream_call(h, path, soap_action, body, len, NULL, resp, err);
}

int vs_http_get_call(struct vs_http *h, const char *path, struct vs_http_resp *resp,
		     struct vm_err *err)
{
	return perform(h, "GET", path, NULL, NULL, 0, NULL, resp, err);
}

void vs_http_resp_clear(struct vs_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

const char *vs_http_peer_sha256_get(const struct vs_http *h)
{
	return h->peer_sha256;
}

const char *vs_http_peer_sha1_get(const struct vs_http *h)
{
	return h->peer_sha1;
}

const struct vs_http_cert *vs_http_peer_cert_get(const struct vs_http *h)
{
	return &h->peer_cert;
}

int vs_http_pinned_get(const struct vs_http *h)
{
	return h->pin_len > 0;
}

int vs_http_last_sent_get(const struct vs_http *h)
{
	return h->last_sent;
}

int vs_http_last_stalled_get(const struct vs_http *h)
{
	return h->last_stalled;
}

long vs_http_timeout_get(const struct vs_http *h)
{
	return h->timeout;
}

void vs_http_call_timeout_set(struct vs_http *h, long seconds)
{
	h->call_timeout = seconds;
}

void vs_http_cookies_clear(struct vs_http *h)
{
	curl_easy_setopt(h->curl, CURLOPT_COOKIELIST, "ALL");
}

void vs_http_once_set(struct vs_http *h, int on)
{
	h->once = on;
}

void vs_http_hide_answer_set(struct vs_http *h, int on)
{
	h->hide_answer = on;
}

void vs_http_abortable_set(struct vs_http *h, int on)
{
	h->abortable = on;
}

int vs_http_stop_get(const struct vs_http *h)
{
	return h->stop ? *h->stop : 0;
}

void vs_http_backoff(const struct vs_http *h, int tries)
{
	long ms = 250L << (tries < 5 ? tries : 5);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	if (!vs_http_stop_get(h))
		nanosleep(&ts, NULL);
}

unsigned long vs_http_requests_get(const struct vs_http *h)
{
	return h->requests;
}

const char *vs_http_base_get(const struct vs_http *h)
{
	return h->base;
}
