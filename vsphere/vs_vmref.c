/* vs_vmref.c — see vs_vmref.h. */
#include "vs_vmref.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_alloc.h"
#include "vs_name.h"

#define PATH_DEPTH_MAX 64

char *vs_vmref_path_get(const struct vs_inventory *inv, const struct vs_vm *vm)
{
	const char *parts[PATH_DEPTH_MAX];
	const struct vs_moref *p, *up;
	const char *fname;
	struct vm_buf b = {0};
	size_t n = 0;

	parts[n++] = vm->name;
	/* Up to, not including, the root folder: it is outside the view, so it has no parent
	 * as read (and no name in any path). */
	for (p = vs_inventory_parent_get(inv, &vm->ref, NULL); p && n < PATH_DEPTH_MAX; p = up) {
		const char *name = NULL;
		up = vs_inventory_parent_get(inv, p, &fname);
		if (!up)
			break;
		if (strcmp(p->type, "Datacenter") == 0) {
			for (size_t i = 0; i < inv->n_dcs && !name; i++)
				if (strcmp(inv->dcs[i].ref.value, p->value) == 0)
					name = inv->dcs[i].name;
		} else {
			name = fname;
		}
		parts[n++] = name ? name : p->value;
	}
	/* Each name escaped (vs_name.h), as inventory paths write them (FindByInventoryPath,
	 * govc): a / in a name is %2f, so / only ever separates. */
	while (n > 0) {
		char *esc = vs_name_escape_dup(parts[--n]);
		vm_buf_adds(&b, "/");
		vm_buf_adds(&b, esc);
		free(esc);
	}
	return vm_buf_steal(&b);
}

static int matches(const struct vs_inventory *inv, const struct vs_vm *vm, enum vm_agent_by by, const char *key)
{
	const char *last;
	char *path;
	int same;

	switch (by) {
	case VM_AGENT_UUID:
		/* UUIDs are hex: vCenter writes them in lower case, people in either. */
		return (*vm->uuid && strcasecmp(vm->uuid, key) == 0) ||
		       (*vm->instance_uuid && strcasecmp(vm->instance_uuid, key) == 0);
	case VM_AGENT_MOREF:
		return strcmp(vm->ref.value, key) == 0;
	case VM_AGENT_PATH:
		/* The name first: the path is built only for the VMs of that name. */
		last = strrchr(key, '/');
		{
			char *esc = vs_name_escape_dup(vm->name);
			same = strcmp(esc, last ? last + 1 : key) == 0;
			free(esc);
			if (!same)
				return 0;
		}
		path = vs_vmref_path_get(inv, vm);
		same = strcmp(path, key) == 0;
		free(path);
		return same;
	default:
		return strcmp(vm->name, key) == 0;
	}
}

size_t vs_vmref_find(const struct vs_inventory *inv, int dc, enum vm_agent_by by, const char *key,
		     const struct vs_vm **found)
{
	size_t n = 0;

	*found = NULL;
	for (size_t i = 0; i < inv->n_vms; i++) {
		const struct vs_vm *vm = &inv->vms[i];
		if ((dc < 0 || vm->dc == dc) && matches(inv, vm, by, key)) {
			if (!n)
				*found = vm;
			n++;
		}
	}
	return n;
}
