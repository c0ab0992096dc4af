#include "vm_plan.h"

#include <stdlib.h>

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void vm_plan_free(struct vm_plan **plan)
{
	struct vm_plan *p;

	if (!plan || !*plan)
		return;
	p = *plan;
	free(p->datacenter);
	free(p->sw);
	free(p->trunk.portgroup);
	vm_vlan_set_clear(&p->trunk.vlans);
	free(p->management.network);
	free_strv(p->management.dns, p->management.n_dns);
	free_strv(p->management.search, p->management.n_search);
	free(p->guest.trunk_ifname);
	free(p->guest.mgmt_ifname);
	free(p->guest.docker_version);
	free(p->tags.category);
	free(p->tags.tag);
	for (size_t i = 0; i < p->n_vlans; i++)
		free(p->vlans[i].network);
	free(p->vlans);
	for (size_t i = 0; i < p->n_agents; i++)
		free(p->agents[i].vm);
	free(p->agents);
	free(p);
	*plan = NULL;
}
