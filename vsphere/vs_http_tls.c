/* vs_http_tls.c — the TLS parts of vs_http that read certificates: the CA files given
 * (checked before anything is sent) and the leaf certificate's subject, issuer and dates. */
#include "vs_http_tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "vm_alloc.h"

static void name_text(const X509_NAME *name, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	*out = '\0';
	if (!b)
		return;
	/* RFC 2253 order and escaping, UTF-8 kept as it is (shown escaped by cli). */
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_read(b, out, (int)size - 1)) > 0)
		out[n] = '\0';
	BIO_free(b);
}

static void time_text(const ASN1_TIME *t, char out[32])
{
	struct tm tm;

	*out = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void vs_http_tls_cert_read(X509 *leaf, struct vs_http_cert *c)
{
	name_text(X509_get_subject_name(leaf), c->subject, sizeof(c->subject));
	name_text(X509_get_issuer_name(leaf), c->issuer, sizeof(c->issuer));
	time_text(X509_get0_notBefore(leaf), c->not_before);
	time_text(X509_get0_notAfter(leaf), c->not_after);
	c->expired = X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0;
}

/* A CA file is read before anything is sent: a missing or unreadable one, or one without a
 * PEM certificate, is the user's to fix (exit 2), not a TLS failure in curl's words. */
static int ca_file_check(const char *path, const char *source, struct vm_err *err)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (!f)
		return vm_err_set(err, VM_ERR_USAGE, "%s: cannot read the CA file %s: %s", source, path, strerror(errno));
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	fclose(f);
	if (n == 0)
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s: %s holds no PEM certificate (a CA bundle is one or more "
				  "\"-----BEGIN CERTIFICATE-----\" blocks)", source, path);
	return 0;
}

int vs_http_tls_ca_files_load(const struct vs_http_opts *opts, char ***files, size_t *n_files, struct vm_err *err)
{
	const char *source = opts->ca_source ? opts->ca_source : "--ca-file";
	const char *p = opts->ca_file;

	/* A list as govc reads GOVC_TLS_CA_CERTS: files separated by ':', empty parts skipped. */
	while (*p) {
		size_t n = opts->ca_file_list ? strcspn(p, ":") : strlen(p);
		if (n) {
			char *file = vm_xstrndup(p, n);
			*files = vm_xrealloc(*files, (*n_files + 1) * sizeof(**files));
			(*files)[(*n_files)++] = file;
			if (ca_file_check(file, source, err) < 0)
				return -1;
		}
		p += n;
		p += *p == ':';
	}
	return 0;
}
