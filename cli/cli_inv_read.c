/* cli_inv_read.c — see cli_inv_read.h. */
#include "cli_inv_read.h"

#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vs_vmref.h"

/* The datacenter vs_portgroup_diff_get will settle on, or -1 (any: it will fail then). */
static int plan_dc(const struct vm_plan *plan, const struct vs_inventory *inv)
{
	if (plan->datacenter)
		return vs_inventory_dc_find(inv, plan->datacenter);
	return inv->n_dcs == 1 ? 0 : -1;
}

/* The morefs of the VMs the plan's agents name, each once (owned by the caller). */
static struct vs_moref *agent_refs(const struct cli_sync *r, const struct vs_inventory *inv, size_t *n)
{
	struct vs_moref *refs = vm_xcalloc(r->plan->n_agents + 1, sizeof(*refs));
	unsigned char *seen = vm_xcalloc(inv->n_vms + 1, 1);
	int dc = plan_dc(r->plan, inv);

	*n = 0;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct vm_plan_agent *pa = &r->plan->agents[i];
		const struct vs_vm *vm;
		size_t at;

		/* An ambiguous name finds its first VM: the run refuses that agent anyway. */
		vs_vmref_find(inv, dc, pa->by, pa->ref ? pa->ref : pa->vm, &vm);
		if (!vm)
			continue;
		at = (size_t)(vm - inv->vms);
		if (seen[at])
			continue;
		seen[at] = 1;
		refs[(*n)++] = vm->ref;
	}
	free(seen);
	return refs;
}

int cli_inv_read(const struct cli_sync *r, unsigned what, struct vs_inventory **out, struct vm_err *err)
{
	*out = NULL;
	if (!(what & VS_INV_VMS) || r->mode == M_DESTROY || r->plan->has_autoscale)
		return vs_inventory_retrieve_call(r->s, what, out, err);
	/* Twice at most: a VM deleted between the two reads (ManagedObjectNotFound) is
	 * looked for again. */
	for (int attempt = 0;; attempt++) {
		struct vs_moref *refs;
		size_t n;
		int rc = 0;

		if (vs_inventory_retrieve_call(r->s, what | VS_INV_CHEAP, out, err) < 0)
			return -1;
		refs = agent_refs(r, *out, &n);
		if (n)
			rc = vs_inventory_details_call(r->s, what, *out, refs, n, err);
		free(refs);
		if (rc == 0)
			return 0;
		vs_inventory_free(out);
		if (attempt >= 1 || !err || strcmp(err->fault, "ManagedObjectNotFound") != 0)
			return -1;
	}
}
