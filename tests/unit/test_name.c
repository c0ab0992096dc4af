/* test_name.c — entity names as vCenter stores them (vsphere/vs_name.c): %2f, %5c and %25
 * decoded in one pass, any other % left alone, and escaping the inverse. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "vs_name.h"

static void check_unescape(const char *in, const char *want)
{
	char *s = vm_xstrdup(in);
	assert_string_equal(vs_name_unescape(s), want);
	free(s);
}

static void test_unescape(void **state)
{
	(void)state;
	check_unescape("Kasm%2fTrunk", "Kasm/Trunk");
	check_unescape("Kasm%2FTrunk", "Kasm/Trunk");
	check_unescape("a%5cb%5Cc", "a\\b\\c");
	check_unescape("50%25", "50%");
	/* A decoded % is literal: never read again as the start of a sequence. */
	check_unescape("%252f", "%2f");
	check_unescape("100%", "100%");
	check_unescape("%2", "%2");
	check_unescape("%41%zz", "%41%zz");
	check_unescape("", "");
	assert_null(vs_name_unescape(NULL));
}

static void test_escape(void **state)
{
	const char *names[] = {"Kasm/Trunk", "a\\b", "50%", "%2f", "Mgmt 10.0.0.0/24", "", "plain"};
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *e = vs_name_escape_dup(names[i]);
		assert_null(strchr(e, '/'));
		assert_null(strchr(e, '\\'));
		assert_string_equal(vs_name_unescape(e), names[i]);
		free(e);
	}
	{
		char *e = vs_name_escape_dup("Kasm/Trunk 50%\\x");
		assert_string_equal(e, "Kasm%2fTrunk 50%25%5cx");
		free(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
