/* test_hmap.c — vm_hmap: duplicates walked in turn, case folding, growth past many
 * rehashes with every entry still found. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_hmap.h"

static void test_empty(void **state)
{
	struct vm_hmap m = {0};
	size_t pos = 0, v;

	(void)state;
	assert_int_equal(vm_hmap_next(&m, "x", &pos, &v), 0);
	vm_hmap_free(&m);
}

static void test_duplicates(void **state)
{
	struct vm_hmap m = {0};
	size_t pos = 0, v, seen = 0, n = 0;

	(void)state;
	vm_hmap_put(&m, "vm", 3);
	vm_hmap_put(&m, "other", 9);
	vm_hmap_put(&m, "vm", 5);
	while (vm_hmap_next(&m, "vm", &pos, &v)) {
		seen |= (size_t)1 << v;
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(seen, (1u << 3) | (1u << 5));
	pos = 0;
	assert_int_equal(vm_hmap_next(&m, "VM", &pos, &v), 0); /* case matters unless folded */
	vm_hmap_free(&m);
}

static void test_fold(void **state)
{
	struct vm_hmap m = {.fold = 1};
	size_t pos = 0, v;

	(void)state;
	vm_hmap_put(&m, "4206a1b2-c3d4", 7);
	assert_int_equal(vm_hmap_next(&m, "4206A1B2-C3D4", &pos, &v), 1);
	assert_int_equal(v, 7);
	assert_int_equal(vm_hmap_next(&m, "4206A1B2-C3D4", &pos, &v), 0);
	vm_hmap_free(&m);
}

static void test_many(void **state)
{
	enum { N = 20000 };
	char (*keys)[16] = malloc(N * sizeof(*keys));
	struct vm_hmap m = {0};

	(void)state;
	for (size_t i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "vm-%zu", i);
		vm_hmap_put(&m, keys[i], i);
	}
	assert_int_equal(m.n, N);
	for (size_t i = 0; i < N; i++) {
		size_t pos = 0, v;
		assert_int_equal(vm_hmap_next(&m, keys[i], &pos, &v), 1);
		assert_int_equal(v, i);
		assert_int_equal(vm_hmap_next(&m, keys[i], &pos, &v), 0);
	}
	{
		size_t pos = 0, v;
		assert_int_equal(vm_hmap_next(&m, "vm-20000", &pos, &v), 0);
	}
	vm_hmap_free(&m);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
