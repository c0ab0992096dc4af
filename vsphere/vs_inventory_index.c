/* vs_inventory_index.c — the hash lookups of struct vs_inventory (see vs_inventory.h):
 * VMs by name, moref and uuid, and the folder tree by child. Without them an apply of
 * N agents among N VMs compares N*N names, and linking N VMs to their datacenters walks
 * the N-entry parent list for every step up the tree. */
#include "vs_inventory.h"

#include <string.h>
#include <strings.h>

void vs_inventory_index_free(struct vs_inventory *inv)
{
	vm_hmap_free(&inv->by_name);
	vm_hmap_free(&inv->by_moref);
	vm_hmap_free(&inv->by_uuid);
	vm_hmap_free(&inv->by_parent);
	inv->index_vms = inv->index_parents = 0;
}

void vs_inventory_index_build(struct vs_inventory *inv)
{
	vs_inventory_index_free(inv);
	inv->by_uuid.fold = 1; /* vCenter writes UUIDs in lower case, people in either */
	for (size_t i = 0; i < inv->n_vms; i++) {
		const struct vs_vm *vm = &inv->vms[i];
		vm_hmap_put(&inv->by_name, vm->name, i);
		vm_hmap_put(&inv->by_moref, vm->ref.value, i);
		if (*vm->uuid)
			vm_hmap_put(&inv->by_uuid, vm->uuid, i);
		/* Once per VM even when both uuids are the same. */
		if (*vm->instance_uuid && strcasecmp(vm->instance_uuid, vm->uuid) != 0)
			vm_hmap_put(&inv->by_uuid, vm->instance_uuid, i);
	}
	for (size_t i = 0; i < inv->n_parents; i++)
		vm_hmap_put(&inv->by_parent, inv->parents[i].ref.value, i);
	inv->index_vms = inv->n_vms;
	inv->index_parents = inv->n_parents;
}

static int vm_is(const struct vs_inventory *inv, const struct vm_hmap *by, const struct vs_vm *vm, const char *key)
{
	if (by == &inv->by_name)
		return strcmp(vm->name, key) == 0;
	if (by == &inv->by_moref)
		return strcmp(vm->ref.value, key) == 0;
	return (*vm->uuid && strcasecmp(vm->uuid, key) == 0) ||
	       (*vm->instance_uuid && strcasecmp(vm->instance_uuid, key) == 0);
}

long vs_inventory_vm_next(const struct vs_inventory *inv, const struct vm_hmap *by, const char *key, size_t *pos)
{
	size_t val;

	if (inv->index_vms == inv->n_vms && inv->n_vms && by->cap)
		return vm_hmap_next(by, key, pos, &val) ? (long)val : -1;
	if (inv->index_vms == inv->n_vms && inv->n_vms && by == &inv->by_uuid)
		return -1; /* built, and no VM reports a uuid */
	/* Not built (or stale): a scan, *pos the next VM to look at. */
	for (; *pos < inv->n_vms; (*pos)++)
		if (vm_is(inv, by, &inv->vms[*pos], key))
			return (long)(*pos)++;
	return -1;
}

/* The folder-tree entry of ref, or NULL. */
const struct vs_parent *vs_inventory_parent_entry(const struct vs_inventory *inv, const struct vs_moref *ref)
{
	size_t pos = 0, i;

	if (inv->index_parents == inv->n_parents && inv->n_parents) {
		while (vm_hmap_next(&inv->by_parent, ref->value, &pos, &i))
			if (strcmp(inv->parents[i].ref.type, ref->type) == 0)
				return &inv->parents[i];
		return NULL;
	}
	for (i = 0; i < inv->n_parents; i++)
		if (strcmp(inv->parents[i].ref.value, ref->value) == 0 && strcmp(inv->parents[i].ref.type, ref->type) == 0)
			return &inv->parents[i];
	return NULL;
}
