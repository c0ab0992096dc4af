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
#include "vs_http_xfer.h"
#include "vs_xml.h"


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
void vs_http_handle_setup(struct vs_http *h, CURL *c)
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
	vs_http_handle_setup(h, h->curl);
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

/* One request on the kept-alive handle; sink NULL: the answer is buffered. */
static int perform(struct vs_http *h, const char *method, const char *path,
		   struct curl_slist *hdrs, const char *body, size_t len, const struct vs_http_sink *sink,
		   struct vs_http_resp *resp, struct vm_err *err)
{
	struct xfer x;
	CURLcode rc;

	vs_http_xfer_start(h, &x, h->curl, method, path, hdrs, body, len, resp);
	x.sink = sink;
	rc = curl_easy_perform(h->curl);
	return vs_http_xfer_finish(&x, method, rc, err);
}

int vs_http_post_stream_call(struct vs_http *h, const char *path, const char *soap_action,
			     const char *body, size_t len, const struct vs_http_sink *sink,
			     struct vs_http_resp *resp, struct vm_err *err)
{
	struct curl_slist *hdrs = vs_http_soap_headers(soap_action);
	int ret = perform(h, "POST", path, hdrs, body, len, sink, resp, err);

	curl_slist_free_all(hdrs);
	return ret;
}

int vs_http_request_call(struct vs_http *h, const char *method, const char *path,
			 const char *const *headers, const char *body, size_t len,
			 struct vs_http_resp *resp, struct vm_err *err)
{
	struct curl_slist *hdrs = vs_http_request_headers(headers);
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

