/* vs_http_url.h — the vCenter URL a user gives, normalized.
 *
 * Ownership: the returned base and *user / *password are owned by the caller. */
#ifndef VS_HTTP_URL_H
#define VS_HTTP_URL_H

#include "vm_err.h"

/* Accepts "host", "host:port", "https://host", "https://host:port/sdk" (and
 * "user:pass@" inside, up to the last "@" and percent-decoded, which goes into *user and
 * *password when those are non-NULL and still NULL: govc's GOVC_URL style). Returns an
 * owned "https://host[:port]" base without path, or NULL with err set; no message shows
 * the user-info. */
char *vs_http_url_normalize(const char *url, char **user, char **password, struct vm_err *err);

#endif
