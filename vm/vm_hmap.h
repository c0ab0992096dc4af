/* vm_hmap.h — a small string-keyed hash map of indexes, for lookups that would
 * otherwise scan every VM, parent or task once per query (quadratic at 10000 VMs).
 * Several entries may share a key: vm_hmap_next() walks each of them.
 *
 * Ownership: the map owns its slot array only; keys are borrowed and must stay put
 * (and unchanged) as long as the map is used. vm_hmap_free() releases the slots.
 */
#ifndef VM_HMAP_H
#define VM_HMAP_H

#include <stddef.h>

struct vm_hmap_slot {
	const char *key; /* borrowed; NULL: empty */
	size_t hash;
	size_t val;
};

struct vm_hmap {
	struct vm_hmap_slot *slots; /* owned */
	size_t cap, n;              /* cap: 0 or a power of two */
	int fold;                   /* keys compared ignoring ASCII case (UUIDs) */
};

/* Adds key -> val (a duplicate key adds another entry). */
void vm_hmap_put(struct vm_hmap *m, const char *key, size_t val);
/* Walks the entries of key: *pos 0 to start; returns 1 with *val set while there is one,
 * then 0. */
int vm_hmap_next(const struct vm_hmap *m, const char *key, size_t *pos, size_t *val);
void vm_hmap_free(struct vm_hmap *m);

#endif
