/* fuzz_vlan.c — libFuzzer target for the VLAN range parser (vm_vlan_parse): on success the
 * set must be sorted, merged and in range, and format -> parse must give it back equal;
 * on failure the set it was adding to must be untouched. Aborts on any difference.
 *
 * Input: the text (a NUL-terminated copy; a NUL inside ends it, as it would in C). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vm_vlan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_check(const struct vm_vlan_set *s, const char *what)
{
	FUZZ_CHECK(s->n <= s->cap, "%s: n %zu > cap %zu", what, s->n, s->cap);
	for (size_t i = 0; i < s->n; i++) {
		FUZZ_CHECK(s->r[i].lo >= 0 && s->r[i].lo <= s->r[i].hi && s->r[i].hi <= VM_VLAN_MAX,
			   "%s: range %zu is %d-%d", what, i, s->r[i].lo, s->r[i].hi);
		FUZZ_CHECK(i == 0 || s->r[i - 1].hi + 1 < s->r[i].lo, "%s: ranges %zu and %zu not merged (%d-%d, %d-%d)",
			   what, i - 1, i, s->r[i - 1].lo, s->r[i - 1].hi, s->r[i].lo, s->r[i].hi);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_vlan_set set = {0}, again = {0};
	struct vm_err err;
	char *text, *fmt;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	/* Added to a set that already holds 100-200 and 4094: the parse merges into it. */
	vm_vlan_set_add(&set, 100, 200, NULL);
	vm_vlan_set_add(&set, 4094, 4094, NULL);
	vm_err_clear(&err);
	if (vm_vlan_parse(text, &set, &err) == 0) {
		set_check(&set, "parsed");
		FUZZ_CHECK(vm_vlan_set_contains(&set, 100) && vm_vlan_set_contains(&set, 200) &&
				   vm_vlan_set_contains(&set, 4094),
			   "the ranges the set held before are gone");
		fmt = vm_vlan_set_format(&set);
		vm_err_clear(&err);
		FUZZ_CHECK(vm_vlan_parse(fmt, &again, &err) == 0, "\"%s\" (formatted from \"%.200s\") does not parse: %s",
			   fmt, text, err.msg);
		set_check(&again, "reparsed");
		FUZZ_CHECK(vm_vlan_set_equal(&set, &again), "\"%.200s\" -> \"%s\" parses to another set", text, fmt);
		free(fmt);
		/* contains() agrees with the ranges, at and around each edge. */
		for (size_t i = 0; i < set.n; i++) {
			FUZZ_CHECK(vm_vlan_set_contains(&set, set.r[i].lo) && vm_vlan_set_contains(&set, set.r[i].hi),
				   "contains() misses an edge of %d-%d", set.r[i].lo, set.r[i].hi);
			FUZZ_CHECK(!vm_vlan_set_contains(&set, set.r[i].lo - 1) &&
					   !vm_vlan_set_contains(&set, set.r[i].hi + 1),
				   "contains() finds a neighbour of %d-%d", set.r[i].lo, set.r[i].hi);
		}
	} else {
		fuzz_err_check(&err, "vm_vlan_parse");
		FUZZ_CHECK(set.n == 2 && set.r[0].lo == 100 && set.r[0].hi == 200 && set.r[1].lo == 4094 &&
				   set.r[1].hi == 4094,
			   "a failed parse changed the set");
	}
	vm_vlan_set_clear(&set);
	vm_vlan_set_clear(&again);
	FUZZ_CHECK(set.r == NULL && set.n == 0, "vm_vlan_set_clear left something");
	free(text);
	return 0;
}
