/* vs_http_batch.c — many requests of vs_http at once: a window of `parallel` easy handles
 * (kept in the pool) on one multi handle, each freed slot refilled before the next wait. */
#include "vs_http_xfer.h"

#include <stdlib.h>

#include "vm_alloc.h"

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
		vs_http_handle_setup(h, c);
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
				vs_http_xfer_start(h, &xs[next], idle[--n_idle], r->method ? r->method : "POST",
						   r->path ? r->path : path,
						   rest ? vs_http_request_headers(r->headers) : vs_http_soap_headers(soap_action),
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
					r->rc = vs_http_xfer_finish(x, r->method ? r->method : "POST", rc, &r->err);
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
