/* fixture.h — reading fixture files (fixtures/…, relative to the repository root, where
 * `make unit` runs the tests) into memory and into fake HTTP answers for the SOAP reader.
 *
 * Ownership: fixture_read() returns a malloc'd, NUL-terminated copy the caller frees;
 * fixture_resp() fills a struct vs_http_resp whose body vs_http_resp_clear() frees.
 * Include after unit.h (the helpers fail the running cmocka test when a file is missing).
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_http.h"
#include "vs_xml.h"

static inline char *fixture_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		fail_msg("fixture %s: cannot open (run the tests from the repository root)", path);
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap + 1);
			assert_non_null(data);
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

/* A fake answer: status, content type and the file as body. */
static inline void fixture_resp(struct vs_http_resp *r, const char *path, long status,
				const char *content_type)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->body = fixture_read(path, &r->len);
	r->cap = r->len + 1;
	snprintf(r->content_type, sizeof(r->content_type), "%s", content_type ? content_type : "");
}

/* The same from a string (copied). */
static inline void fixture_resp_text(struct vs_http_resp *r, const char *text, long status,
				     const char *content_type)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->len = strlen(text);
	r->body = malloc(r->len + 1);
	assert_non_null(r->body);
	memcpy(r->body, text, r->len + 1);
	r->cap = r->len + 1;
	snprintf(r->content_type, sizeof(r->content_type), "%s", content_type ? content_type : "");
}

/* Parses a fixture that must be a successful answer to `method`; *ret is its
 * <methodResponse>. The caller frees *doc (xmlFreeDoc) unless it hands it on. */
static inline xmlDoc *fixture_soap(const char *path, const char *method, xmlNode **ret)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	xmlDoc *doc = NULL;

	fixture_resp(&r, path, 200, "text/xml; charset=utf-8");
	if (vs_soap_parse(&r, method, &doc, ret, &err) < 0)
		fail_msg("fixture %s: %s answer not accepted: [%s] %s", path, method,
			 vm_err_kind_name(err.kind), err.msg);
	vs_http_resp_clear(&r);
	return doc;
}

/* Asserts that haystack contains needle, saying which when it does not. */
#define assert_contains(haystack, needle)                                                  \
	do {                                                                               \
		const char *h_ = (haystack), *n_ = (needle);                               \
		if (!h_ || !strstr(h_, n_))                                                \
			fail_msg("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_); \
	} while (0)

#endif
