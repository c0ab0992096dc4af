/* test_text.c — vm_text: which code points no sink may carry, and the forms for a
 * terminal (issue 15: Unicode line breaks, C1 controls, bidi formatting). */
#include "unit.h"

#include <stdlib.h>

#include "vm_text.h"

static void test_unsafe(void **state)
{
	static const uint32_t bad[] = {0x00, 0x09, 0x0a, 0x1b, 0x7f, 0x80, 0x85, 0x9b, 0x9f,
				       0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e,
				       0x2066, 0x2069, 0xfeff, 0xfdd0, 0xfdef, 0xfffe, 0xffff,
				       0x1fffe, 0x10ffff};
	static const uint32_t good[] = {0x20, 0x7e, 0xa0, 0xe9, 0x2027, 0x202f, 0x2065, 0x206a,
					0xfdcf, 0xfdf0, 0xfffd, 0x1f600, 0x10fffd};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!vm_text_unsafe(bad[i]))
			fail_msg("U+%04X passes", (unsigned)bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (vm_text_unsafe(good[i]))
			fail_msg("U+%04X is refused", (unsigned)good[i]);
}

static void test_check(void **state)
{
	size_t at = 99;
	uint32_t cp = 0;

	(void)state;
	assert_null(vm_text_check("kasm-agent tr\xc3\xaas", &at, &cp));
	assert_non_null(vm_text_check("ab\xe2\x80\xa8", &at, &cp));
	assert_int_equal(at, 2);
	assert_int_equal(cp, 0x2028);
	assert_string_equal(vm_text_check("a\xc2\x85", &at, &cp),
			    "a control character that YAML reads as a line break (NEL)");
	assert_string_equal(vm_text_check("abc\xe2\x80", &at, &cp), "invalid UTF-8");
	assert_int_equal(at, 3);
	assert_int_equal(cp, 0xe2);
	/* Overlong '/', a surrogate, past U+10FFFF. */
	assert_string_equal(vm_text_check("\xc0\xaf", &at, &cp), "invalid UTF-8");
	assert_string_equal(vm_text_check("\xed\xa0\x80", &at, &cp), "invalid UTF-8");
	assert_string_equal(vm_text_check("\xf4\x90\x80\x80", &at, &cp), "invalid UTF-8");
	assert_int_equal(vm_text_chars("tr\xc3\xaas\xff"), 5);
}

static void test_display(void **state)
{
	char *s;

	(void)state;
	/* A newline in a vCenter name cannot forge a row; a CSI cannot reach the terminal. */
	s = vm_text_display("vm1\nDC0  poweredOn\xc2\x9b" "2J\xe2\x80\xae\\x\xff\xc3\xa9");
	assert_string_equal(s, "vm1\\u{000a}DC0  poweredOn\\u{009b}2J\\u{202e}\\x\\xff\xc3\xa9");
	free(s);
	/* JSON: the same document, with nothing a terminal acts on. */
	s = vm_text_json_safe("{\"n\": \"a\xe2\x80\xa8" "b\xc2\x9b\x7f\xef\xbf\xbe\xf0\x9f\xbf\xbe\xff\xc3\xa9\\u0007\"}");
	assert_string_equal(s, "{\"n\": \"a\\u2028b\\u009b\\u007f\\ufffe\\ud83f\\udffe\\ufffd\xc3\xa9\\u0007\"}");
	free(s);
	s = vm_text_display(NULL);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsafe),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_display),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
