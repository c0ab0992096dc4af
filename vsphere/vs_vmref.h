/* vs_vmref.h — finding a plan agent's VM in what was read: by name, by inventory path
 * (/DC0/vm/folder/name, as govc takes it), by BIOS or instance UUID, or by moref.
 * No network: everything comes from one vs_inventory_retrieve_call.
 *
 * Ownership: vs_vmref_path_get's result is the caller's; found VMs are borrowed from inv.
 */
#ifndef VS_VMREF_H
#define VS_VMREF_H

#include "vm_plan.h"
#include "vs_inventory.h"

/* The VM's inventory path (each name escaped, vs_name.h): "/" + the datacenter's folders, its name, "vm", the VM's folders
 * and its name (names as vCenter stores them). Owned. */
char *vs_vmref_path_get(const struct vs_inventory *inv, const struct vs_vm *vm);
/* How many VMs of datacenter dc (-1: any) `key` names, read as `by`; *found gets the
 * first (NULL when none). */
size_t vs_vmref_find(const struct vs_inventory *inv, int dc, enum vm_agent_by by, const char *key,
		     const struct vs_vm **found);

#endif
