/* test_vlan.c — the VLAN range set and its "100-200,300" parser. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "vm_vlan.h"

static void assert_set(const struct vm_vlan_set *set, const char *want)
{
	char *got = vm_vlan_set_format(set);

	assert_string_equal(got, want);
	free(got);
}

static void assert_parses(const char *text, const char *want)
{
	struct vm_vlan_set set = {0};
	struct vm_err err = {0};

	if (vm_vlan_parse(text, &set, &err) < 0)
		fail_msg("parsing \"%s\" failed: %s", text, err.msg);
	assert_set(&set, want);
	vm_vlan_set_clear(&set);
}

static void assert_parse_error(const char *text, const char *want)
{
	struct vm_vlan_set set = {0};
	struct vm_err err = {0};

	assert_int_equal(vm_vlan_parse(text, &set, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("parsing \"%s\": message \"%s\" lacks \"%s\"", text, err.msg, want);
	assert_int_equal(set.n, 0);
	vm_vlan_set_clear(&set);
}

static void test_add_merges(void **state)
{
	struct vm_vlan_set set = {0};

	(void)state;
	assert_int_equal(vm_vlan_set_add(&set, 300, 300, NULL), 0);
	assert_int_equal(vm_vlan_set_add(&set, 100, 200, NULL), 0);
	assert_set(&set, "100-200,300");
	/* Overlap on the left and right. */
	assert_int_equal(vm_vlan_set_add(&set, 50, 120, NULL), 0);
	assert_set(&set, "50-200,300");
	/* Adjacent on both sides joins three ranges into one. */
	assert_int_equal(vm_vlan_set_add(&set, 201, 299, NULL), 0);
	assert_set(&set, "50-300");
	assert_int_equal(set.n, 1);
	/* Contained: no change. */
	assert_int_equal(vm_vlan_set_add(&set, 60, 70, NULL), 0);
	assert_set(&set, "50-300");
	/* Gap of one stays a gap. */
	assert_int_equal(vm_vlan_set_add(&set, 302, 302, NULL), 0);
	assert_set(&set, "50-300,302");
	/* Swallows several ranges at once. */
	assert_int_equal(vm_vlan_set_add(&set, 400, 400, NULL), 0);
	assert_int_equal(vm_vlan_set_add(&set, 500, 510, NULL), 0);
	assert_int_equal(vm_vlan_set_add(&set, 0, 4094, NULL), 0);
	assert_set(&set, "0-4094");
	assert_int_equal(set.n, 1);
	vm_vlan_set_clear(&set);
	vm_vlan_set_clear(&set); /* idempotent */
	vm_vlan_set_clear(NULL);
}

static void test_add_errors(void **state)
{
	struct vm_vlan_set set = {0};
	struct vm_err err = {0};

	(void)state;
	assert_int_equal(vm_vlan_set_add(&set, 200, 100, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_non_null(strstr(err.msg, "reversed"));
	assert_int_equal(vm_vlan_set_add(&set, 100, 4095, &err), -1);
	assert_string_equal(err.msg, "4095 is outside 0-4094");
	assert_int_equal(vm_vlan_set_add(&set, -1, 5, &err), -1);
	assert_string_equal(err.msg, "-1 is outside 0-4094");
	assert_int_equal(set.n, 0);
}

static void test_parse(void **state)
{
	(void)state;
	assert_parses("100-200,300", "100-200,300");
	assert_parses(" 100 - 200 , 300 ", "100-200,300");
	assert_parses("\t300,100-200\n", "100-200,300");
	assert_parses("0", "0");
	assert_parses("4094", "4094");
	assert_parses("0-4094", "0-4094");
	assert_parses("5-5", "5");
	/* Overlaps and adjacency merge, in any order. */
	assert_parses("100-200,150-250", "100-250");
	assert_parses("100-199,200-300", "100-300");
	assert_parses("3,1,2", "1-3");
	assert_parses("10,12,11", "10-12");
	assert_parses("10,12", "10,12");
	assert_parses("300,300", "300");
}

static void test_parse_adds_to_existing(void **state)
{
	struct vm_vlan_set set = {0};
	struct vm_err err = {0};

	(void)state;
	assert_int_equal(vm_vlan_set_add(&set, 1, 9, NULL), 0);
	assert_int_equal(vm_vlan_parse("10-20", &set, &err), 0);
	assert_set(&set, "1-20");
	/* A bad item leaves what was there untouched. */
	assert_int_equal(vm_vlan_parse("30,40-35", &set, &err), -1);
	assert_set(&set, "1-20");
	vm_vlan_set_clear(&set);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("", "no VLAN ranges");
	assert_parse_error("   ", "no VLAN ranges");
	assert_parse_error("200-100", "\"200-100\" is reversed");
	assert_parse_error("100, 200 - 100", "\"200 - 100\" is reversed");
	assert_parse_error("4095", "4095 is outside 0-4094");
	assert_parse_error("100-4095", "4095 is outside 0-4094");
	assert_parse_error("99999999999999999999", "99999999999999999999 is outside 0-4094");
	assert_parse_error("-1", "\"-1\" is not a VLAN id or range");
	assert_parse_error("abc", "\"abc\" is not a VLAN id or range");
	assert_parse_error("100-200,x", "\"x\" is not a VLAN id or range");
	assert_parse_error("100-", "\"100-\" is not a VLAN id or range");
	assert_parse_error("1-2-3", "\"1-2-3\" is not a VLAN id or range");
	assert_parse_error("100 200", "\"100 200\" is not a VLAN id or range");
	assert_parse_error("0x10", "\"0x10\" is not a VLAN id or range");
	assert_parse_error("100,,200", "item 2 is empty");
	assert_parse_error("100,", "item 2 is empty");
	assert_parse_error(",100", "item 1 is empty");
	assert_parse_error("100, ,200", "item 2 is empty");
	/* Long garbage is cut, not copied whole into the message. */
	assert_parse_error("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			   "...\" is not a VLAN id");
}

static void test_contains(void **state)
{
	struct vm_vlan_set set = {0};

	(void)state;
	assert_int_equal(vm_vlan_parse("0,100-200,300,4094", &set, NULL), 0);
	assert_true(vm_vlan_set_contains(&set, 0));
	assert_false(vm_vlan_set_contains(&set, 1));
	assert_false(vm_vlan_set_contains(&set, 99));
	assert_true(vm_vlan_set_contains(&set, 100));
	assert_true(vm_vlan_set_contains(&set, 150));
	assert_true(vm_vlan_set_contains(&set, 200));
	assert_false(vm_vlan_set_contains(&set, 201));
	assert_true(vm_vlan_set_contains(&set, 300));
	assert_false(vm_vlan_set_contains(&set, 4093));
	assert_true(vm_vlan_set_contains(&set, 4094));
	assert_false(vm_vlan_set_contains(&set, -1));
	assert_false(vm_vlan_set_contains(&set, 4095));
	vm_vlan_set_clear(&set);
	assert_false(vm_vlan_set_contains(&set, 100));
}

static void test_equal_and_round_trip(void **state)
{
	struct vm_vlan_set a = {0}, b = {0}, c = {0}, empty = {0};
	char *text;

	(void)state;
	assert_int_equal(vm_vlan_parse("300, 100-150, 151-200", &a, NULL), 0);
	assert_int_equal(vm_vlan_parse("100-200,300", &b, NULL), 0);
	assert_true(vm_vlan_set_equal(&a, &b));
	text = vm_vlan_set_format(&a);
	assert_int_equal(vm_vlan_parse(text, &c, NULL), 0);
	assert_true(vm_vlan_set_equal(&a, &c));
	free(text);
	vm_vlan_set_clear(&c);
	assert_int_equal(vm_vlan_parse("100-200,301", &c, NULL), 0);
	assert_false(vm_vlan_set_equal(&a, &c));
	assert_false(vm_vlan_set_equal(&a, &empty));
	assert_true(vm_vlan_set_equal(&empty, &empty));
	assert_set(&empty, "");
	vm_vlan_set_clear(&a);
	vm_vlan_set_clear(&b);
	vm_vlan_set_clear(&c);
}

/* Every id added one by one, shuffled, ends as one range: the merge never loses or
 * duplicates an id whatever the order. */
static void test_many_singletons(void **state)
{
	struct vm_vlan_set set = {0};
	int step = 2477; /* coprime with 4095: visits every id once */

	(void)state;
	for (int i = 0, id = 0; i <= VM_VLAN_MAX; i++, id = (id + step) % (VM_VLAN_MAX + 1))
		assert_int_equal(vm_vlan_set_add(&set, id, id, NULL), 0);
	assert_set(&set, "0-4094");
	vm_vlan_set_clear(&set);
	/* Every other id: 2048 separate ranges. */
	for (int id = VM_VLAN_MAX; id >= 0; id -= 2)
		assert_int_equal(vm_vlan_set_add(&set, id, id, NULL), 0);
	assert_int_equal(set.n, 2048);
	for (size_t i = 1; i < set.n; i++)
		assert_true(set.r[i - 1].hi + 1 < set.r[i].lo);
	vm_vlan_set_clear(&set);
}

/* What the uplink preflight reports: the plan's VLANs the uplinks do not carry. */
static void test_subtract(void **state)
{
	static const struct {
		const char *a, *b, *want;
	} cases[] = {
		{"100-200", "0-150", "151-200"},
		{"100-200", "0-4094", ""},
		{"100-200,300", "120-130,300", "100-119,131-200"},
		{"100-200", "", "100-200"},
		{"5", "6", "5"},
		{"0,4094", "1-4093", "0,4094"},
		{"10-20,30-40", "15-35", "10-14,36-40"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_vlan_set a = {0}, b = {0}, out = {0};
		char *got;
		assert_int_equal(vm_vlan_parse(cases[i].a, &a, NULL), 0);
		if (*cases[i].b)
			assert_int_equal(vm_vlan_parse(cases[i].b, &b, NULL), 0);
		vm_vlan_set_add(&out, 1, 2, NULL); /* cleared first */
		vm_vlan_set_subtract(&a, &b, &out);
		got = vm_vlan_set_format(&out);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s minus %s: got \"%s\", want \"%s\"", cases[i].a, cases[i].b, got, cases[i].want);
		free(got);
		vm_vlan_set_clear(&a);
		vm_vlan_set_clear(&b);
		vm_vlan_set_clear(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_merges),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_adds_to_existing),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_equal_and_round_trip),
		cmocka_unit_test(test_many_singletons),
		cmocka_unit_test(test_subtract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
