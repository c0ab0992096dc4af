/* test_page.c — the bounds on what a server controls: pages and objects of a paged read
 * (vs_page_next), and how often a stalled call is sent (vs_err_retry_tries). */
#include "unit.h"

#include <string.h>

#include "vs_page.h"
#include "vs_session.h"

static void assert_msg_has(const struct vm_err *err, const char *want)
{
	if (!strstr(err->msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, want);
}

/* The last page (no token) ends the read whatever the counts. */
static void test_last_page_ends(void **state)
{
	struct vs_page_count c;
	struct vm_err err = {0};

	(void)state;
	vs_page_begin(&c, 0);
	assert_int_equal(vs_page_next(&c, "RetrievePropertiesEx", VS_PAGE_OBJECTS_MAX + 1, 0, 0, 1, &err), 0);
	assert_int_equal(c.pages, 1);
	assert_int_equal(err.kind, VM_ERR_NONE);
}

/* Full pages: the largest inventory allowed is read; one page more is not asked for. */
static void test_objects_bound(void **state)
{
	struct vs_page_count c;
	struct vm_err err = {0};
	size_t pages = VS_PAGE_OBJECTS_MAX / VS_PAGE_OBJECTS;

	(void)state;
	vs_page_begin(&c, 0);
	for (size_t i = 1; i < pages; i++)
		assert_int_equal(vs_page_next(&c, "ContinueRetrievePropertiesEx", VS_PAGE_OBJECTS, 70000, 1, 0, &err), 0);
	assert_int_equal(vs_page_next(&c, "ContinueRetrievePropertiesEx", VS_PAGE_OBJECTS, 70000, 1, 0, &err), -1);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	assert_msg_has(&err, "ContinueRetrievePropertiesEx: vCenter kept paging: 500 pages, 250000 objects, 33 MiB");
	assert_msg_has(&err, "stopped (vtrunk reads at most 1016 pages, 250000 objects, 1024 MiB)");
}

/* Pages that bring nothing (or one object each) end at the page bound, which leaves room
 * for a vCenter sending half the objects asked for. */
static void test_pages_bound(void **state)
{
	struct vs_page_count c;
	struct vm_err err = {0};
	size_t i = 0;

	(void)state;
	vs_page_begin(&c, 0);
	while (vs_page_next(&c, "ContinueRetrievePropertiesEx", i == 0, 300, 1, 0, &err) == 0)
		i++;
	assert_int_equal(c.pages, VS_PAGE_PAGES_MAX);
	assert_int_equal(c.objects, 1);
	assert_msg_has(&err, "kept paging: 1016 pages, 1 objects");
	assert_true(VS_PAGE_PAGES_MAX >= 2 * VS_PAGE_OBJECTS_MAX / VS_PAGE_OBJECTS);
}

/* Fat pages end at the byte bound. */
static void test_bytes_bound(void **state)
{
	struct vs_page_count c;
	struct vm_err err = {0};

	(void)state;
	vs_page_begin(&c, 0);
	for (int i = 0; i < 63; i++)
		assert_int_equal(vs_page_next(&c, "ContinueRetrievePropertiesEx", 10, 16u << 20, 1, 0, &err), 0);
	assert_int_equal(vs_page_next(&c, "ContinueRetrievePropertiesEx", 10, 16u << 20, 1, 0, &err), -1);
	assert_msg_has(&err, "64 pages, 640 objects, 1024 MiB");
}

/* A signal since the read began stops it after the page in flight; a read begun after the
 * first signal (the read-back that makes the report true) goes on until the second. */
static void test_signal(void **state)
{
	struct vs_page_count c;
	struct vm_err err = {0};

	(void)state;
	vs_page_begin(&c, 0);
	assert_int_equal(vs_page_next(&c, "RetrievePropertiesEx", 500, 1000, 1, 0, &err), 0);
	assert_int_equal(vs_page_next(&c, "ContinueRetrievePropertiesEx", 500, 1000, 1, 1, &err), -1);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	assert_msg_has(&err, "ContinueRetrievePropertiesEx: stopped by a signal after 2 pages (1000 objects)");
	vm_err_clear(&err);
	vs_page_begin(&c, 1);
	assert_int_equal(vs_page_next(&c, "RetrievePropertiesEx", 500, 1000, 1, 1, &err), 0);
	assert_int_equal(vs_page_next(&c, "ContinueRetrievePropertiesEx", 500, 1000, 1, 2, &err), -1);
	/* The last page is kept, signal or not: the read is whole. */
	vs_page_begin(&c, 0);
	assert_int_equal(vs_page_next(&c, "RetrievePropertiesEx", 500, 1000, 0, 2, &err), 0);
}

static void test_stall_tries(void **state)
{
	(void)state;
	assert_int_equal(vs_err_retry_tries(3, 0), 4);
	assert_int_equal(vs_err_retry_tries(3, 1), VS_STALL_TRIES);
	assert_int_equal(VS_STALL_TRIES, 2);
	assert_int_equal(vs_err_retry_tries(0, 1), 1); /* no retries: none for a stall either */
	assert_int_equal(vs_err_retry_tries(0, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_page_ends),
		cmocka_unit_test(test_objects_bound),
		cmocka_unit_test(test_pages_bound),
		cmocka_unit_test(test_bytes_bound),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_stall_tries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
