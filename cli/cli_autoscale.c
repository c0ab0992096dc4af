#include "cli_autoscale.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vm_guestinfo.h"

int cli_autoscale_match(const struct vm_plan *plan, const char *name)
{
	if (!plan->has_autoscale || !name)
		return 0;
	return !plan->autoscale.match || fnmatch(plan->autoscale.match, name, 0) == 0;
}

int cli_autoscale_name_match(const struct vm_plan *plan, const char *name)
{
	return plan->has_autoscale && plan->autoscale.match && name && fnmatch(plan->autoscale.match, name, 0) == 0;
}

int cli_autoscale_held(const struct vs_vm *vm)
{
	const char *v = vs_vm_extra_get(vm, VM_GI_SLOT);
	char *end;
	long n;

	if (!v || *v < '0' || *v > '9')
		return -1;
	n = strtol(v, &end, 10);
	return *end || n > INT_MAX ? -1 : (int)n;
}

/* "vm-123": 123; morefs of another shape sort after, by their text. */
static long moref_num(const char *s)
{
	const char *dash = strrchr(s, '-');
	char *end;
	long n;

	if (!dash || dash[1] < '0' || dash[1] > '9')
		return -1;
	n = strtol(dash + 1, &end, 10);
	return *end ? -1 : n;
}

int cli_autoscale_moref_cmp(const char *a, const char *b)
{
	long na = moref_num(a), nb = moref_num(b);

	if (na >= 0 && nb >= 0 && na != nb)
		return na < nb ? -1 : 1;
	if ((na >= 0) != (nb >= 0))
		return na >= 0 ? -1 : 1;
	return strcmp(a, b);
}

struct claim {
	const struct vs_vm *vm;
	int held;   /* what it holds (or, for an agent, meant to hold); -1 none */
	long agent; /* index into r->agents, -1: a VM that is not an agent of this run */
	int slot;   /* out: decided; -1 none free */
};

static int claim_cmp(const void *pa, const void *pb)
{
	const struct claim *a = pa, *b = pb;
	return cli_autoscale_moref_cmp(a->vm->ref.value, b->vm->ref.value);
}

/* Every claim in priority order: the first holder of a slot in lo..hi keeps it; agents
 * without one take the lowest free slot. Claims that are not agents only keep. */
static void decide(struct claim *c, size_t n, int lo, int hi)
{
	/* The lowest free slot is at most lo + n: a window of n + 1 is enough. */
	char *used = vm_xcalloc(n + 1, 1);

	qsort(c, n, sizeof(*c), claim_cmp);
	for (size_t i = 0; i < n; i++) {
		c[i].slot = -1;
		if (c[i].held < lo || c[i].held > hi)
			continue;
		for (size_t k = 0; k < i; k++)
			if (c[k].slot == c[i].held)
				goto next;
		c[i].slot = c[i].held;
		if ((size_t)(c[i].slot - lo) <= n)
			used[c[i].slot - lo] = 1;
next:;
	}
	for (size_t i = 0; i < n; i++) {
		if (c[i].slot >= 0 || c[i].agent < 0)
			continue;
		for (size_t k = 0; k <= n && (long)lo + (long)k <= hi; k++)
			if (!used[k]) {
				used[k] = 1;
				c[i].slot = lo + (int)k;
				break;
			}
	}
	free(used);
}

static int listed_vm(const struct cli_sync *r, const struct vs_vm *vm)
{
	for (size_t i = 0; i < r->plan->n_listed; i++)
		if (r->agents[i].vm == vm)
			return 1;
	return 0;
}

void cli_autoscale_expand(struct cli_sync *r, size_t *full)
{
	struct vm_plan *plan = r->plan;
	const struct vm_plan_autoscale *as = &plan->autoscale;
	struct claim *c;
	size_t n = 0, added = 0;

	*full = 0;
	if (!plan->has_autoscale || !r->inv || r->diff.dc < 0)
		return;
	c = vm_xcalloc(r->inv->n_vms + 1, sizeof(*c));
	for (size_t i = 0; i < r->inv->n_vms; i++) {
		const struct vs_vm *vm = &r->inv->vms[i];
		int match;
		if (vm->dc != r->diff.dc || listed_vm(r, vm))
			continue;
		/* With a tag, both must hold (a tag nobody has: no VM matches). */
		match = cli_autoscale_match(plan, vm->name) &&
			(!as->tag || (r->as_tag_read && vs_tag_attached_get(&r->as_tag, &vm->ref)));
		c[n].vm = vm;
		c[n].held = cli_autoscale_held(vm);
		c[n].agent = match ? 0 : -1;
		/* A VM that does not match but holds a slot of the range still claims it. */
		if (match || (c[n].held >= as->slot_lo && c[n].held <= as->slot_hi))
			n++;
	}
	decide(c, n, as->slot_lo, as->slot_hi);
	for (size_t i = 0; i < n; i++)
		added += c[i].agent >= 0 && c[i].slot >= 0;
	plan->agents = vm_xrealloc(plan->agents, (plan->n_agents + added + 1) * sizeof(*plan->agents));
	r->agents = vm_xrealloc(r->agents, (plan->n_agents + added + 1) * sizeof(*r->agents));
	for (size_t i = 0; i < n; i++) {
		struct vm_plan_agent *pa;
		if (c[i].agent < 0)
			continue;
		if (c[i].slot < 0) {
			(*full)++;
			cli_info(r->ctx, "vtrunk: VM \"%s\" (%s) matches autoscale but slots %d-%d are all taken: "
					 "not configured (widen autoscale.slots)\n",
				 c[i].vm->name, c[i].vm->ref.value, as->slot_lo, as->slot_hi);
			continue;
		}
		pa = &plan->agents[plan->n_agents];
		memset(pa, 0, sizeof(*pa));
		memset(&r->agents[plan->n_agents], 0, sizeof(r->agents[0]));
		pa->vm = vm_xstrdup(c[i].vm->name);
		pa->by = VM_AGENT_MOREF;
		pa->ref = vm_xstrdup(c[i].vm->ref.value);
		pa->slot = c[i].slot;
		pa->slot_explicit = 1;
		pa->autoscale = 1;
		pa->mgmt_dhcp = as->mgmt_dhcp;
		plan->n_agents++;
	}
	free(c);
}

size_t cli_autoscale_reslot(struct cli_sync *r)
{
	struct vm_plan *plan = r->plan;
	const struct vm_plan_autoscale *as = &plan->autoscale;
	struct claim *c;
	size_t n = 0, moved = 0;

	if (!plan->has_autoscale || !r->inv || r->diff.dc < 0)
		return 0;
	c = vm_xcalloc(r->inv->n_vms + 1, sizeof(*c));
	for (size_t i = 0; i < r->inv->n_vms; i++) {
		const struct vs_vm *vm = &r->inv->vms[i];
		long agent = -1;
		if (vm->dc != r->diff.dc || listed_vm(r, vm))
			continue;
		for (size_t k = plan->n_listed; k < plan->n_agents; k++)
			if (r->agents[k].vm == vm)
				agent = (long)k;
		c[n].vm = vm;
		c[n].held = cli_autoscale_held(vm);
		c[n].agent = agent;
		/* An agent whose claim is not written yet stands by the slot it was given. */
		if (agent >= 0 && c[n].held < 0)
			c[n].held = plan->agents[agent].slot;
		if (agent >= 0 || (c[n].held >= as->slot_lo && c[n].held <= as->slot_hi))
			n++;
	}
	decide(c, n, as->slot_lo, as->slot_hi);
	for (size_t i = 0; i < n; i++) {
		struct vm_plan_agent *pa;
		if (c[i].agent < 0)
			continue;
		pa = &plan->agents[c[i].agent];
		if (c[i].slot >= 0 && c[i].slot != pa->slot) {
			cli_info(r->ctx, "vtrunk: VM \"%s\" (%s): slot %d is also held by a VM of higher priority; "
					 "moving to slot %d\n",
				 pa->vm, pa->ref, pa->slot, c[i].slot);
			pa->slot = c[i].slot;
			moved++;
		}
	}
	free(c);
	return moved;
}
