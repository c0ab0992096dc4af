#include "vm_summary.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vm_text.h"
#include "vm_ipplan.h"
#include "vm_reserved.h"

/* cJSON returns NULL only when out of memory; treat it like vm_xmalloc does. */
static cJSON *ck(cJSON *j)
{
	if (!j)
		abort();
	return j;
}

static void str_add(cJSON *o, const char *key, const char *s)
{
	ck(s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key));
}

static void nic_add(cJSON *nics, const char *key, const struct vm_guest_nic *nic, const char *ifname)
{
	char mac[VM_GUEST_MACLEN];
	cJSON *o;

	if (!nic) {
		ck(cJSON_AddNullToObject(nics, key));
		return;
	}
	o = ck(cJSON_AddObjectToObject(nics, key));
	str_add(o, "mac", vm_guest_mac_norm(nic->mac, mac) == 0 ? mac : NULL);
	if (nic->key)
		ck(cJSON_AddNumberToObject(o, "key", nic->key));
	else
		ck(cJSON_AddNullToObject(o, "key"));
	str_add(o, "portgroup", nic->portgroup);
	str_add(o, "ifname", ifname);
	if (nic->pci_slot > 0)
		ck(cJSON_AddNumberToObject(o, "pci_slot", nic->pci_slot));
	else
		ck(cJSON_AddNullToObject(o, "pci_slot"));
	str_add(o, "label", nic->label);
}

static char *cidr(uint32_t addr, int prefix)
{
	char ip[VM_IP_STRLEN];

	vm_ip_format(addr, ip);
	return vm_xasprintf("%s/%d", ip, prefix);
}

static void ip_add(cJSON *o, const char *key, uint32_t addr)
{
	char ip[VM_IP_STRLEN];

	vm_ip_format(addr, ip);
	str_add(o, key, ip);
}

static void aux_json_add(void *ctx, const char *name, uint32_t ip)
{
	ip_add(ctx, name, ip);
}

char *vm_summary_emit(const struct vm_plan *plan, const struct vm_guest_agent *agents)
{
	cJSON *root = ck(cJSON_CreateObject()), *arr, *vl;
	char *s, *out;

	str_add(root, "container_driver", plan->trunk.driver == VM_DRIVER_MACVLAN ? "macvlan" : "ipvlan");
	str_add(root, "trunk_ifname", plan->guest.trunk_ifname);
	str_add(root, "mgmt_ifname", plan->guest.mgmt_ifname);
	vl = ck(cJSON_AddArrayToObject(root, "vlans"));
	for (size_t k = 0; k < plan->n_vlans; k++) {
		const struct vm_plan_vlan *v = &plan->vlans[k];
		cJSON *o = ck(cJSON_CreateObject());
		char *c = cidr(v->subnet, v->prefix);

		ck(cJSON_AddNumberToObject(o, "vlan", v->id));
		str_add(o, "network", v->network);
		str_add(o, "subnet", c);
		ip_add(o, "gateway", v->gateway);
		str_add(o, "mode", plan->trunk.driver == VM_DRIVER_MACVLAN ? "bridge" : "l2"); /* l3: refused */
		ck(cJSON_AddNumberToObject(o, "agent_prefix", v->agent_prefix));
		ck(cJSON_AddNumberToObject(o, "blocks", vm_ipplan_blocks(v)));
		ck(cJSON_AddNumberToObject(o, "usable", vm_ipplan_vlan_usable(v)));
		if (v->n_reserved) {
			cJSON *rs = ck(cJSON_AddArrayToObject(o, "reserved"));
			char e[32];

			for (size_t r = 0; r < v->n_reserved; r++) {
				vm_reserved_format(&v->reserved[r], e);
				cJSON_AddItemToArray(rs, ck(cJSON_CreateString(e)));
			}
		}
		cJSON_AddItemToArray(vl, o);
		free(c);
	}
	arr = ck(cJSON_AddArrayToObject(root, "agents"));
	for (size_t i = 0; i < plan->n_agents; i++) {
		const struct vm_plan_agent *a = &plan->agents[i];
		const struct vm_guest_agent *ga = agents ? &agents[i] : NULL;
		cJSON *o = ck(cJSON_CreateObject()), *nics, *ranges;
		struct vm_guest_names nm;
		char *c;

		vm_guest_names_get(plan, ga, &nm);

		str_add(o, "vm", a->vm);
		ck(cJSON_AddNumberToObject(o, "slot", a->slot));
		nics = ck(cJSON_AddObjectToObject(o, "nics"));
		nic_add(nics, "trunk", vm_guest_trunk_get(ga), nm.trunk);
		nic_add(nics, "mgmt", vm_guest_mgmt_get(ga), nm.mgmt);
		/* The names its files use (the root's are the plan's): from the PCI slots. */
		str_add(o, "trunk_ifname", nm.trunk);
		str_add(o, "mgmt_ifname", nm.mgmt);
		str_add(o, "trunk_ifname_from", nm.trunk_slot ? "pci_slot" : "plan");
		str_add(o, "mgmt_ifname_from", nm.mgmt_slot ? "pci_slot" : "plan");
		c = cidr(a->mgmt_address, plan->management.prefix);
		str_add(o, "mgmt_address", c);
		free(c);
		ranges = ck(cJSON_AddArrayToObject(o, "ranges"));
		for (size_t k = 0; k < plan->n_vlans; k++) {
			const struct vm_plan_vlan *v = &plan->vlans[k];
			cJSON *r = ck(cJSON_CreateObject());
			char *parent = vm_xasprintf("%s.%d", nm.trunk, v->id);
			uint32_t block = vm_ipplan_block_get(v, a->slot);

			ck(cJSON_AddNumberToObject(r, "vlan", v->id));
			str_add(r, "network", v->network);
			c = cidr(v->subnet, v->prefix);
			str_add(r, "subnet", c);
			free(c);
			ip_add(r, "gateway", v->gateway);
			c = cidr(block, v->agent_prefix);
			str_add(r, "ip_range", c);
			free(c);
			ck(cJSON_AddNumberToObject(r, "usable", vm_ipplan_block_usable(v, a->slot)));
			str_add(r, "parent", parent);
			free(parent);
			vm_reserved_aux_each(v, block, aux_json_add,
					     ck(cJSON_AddObjectToObject(r, "aux_addresses")));
			cJSON_AddItemToArray(ranges, r);
		}
		cJSON_AddItemToArray(arr, o);
	}
	/* Freed before the text is made: the tree and its text are not held together. */
	s = cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		abort();
	/* Port group names come from vCenter: C1 or bidi characters as \u escapes. Only when
	 * a byte past ASCII is there, so the common summary is not copied. */
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x7f) {
			char *safe = vm_text_json_safe(s);
			free(s);
			s = safe;
			break;
		}
	{
		/* One more byte for the final newline, in place (a large run's summary is
		 * big enough that a second copy shows in peak memory). */
		size_t len = strlen(s);
		out = vm_xrealloc(s, len + 2);
		out[len] = '\n';
		out[len + 1] = '\0';
	}
	return out;
}
