/* fuzz_url.c — libFuzzer target for vs_http_url_normalize (issue 15: a password inside
 * --url or GOVC_URL must never reach a message). For any input:
 *  - a refusal sets no user or password and leaves a usable error; with the password's
 *    bytes marked (all but those that shape a URL), no marked byte reaches the message;
 *  - an accepted URL is "https://" + a host part with no '@' and nothing after the
 *    authority, taken from after the last '@' only (so the password cannot be in it).
 * Input: the URL text (a NUL-terminated copy). */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vs_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), *user = NULL, *pw = NULL, *base;
	const char *at, *scheme_end, *raw_pw = NULL;
	size_t raw_pw_len = 0;
	struct vm_err err;

	if (!url)
		abort();
	memcpy(url, data, size);
	url[size] = '\0';
	/* The raw password: from the first ':' of the user-info to the last '@', the user-info
	 * starting after a real scheme (RFC 3986: a letter, then letters, digits, "+-.")
	 * and its "://", or at the start. */
	scheme_end = strstr(url, "://");
	if (scheme_end && (!isalpha((unsigned char)url[0]) ||
			   strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") !=
				   (size_t)(scheme_end - url)))
		scheme_end = NULL;
	scheme_end = scheme_end ? scheme_end + 3 : url;
	at = strrchr(scheme_end, '@');
	if (at) {
		const char *colon = memchr(scheme_end, ':', (size_t)(at - scheme_end));
		if (colon) {
			raw_pw = colon + 1;
			raw_pw_len = (size_t)(at - raw_pw);
		}
	}
	vm_err_clear(&err);
	base = vs_http_url_normalize(url, &user, &pw, &err);
	if (!base) {
		FUZZ_CHECK(!user && !pw, "a refused URL left a user or password behind");
		fuzz_err_check(&err, "vs_http_url_normalize");
		if (raw_pw && raw_pw_len > 0) {
			/* The same URL with the password's bytes, all but the ones that shape a
			 * URL, replaced by a control byte the URL lacks: none may reach that refusal's message. */
			char *marked = strdup(url), mark = 1;
			struct vm_err err2;
			char *b2, *u2 = NULL, *p2 = NULL;

			while (strchr(url, mark) && mark < 31) /* a byte the URL does not hold */
				mark++;
			for (size_t k = 0; k < raw_pw_len; k++)
				if (!strchr(":/@?#%[]", raw_pw[k]))
					marked[raw_pw - url + (ptrdiff_t)k] = mark;
			vm_err_clear(&err2);
			b2 = vs_http_url_normalize(marked, &u2, &p2, &err2);
			FUZZ_CHECK(b2 || strchr(url, mark) || !strchr(err2.msg, mark),
				   "the refusal shows the password: %s", err2.msg);
			free(b2);
			free(u2);
			free(p2);
			free(marked);
		}
	} else {
		FUZZ_CHECK(strncmp(base, "https://", 8) == 0, "base %s is not https://", base);
		FUZZ_CHECK(!strchr(base, '@'), "base %s holds user-info", base);
		FUZZ_CHECK(!strchr(base + 8, '/'), "base %s holds a path", base);
		/* The host part comes from after the last '@' only: the password cannot be in it. */
		if (at)
			FUZZ_CHECK(strncmp(base + 8, at + 1, strlen(base + 8)) == 0,
				   "base %s is not what follows the last '@'", base);
	}
	free(base);
	free(user);
	free(pw);
	free(url);
	return 0;
}
