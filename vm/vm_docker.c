#include "vm_docker.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vm_text.h"
#include "vm_ipplan.h"
#include "vm_reserved.h"

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

/* The shell functions of docker-networks.sh: compare an existing network with the wanted
 * one (driver, subnet, gateway, ip-range, parent), recreate it only with --recreate and
 * no container attached, and go on after a failure so every VLAN is tried. */
static const char networks_functions[] =
	"RECREATE=0\n"
	"case ${1:-} in\n"
	"'') ;;\n"
	"--recreate) RECREATE=1 ;;\n"
	"-h | --help) sed -n '2,/^$/s/^# \\{0,1\\}//p' \"$0\"; exit 0 ;;\n"
	"*) echo \"usage: $0 [--recreate]\" >&2; exit 2 ;;\n"
	"esac\n"
	"FAILED=0\n"
	"say() { printf 'docker-networks: %s\\n' \"$*\"; }\n"
	"fail() {\n"
	"\tprintf 'docker-networks: %s\\n' \"$*\" >&2\n"
	"\tFAILED=$((FAILED + 1))\n"
	"}\n"
	"# network NAME DRIVER SUBNET GATEWAY RANGE PARENT -- docker network create ARGS...\n"
	"# The aux addresses wanted are the create's --aux-address arguments, sorted as\n"
	"# Docker's template sorts its map.\n"
	"network() {\n"
	"\tlocal name=$1 want=\"$2 $3 $4 $5 $6\" have n a aux=\n"
	"\tshift 7\n"
	"\tfor a in \"$@\"; do case $a in --aux-address=*) aux=\"$aux ${a#--aux-address=}\" ;; esac; done\n"
	"\t# shellcheck disable=SC2086 # one word per NAME=IP\n"
	"\t[ -z \"$aux\" ] || aux=$(printf '%s\\n' $aux | LC_ALL=C sort | tr '\\n' ' ')\n"
	"\twant=\"$want aux:$aux\"\n"
	"\tif have=$(docker network inspect -f '{{.Driver}}{{range .IPAM.Config}}{{if .Subnet}} {{.Subnet}} {{.Gateway}} {{.IPRange}}{{end}}{{end}} {{index .Options \"parent\"}} aux:{{range .IPAM.Config}}{{range $k, $v := .AuxAddress}}{{$k}}={{$v}} {{end}}{{end}}' \"$name\" 2>/dev/null); then\n"
	"\t\tif [ \"$have\" = \"$want\" ]; then\n"
	"\t\t\tsay \"unchanged $name\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\tif [ \"$RECREATE\" = 0 ]; then\n"
	"\t\t\tfail \"$name differs: it has (driver subnet gateway ip-range parent aux) '$have', the plan wants '$want': run me with --recreate to replace it\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\tn=$(docker network inspect -f '{{len .Containers}}' \"$name\" 2>/dev/null) || n='?'\n"
	"\t\tif [ \"$n\" != 0 ]; then\n"
	"\t\t\tfail \"$name differs ('$have', wanted '$want') but has $n container(s) attached: stop them (docker network disconnect), then run me with --recreate\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\tif ! docker network rm \"$name\" >/dev/null; then\n"
	"\t\t\tfail \"cannot remove $name to recreate it\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\tsay \"removed $name ('$have') to recreate it\"\n"
	"\tfi\n"
	"\tif \"$@\" \"$name\" >/dev/null; then\n"
	"\t\tsay \"created $name\"\n"
	"\telse\n"
	"\t\tfail \"docker network create $name failed (above)\"\n"
	"\tfi\n"
	"}\n";

/* One VLAN's `docker network create` and its arguments (before the network's name). */
static void create_args_add(struct vm_buf *b, const struct vm_plan_vlan *v, int macvlan,
			    const char *net, const char *gw, const char *blk, uint32_t block,
			    const char *parent)
{
	vm_buf_addf(b, "docker network create -d %s --subnet=%s/%d --gateway=%s \\\n\t--ip-range=%s/%d",
		    macvlan ? "macvlan" : "ipvlan", net, v->prefix, gw, blk, v->agent_prefix);
	/* Only those inside this agent's range: Docker allocates nowhere else. */
	vm_reserved_aux_add(b, v, block);
	if (macvlan)
		vm_buf_adds(b, " -o macvlan_mode=bridge -o ");
	else
		vm_buf_adds(b, " -o ipvlan_mode=l2 -o "); /* l3: refused by vm_plan_validate */
	{
		char *opt = vm_xasprintf("parent=%s", parent);
		vm_guest_sh_quote(b, opt);
		free(opt);
	}
}

char *vm_docker_networks_emit(const struct vm_plan *plan, size_t agent_index,
			      const struct vm_guest_agent *agent)
{
	const struct vm_plan_agent *a = &plan->agents[agent_index];
	struct vm_guest_names nm;
	const char *trunk = nm.trunk;
	int macvlan = plan->trunk.driver == VM_DRIVER_MACVLAN;
	struct vm_buf b = {0};

	vm_guest_names_get(plan, agent, &nm);
	vm_buf_adds(&b, "#!/bin/bash\n# docker-networks.sh for VM \"");
	vm_text_comment_add(&b, a->vm);
	vm_buf_addf(&b, "\" (slot %d), written by vtrunk.\n", a->slot);
	vm_buf_addf(&b,
		    "# One Docker %s network per VLAN on the trunk NIC %s; Docker creates\n"
		    "# %s.<vlan> itself. A network that already exists is compared with the\n"
		    "# plan (driver, subnet, gateway, ip-range, parent, aux addresses): a\n"
		    "# difference is reported, and the network replaced only with --recreate\n"
		    "# when no container is attached. Every VLAN is tried; the exit status is 1 when any failed.\n"
		    "#\n"
		    "# usage: docker-networks.sh [--recreate]\n"
		    "\n"
		    "set -u\n",
		    macvlan ? "macvlan" : "ipvlan", trunk, trunk);
	vm_buf_adds(&b, networks_functions);
	if (plan->n_vlans == 0)
		vm_buf_adds(&b, "# The plan has no VLANs: nothing to create.\n");
	for (size_t i = 0; i < plan->n_vlans; i++) {
		const struct vm_plan_vlan *v = &plan->vlans[i];
		char net[VM_IP_STRLEN], gw[VM_IP_STRLEN], blk[VM_IP_STRLEN];
		uint32_t block = vm_ipplan_block_get(v, a->slot);
		char *parent = vm_xasprintf("%s.%d", trunk, v->id);
		char *cidr;

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
		{
			uint32_t nr = vm_reserved_count_in(v, block,
							   (uint64_t)1 << (32 - v->agent_prefix));

			if (nr)
				vm_buf_addf(&b, ", less %u reserved address%s (--aux-address)", nr,
					    nr == 1 ? "" : "es");
		}
		vm_buf_adds(&b, ".\n");
		vm_buf_adds(&b, "network ");
		vm_guest_sh_quote(&b, v->network);
		vm_buf_addf(&b, " %s", macvlan ? "macvlan" : "ipvlan");
		cidr = vm_xasprintf("%s/%d", net, v->prefix);
		vm_buf_addf(&b, " %s %s", cidr, gw);
		free(cidr);
		cidr = vm_xasprintf("%s/%d", blk, v->agent_prefix);
		vm_buf_addf(&b, " %s ", cidr);
		free(cidr);
		vm_guest_sh_quote(&b, parent);
		vm_buf_adds(&b, " -- \\\n\t");
		create_args_add(&b, v, macvlan, net, gw, blk, block, parent);
		vm_buf_adds(&b, "\n");
		free(parent);
	}
	vm_buf_adds(&b, "\nif [ \"$FAILED\" != 0 ]; then\n"
			"\tprintf 'docker-networks: %d network(s) not as planned (above)\\n' "
			"\"$FAILED\" >&2\n\texit 1\nfi\n");
	return vm_buf_steal(&b);
}
