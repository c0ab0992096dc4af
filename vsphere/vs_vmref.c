/* vs_vmref.c — see vs_vmref.h. */
#include "vs_vmref.h"

#include <stdlib.h>
#include <string.h>

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

/* Whether vm is the one key names by path (its name was matched already). */
static int path_matches(const struct vs_inventory *inv, const struct vs_vm *vm, const char *key)
{
	char *path = vs_vmref_path_get(inv, vm);
	int same = strcmp(path, key) == 0;

	free(path);
	return same;
}

size_t vs_vmref_find(const struct vs_inventory *inv, int dc, enum vm_agent_by by, const char *key,
		     const struct vs_vm **found)
{
	const struct vm_hmap *index = &inv->by_name;
	const char *lookup = key, *last;
	char *name = NULL;
	size_t n = 0, pos = 0;
	long first = -1;

	*found = NULL;
	switch (by) {
	case VM_AGENT_UUID:
		index = &inv->by_uuid;
		break;
	case VM_AGENT_MOREF:
		index = &inv->by_moref;
		break;
	case VM_AGENT_PATH:
		/* The name first: the path is built only for the VMs of that name. */
		last = strrchr(key, '/');
		/* A path writes each name escaped; the index holds them as people read them. */
		name = vs_name_unescape(vm_xstrdup(last ? last + 1 : key));
		lookup = name;
		break;
	default:
		break;
	}
	/* Hash lookups: the cost of one agent does not grow with the inventory. */
	for (long i; (i = vs_inventory_vm_next(inv, index, lookup, &pos)) >= 0;) {
		const struct vs_vm *vm = &inv->vms[i];
		if ((dc >= 0 && vm->dc != dc) || (by == VM_AGENT_PATH && !path_matches(inv, vm, key)))
			continue;
		/* The first in inventory order, as a scan would find it. */
		if (first < 0 || i < first)
			first = i;
		n++;
	}
	free(name);
	if (first >= 0)
		*found = &inv->vms[first];
	return n;
}
