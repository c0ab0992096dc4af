/* test_http.c — vs_http_url_normalize: the user-info ends at the last "@" and is
 * percent-decoded (as govc's GOVC_URL), the base keeps the host alone, and no refusal
 * message shows the user-info. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "vs_http.h"

static void assert_url(const char *url, const char *base, const char *user, const char *password)
{
	char *u = NULL, *p = NULL;
	struct vm_err err;
	char *got;

	vm_err_clear(&err);
	got = vs_http_url_normalize(url, &u, &p, &err);
	if (!got)
		print_error("%s: %s\n", url, err.msg);
	assert_non_null(got);
	assert_string_equal(got, base);
	if (user)
		assert_string_equal(u, user);
	else
		assert_null(u);
	if (password)
		assert_string_equal(p, password);
	else
		assert_null(p);
	free(got);
	free(u);
	free(p);
}

/* Refused with kind usage; the message has `want` and not `secret`. */
static void assert_refused(const char *url, const char *want, const char *secret)
{
	char *u = NULL, *p = NULL;
	struct vm_err err;

	vm_err_clear(&err);
	assert_null(vs_http_url_normalize(url, &u, &p, &err));
	assert_int_equal(err.kind, VM_ERR_USAGE);
	if (!strstr(err.msg, want) || strstr(err.msg, secret))
		print_error("%s: %s\n", url, err.msg);
	assert_non_null(strstr(err.msg, want));
	assert_null(strstr(err.msg, secret));
	assert_null(u);
	assert_null(p);
}

static void test_plain_forms(void **state)
{
	(void)state;
	assert_url("vc.example", "https://vc.example", NULL, NULL);
	assert_url("vc.example:8443", "https://vc.example:8443", NULL, NULL);
	assert_url("https://vc.example/sdk", "https://vc.example", NULL, NULL);
	assert_url("https://[::1]:8443/sdk", "https://[::1]:8443", NULL, NULL);
	assert_url("https://[::1]/sdk", "https://[::1]", NULL, NULL);
	assert_url("https://vc.example/", "https://vc.example", NULL, NULL);
	assert_url("vc.example/sdk/", "https://vc.example", NULL, NULL);
}

static void test_userinfo_last_at(void **state)
{
	(void)state;
	assert_url("https://user:pw@vc.example/sdk", "https://vc.example", "user", "pw");
	/* vCenter user names hold an "@"; passwords may hold "@", "/", "?", "#" unencoded. */
	assert_url("administrator@vsphere.local:p@ss/w#rd?@vc.example:8443/sdk", "https://vc.example:8443",
		   "administrator@vsphere.local", "p@ss/w#rd?");
	assert_url("user@vc.example", "https://vc.example", "user", NULL);
}

static void test_userinfo_decoded(void **state)
{
	(void)state;
	assert_url("https://administrator%40vsphere.local:S3cr3t-pw%21%3a@vc.example", "https://vc.example",
		   "administrator@vsphere.local", "S3cr3t-pw!:");
	/* Not an escape, or NUL: kept as written. */
	assert_url("u:50%%zz%00%4@h", "https://h", "u", "50%%zz%00%4");
}

static void test_refusals_hide_userinfo(void **state)
{
	(void)state;
	assert_refused("http://u:S3cr3t@vc.example/sdk", "\"http://vc.example/sdk\" is plain http", "S3cr3t");
	assert_refused("ftp://u:S3cr3t@vc.example", "unknown scheme", "S3cr3t");
	/* fuzz_url: "://" inside a password is no scheme; the message showed "admin:pa". */
	assert_refused("admin:pa://ss@vc.example", "\"vc.example\"", "pa");
	assert_refused("https://u:S3cr3t@/sdk", "has no host", "S3cr3t");
	assert_refused("https://u:S3cr3t@vc example", "space or control character", "S3cr3t");
	/* No "@": the password would read as the port. Only the host is named. */
	assert_refused("u:S3cr3t/vc.example", "of host \"u\" has a port that is not a number", "S3cr3t");
	assert_refused("vc.example:0", "port that is not a number from 1 to 65535", "S3cr3t");
	assert_refused("vc.example:65536", "port that is not a number", "S3cr3t");
	assert_refused("vc.example:", "port that is not a number", "S3cr3t");
	/* Another path than /sdk would be dropped without a word (govc would use it). */
	assert_refused("https://u:S3cr3t@vc.example/ui", "has the path \"/ui\"", "S3cr3t");
	assert_refused("vc.example:8443/sdk/vimService", "\"/sdk/vimService\"", "S3cr3t");
	assert_refused("vc.example?x=1", "has the path \"?x=1\"", "S3cr3t");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_forms),
		cmocka_unit_test(test_userinfo_last_at),
		cmocka_unit_test(test_userinfo_decoded),
		cmocka_unit_test(test_refusals_hide_userinfo),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
