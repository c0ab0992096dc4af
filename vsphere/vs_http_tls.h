/* vs_http_tls.h — certificates for vs_http: the CA files of a vs_http_opts, and what a
 * leaf certificate says of itself (struct vs_http_cert).
 *
 * Ownership: the files vs_http_tls_ca_files_load adds are the caller's (array and strings).
 */
#ifndef VS_HTTP_TLS_H
#define VS_HTTP_TLS_H

#include <stddef.h>

#include <openssl/x509.h>

#include "vs_http.h"

/* Reads the subject, issuer (RFC 2253), dates (UTC, ISO 8601) and whether it expired. */
void vs_http_tls_cert_read(X509 *leaf, struct vs_http_cert *c);
/* Splits opts->ca_file (at ':' when ca_file_list) and appends each file to *files; every
 * file must be readable and hold a PEM certificate, or err (kind usage) names it. */
int vs_http_tls_ca_files_load(const struct vs_http_opts *opts, char ***files, size_t *n_files,
			      struct vm_err *err);

#endif
