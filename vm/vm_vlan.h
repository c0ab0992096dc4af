/* vm_vlan.h — sets of VLAN ids (0–4094) as sorted, merged, non-adjacent ranges.
 *
 * Ownership: struct vm_vlan_set owns its .r array; vm_vlan_set_clear() frees it.
 * Strings returned by vm_vlan_set_format() are owned by the caller.
 */
#ifndef VM_VLAN_H
#define VM_VLAN_H

#include <stddef.h>

#include "vm_err.h"

#define VM_VLAN_MAX 4094

struct vm_vlan_range {
	int lo, hi; /* inclusive, lo <= hi */
};

struct vm_vlan_set {
	struct vm_vlan_range *r; /* owned; sorted by lo, overlapping/adjacent ranges merged */
	size_t n;
	size_t cap;
};

/* Adds lo..hi (inclusive), merging overlaps and adjacent ranges. Errors (kind usage)
 * name the range: out of 0–4094, or lo > hi ("reversed"). */
int vm_vlan_set_add(struct vm_vlan_set *set, int lo, int hi, struct vm_err *err);
/* Parses "100-200,300" (spaces allowed around items) into set (added to it). */
int vm_vlan_parse(const char *text, struct vm_vlan_set *set, struct vm_err *err);
int vm_vlan_set_contains(const struct vm_vlan_set *set, int id);
int vm_vlan_set_equal(const struct vm_vlan_set *a, const struct vm_vlan_set *b);
/* out (cleared first) = the ids of a that are not in b. */
void vm_vlan_set_subtract(const struct vm_vlan_set *a, const struct vm_vlan_set *b, struct vm_vlan_set *out);
/* "100-200,300"; "" for an empty set. */
char *vm_vlan_set_format(const struct vm_vlan_set *set);
void vm_vlan_set_clear(struct vm_vlan_set *set);

#endif
