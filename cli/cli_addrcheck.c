#include "cli_addrcheck.h"

#include <stdio.h>
#include <string.h>

#include "vm_alloc.h"
#include "vm_ipplan.h"
#include "vs_guestnet.h"

/* The Tools addresses as "a, b" (or "none"), for messages. */
static char *ips_format(const struct vs_guest_nic *g)
{
	struct vm_buf b = {0};
	char ip[VM_IP_STRLEN];

	for (size_t i = 0; g && i < g->n_ipv4; i++) {
		vm_ip_format(g->ipv4[i], ip);
		vm_buf_addf(&b, "%s%s", i ? ", " : "", ip);
	}
	if (!b.len)
		vm_buf_adds(&b, "none");
	return vm_buf_steal(&b);
}

int cli_addrcheck(struct cli_sync *r, struct vm_err *err)
{
	cJSON *arr = cJSON_AddArrayToObject(r->report, "mgmt_check");
	size_t differs = 0;
	const char *first = NULL;
	char want[VM_IP_STRLEN], *firsthave = NULL, firstwant[VM_IP_STRLEN] = "";

	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct cli_agent *a = &r->agents[i];
		const struct vs_nic *nic;
		const struct vs_guest_nic *g;
		const char *result;
		cJSON *o, *tools;
		int match = 0;

		if (!a->vm || a->pa->mgmt_dhcp || a->diff.mgmt < 0)
			continue;
		nic = &a->vm->nics[a->diff.mgmt];
		g = vs_guestnet_find(&a->vm->gnet, nic->mac);
		vm_ip_format(a->pa->mgmt_address, want);
		for (size_t k = 0; g && k < g->n_ipv4; k++)
			match |= g->ipv4[k] == a->pa->mgmt_address;
		result = !g || !g->n_ipv4 ? "no_tools_data" : match ? "matches" : "differs";
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "vm", a->pa->vm);
		cJSON_AddStringToObject(o, "mac", nic->mac);
		cJSON_AddStringToObject(o, "mgmt_address", want);
		tools = cJSON_AddArrayToObject(o, "tools_addresses");
		for (size_t k = 0; g && k < g->n_ipv4; k++) {
			char ip[VM_IP_STRLEN];

			vm_ip_format(g->ipv4[k], ip);
			cJSON_AddItemToArray(tools, cJSON_CreateString(ip));
		}
		cJSON_AddStringToObject(o, "result", result);
		cJSON_AddItemToArray(arr, o);
		if (!strcmp(result, "no_tools_data")) {
			cli_info(r->ctx,
				 "vtrunk: note: VMware Tools reports no IPv4 address for \"%s\"'s management NIC "
				 "%s: its mgmt_address %s is not checked\n",
				 a->pa->vm, nic->mac, want);
			continue;
		}
		if (match)
			continue;
		{
			char *have = ips_format(g);

			if (!differs++) {
				first = a->pa->vm;
				firsthave = vm_xstrdup(have);
				memcpy(firstwant, want, sizeof(want));
			}
			if (!r->ctx->strict)
				fprintf(stderr,
					"vtrunk: warning: \"%s\": the plan's mgmt_address %s is not what VMware Tools "
					"reports on its management NIC %s (%s); its guest files would re-address it "
					"at the next reboot: check the plan (--strict makes this an error)\n",
					a->pa->vm, want, nic->mac, have);
			free(have);
		}
	}
	if (differs && r->ctx->strict) {
		vm_err_set(err, VM_ERR_FAULT,
			   "\"%s\": the plan's mgmt_address %s is not what VMware Tools reports on its "
			   "management NIC (%s)%s; nothing was changed (fix the plan, or leave out --strict)",
			   first, firstwant, firsthave,
			   differs > 1 ? ", and other agents differ too (see --json's mgmt_check)" : "");
		free(firsthave);
		return -1;
	}
	free(firsthave);
	return 0;
}
