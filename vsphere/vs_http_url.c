/* vs_http_url.c — the vCenter URL as users give it (--url, VTRUNK_URL, GOVC_URL), made
 * into the base vtrunk talks to, with any user-info taken out and never shown. */
#include "vs_http_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

/* The URL as a message may show it: without its user-info, where a password may sit. */
static char *url_shown(const char *url)
{
	const char *rest = strstr(url, "://"), *at;
	struct vm_buf b = {0};

	/* Only a real scheme (RFC 3986: a letter, then letters, digits, "+-.") ends at "://":
	 * in "admin:pa://ss@vc" the "://" is inside the password. */
	if (rest && (!isalpha((unsigned char)url[0]) ||
		     strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") !=
			     (size_t)(rest - url)))
		rest = NULL;
	rest = rest ? rest + 3 : url;
	at = strrchr(rest, '@');
	vm_buf_add(&b, url, (size_t)(rest - url));
	vm_buf_adds(&b, at ? at + 1 : rest);
	return vm_buf_steal(&b);
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10) : -1;
}

/* User-info is percent-encoded (RFC 3986; govc's GOVC_URL decodes it too): "%40" is "@".
 * A "%" not followed by two hex digits, and "%00", stay as they are. */
static char *userinfo_decode(const char *s, size_t n)
{
	char *out = vm_xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi = s[i] == '%' && i + 2 < n ? hexval(s[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
		if (lo >= 0 && (hi | lo)) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

char *vs_http_url_normalize(const char *url, char **user, char **password, struct vm_err *err)
{
	const char *p = url, *host, *end, *at, *port;
	struct vm_buf b = {0};
	char *shown;

	if (!url || !*url)
		return vm_err_set(err, VM_ERR_USAGE, "no vCenter URL: set --url or VTRUNK_URL (or GOVC_URL)"), NULL;
	shown = url_shown(url);
	if (strncmp(p, "https://", 8) == 0) {
		p += 8;
	} else if (strncmp(p, "http://", 7) == 0) {
		vm_err_set(err, VM_ERR_USAGE, "vCenter URL \"%s\" is plain http: vtrunk only talks https", shown);
		goto refused;
	} else if (strstr(p, "://")) {
		vm_err_set(err, VM_ERR_USAGE, "vCenter URL \"%s\" has an unknown scheme (use https://host or host)", shown);
		goto refused;
	}
	/* The user-info ends at the last "@" (as in Go's url.Parse, which govc uses): a password
	 * may hold "@", "/", "?" or "#" unencoded, and no part of it may become the host. */
	at = strrchr(p, '@');
	host = at ? at + 1 : p;
	end = host + strcspn(host, "/?#");
	if (host == end) {
		vm_err_set(err, VM_ERR_USAGE, "vCenter URL \"%s\" has no host", shown);
		goto refused;
	}
	for (const char *c = host; c < end; c++)
		if (isspace((unsigned char)*c) || (unsigned char)*c < 0x20) {
			vm_err_set(err, VM_ERR_USAGE, "vCenter URL \"%s\" has a space or control character in its host", shown);
			goto refused;
		}
	/* A port that is not a number is most likely a password: "user:pw/..." without its "@"
	 * reads as host "user", port "pw". Only the host is shown. */
	port = *host == '[' ? memchr(host, ']', (size_t)(end - host)) : host;
	port = port ? memchr(port, ':', (size_t)(end - port)) : NULL;
	if (port) {
		size_t digits = strspn(port + 1, "0123456789");
		if (port + 1 + digits != end || digits == 0 || digits > 5 || atol(port + 1) < 1 || atol(port + 1) > 65535) {
			vm_err_set(err, VM_ERR_USAGE,
				   "the vCenter URL of host \"%.*s\" has a port that is not a number from 1 to 65535 "
				   "(a password goes after the user name and before the last \"@\": https://user:password@host)",
				   (int)(port - host), host);
			goto refused;
		}
	}
	/* vtrunk talks to vCenter's own endpoints (/sdk for SOAP, /rest): another path would
	 * be dropped without a word, and a server behind a path prefix is not reached. */
	if (*end && strcmp(end, "/") != 0 && strcmp(end, "/sdk") != 0 && strcmp(end, "/sdk/") != 0) {
		vm_err_set(err, VM_ERR_USAGE,
			   "vCenter URL \"%s\" has the path \"%s\": vtrunk talks only to vCenter's /sdk "
			   "(SOAP) and /rest endpoints; give https://host[:port] or https://host[:port]/sdk",
			   shown, end);
		goto refused;
	}
	free(shown);
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (user && !*user)
			*user = userinfo_decode(p, (size_t)((colon ? colon : at) - p));
		if (password && !*password && colon)
			*password = userinfo_decode(colon + 1, (size_t)(at - colon - 1));
	}
	vm_buf_adds(&b, "https://");
	vm_buf_add(&b, host, (size_t)(end - host));
	return vm_buf_steal(&b);
refused:
	free(shown);
	return NULL;
}
