#include "vm_docker.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vm_text.h"
#include "vm_ipplan.h"

char *vm_docker_daemon_emit(const struct vm_plan *plan)
{
	cJSON *o;
	char *s, *out;

	if (vm_guest_docker_needs_experimental(plan->guest.docker_version) != 1)
		return NULL;
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddTrueToObject(o, "experimental") || !(s = cJSON_Print(o)))
		abort(); /* cJSON only fails on out-of-memory */
	out = vm_xasprintf("%s\n", s);
	cJSON_free(s);
	cJSON_Delete(o);
	return out;
}

/* Says which of the addresses Docker never hands out fall inside the block, so the
 * usable count in the comment can be checked by hand. */
static void excluded_add(struct vm_buf *b, const struct vm_plan_vlan *v, uint32_t block)
{
	uint32_t bsize = (uint32_t)1 << (32 - v->agent_prefix);
	uint32_t bcast = v->subnet | ~vm_ip_mask(v->prefix);
	const char *what[3];
	size_t n = 0;

	if (v->subnet >= block && v->subnet - block < bsize)
		what[n++] = "the subnet's network address";
	if (v->gateway >= block && v->gateway - block < bsize)
		what[n++] = "the gateway";
	if (bcast >= block && bcast - block < bsize)
		what[n++] = "the subnet's broadcast address";
	if (n == 0) {
		vm_buf_adds(b, "the whole block");
		return;
	}
	vm_buf_adds(b, "the whole block less ");
	for (size_t i = 0; i < n; i++)
		vm_buf_addf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", what[i]);
}

char *vm_docker_networks_emit(const struct vm_plan *plan, size_t agent_index,
			      const struct vm_guest_agent *agent)
{
	const struct vm_plan_agent *a = &plan->agents[agent_index];
	const char *trunk = plan->guest.trunk_ifname;
	int macvlan = plan->trunk.driver == VM_DRIVER_MACVLAN;
	struct vm_buf b = {0};

	(void)agent;
	vm_buf_adds(&b, "#!/bin/bash\n# docker-networks.sh for VM \"");
	vm_text_comment_add(&b, a->vm);
	vm_buf_addf(&b, "\" (slot %d), written by vtrunk.\n", a->slot);
	vm_buf_addf(&b,
		    "# One Docker %s network per VLAN on the trunk NIC %s; Docker creates\n"
		    "# %s.<vlan> itself. A network that already exists is left as it is.\n"
		    "set -eu\n",
		    macvlan ? "macvlan" : "ipvlan", trunk, trunk);
	if (plan->n_vlans == 0)
		vm_buf_adds(&b, "# The plan has no VLANs: nothing to create.\n");
	for (size_t i = 0; i < plan->n_vlans; i++) {
		const struct vm_plan_vlan *v = &plan->vlans[i];
		char net[VM_IP_STRLEN], gw[VM_IP_STRLEN], blk[VM_IP_STRLEN];
		uint32_t block = vm_ipplan_block_get(v, a->slot);
		char *parent = vm_xasprintf("%s.%d", trunk, v->id);

		vm_ip_format(v->subnet, net);
		vm_ip_format(v->gateway, gw);
		vm_ip_format(block, blk);
		vm_buf_addf(&b,
			    "\n# VLAN %d: subnet %s/%d, gateway %s; %u addresses usable in the "
			    "VLAN.\n",
			    v->id, net, v->prefix, gw, vm_ipplan_vlan_usable(v));
		vm_buf_addf(&b, "# This agent's block (slot %d of %u): %s/%d, %u usable:\n# ", a->slot,
			    vm_ipplan_blocks(v), blk, v->agent_prefix,
			    vm_ipplan_block_usable(v, a->slot));
		excluded_add(&b, v, block);
		vm_buf_adds(&b, ".\n");
		if (v->mode == VM_MODE_L3)
			vm_buf_adds(&b, "# l3: containers route through the parent, not via the "
					"gateway; --gateway\n# still keeps Docker from handing its "
					"address out.\n");
		vm_buf_adds(&b, "docker network inspect ");
		vm_guest_sh_quote(&b, v->network);
		vm_buf_addf(&b, " >/dev/null 2>&1 ||\n\tdocker network create -d %s",
			    macvlan ? "macvlan" : "ipvlan");
		vm_buf_addf(&b, " --subnet=%s/%d --gateway=%s \\\n\t\t--ip-range=%s/%d", net,
			    v->prefix, gw, blk, v->agent_prefix);
		if (macvlan)
			vm_buf_adds(&b, " -o macvlan_mode=bridge -o ");
		else
			vm_buf_addf(&b, " -o ipvlan_mode=%s -o ", v->mode == VM_MODE_L3 ? "l3" : "l2");
		{
			char *opt = vm_xasprintf("parent=%s", parent);
			vm_guest_sh_quote(&b, opt);
			free(opt);
		}
		vm_buf_adds(&b, " ");
		vm_guest_sh_quote(&b, v->network);
		vm_buf_adds(&b, "\n");
		free(parent);
	}
	return vm_buf_steal(&b);
}
