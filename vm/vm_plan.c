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
	for (size_t i = 0; i < p->n_vlans; i++) {
		free(p->vlans[i].network);
		free(p->vlans[i].reserved);
	}
	free(p->vlans);
	for (size_t i = 0; i < p->n_agents; i++) {
		free(p->agents[i].vm);
		free(p->agents[i].ref);
	}
	free(p->agents);
	free(p->autoscale.match);
	free(p->autoscale.tag);
	free(p);
	*plan = NULL;
}

int vm_plan_name_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == '-';
}

int vm_plan_docker_name_ok(const char *s)
{
	if (!s || !*s || *s == '_' || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++)
		if (!vm_plan_name_char_ok(*s))
			return 0;
	return 1;
}
