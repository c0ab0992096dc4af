#include "vm_netplan.h"

#include <stdint.h>
#include <stdlib.h>

#include "vm_alloc.h"
#include "vm_text.h"
#include "vm_ipplan.h"

const char *vm_netplan_driver(enum vm_nic_type type)
{
	switch (type) {
	case VM_NIC_E1000E: return "e1000e";
	case VM_NIC_E1000: return "e1000";
	default: return "vmxnet3";
	}
}

/* The lines every interface gets: who it is, and how it is found. driver (or NULL) is
 * matched too: Docker's ipvlan children and the VLAN sub-interfaces share the trunk's
 * MAC, and a match on the MAC alone would rename them ("Failed to rename ... to ens160").
 * dhcp: the address comes from DHCP ("mgmt": "dhcp", autoscaled clones). */
static void iface_head_add(struct vm_buf *b, const char *ifname, const char *mac,
			   const char *driver, int dhcp)
{
	vm_buf_adds(b, "    ");
	vm_guest_yaml_quote(b, ifname);
	/* Per interface rather than network-wide, so other files' devices keep theirs. */
	vm_buf_adds(b, ":\n      renderer: networkd\n");
	if (*mac) {
		vm_buf_adds(b, "      match:\n        macaddress: ");
		vm_guest_yaml_quote(b, mac);
		if (driver) {
			vm_buf_adds(b, "\n        driver: ");
			vm_guest_yaml_quote(b, driver);
		}
		vm_buf_adds(b, "\n      set-name: ");
		vm_guest_yaml_quote(b, ifname);
		vm_buf_adds(b, "\n");
	}
	vm_buf_adds(b, dhcp ? "      dhcp4: true\n      dhcp6: false\n" : "      dhcp4: false\n      dhcp6: false\n");
}

static void list_add(struct vm_buf *b, const char *indent, const char *key, char **v, size_t n,
		     int as_ip)
{
	vm_buf_addf(b, "%s%s:\n", indent, key);
	for (size_t i = 0; i < n; i++) {
		char ip[VM_IP_STRLEN];
		uint32_t addr = 0;
		vm_buf_addf(b, "%s  - ", indent);
		if (as_ip) {
			vm_ip_parse(v[i], &addr);
			vm_ip_format(addr, ip);
			vm_guest_yaml_quote(b, ip);
		} else {
			vm_guest_yaml_quote(b, v[i]);
		}
		vm_buf_adds(b, "\n");
	}
}

char *vm_netplan_emit(const struct vm_plan *plan, size_t agent_index,
		      const struct vm_guest_agent *agent)
{
	const struct vm_plan_agent *a = &plan->agents[agent_index];
	const struct vm_plan_mgmt *m = &plan->management;
	struct vm_guest_names nm;
	const char *trunk = nm.trunk, *mgmt = nm.mgmt;
	char tmac[VM_GUEST_MACLEN], mmac[VM_GUEST_MACLEN], ip[VM_IP_STRLEN];
	char *ranges = vm_vlan_set_format(&plan->trunk.vlans);
	struct vm_buf b = {0};

	vm_guest_names_get(plan, agent, &nm);
	vm_guest_bind_macs(agent, tmac, mmac);
	vm_buf_adds(&b, "# /etc/netplan/60-vtrunk.yaml for VM \"");
	vm_text_comment_add(&b, a->vm);
	vm_buf_addf(&b, "\" (slot %d), written by vtrunk.\n", a->slot);
	vm_buf_addf(&b,
		    "# %s is the trunk (VLANs %s): up, no address; Docker's ipvlan driver\n"
		    "# creates %s.<vlan> itself. %s is the management NIC.\n",
		    trunk, ranges, trunk, mgmt);
	if (!*tmac && !*mmac)
		vm_buf_adds(&b, "# Both are bound by name: no usable MAC was known for them.\n");
	else if (!*tmac || !*mmac)
		vm_buf_addf(&b, "# %s is bound by name: no usable MAC was known for it.\n",
			    *tmac ? mgmt : trunk);
	if (nm.trunk_slot || nm.mgmt_slot) {
		vm_buf_adds(&b, "# Names from the PCI slots vCenter reports (udev's ens<slot>):");
		if (nm.trunk_slot)
			vm_buf_addf(&b, " %s at slot %d", trunk, nm.trunk_slot);
		if (nm.mgmt_slot)
			vm_buf_addf(&b, "%s %s at slot %d", nm.trunk_slot ? "," : "", mgmt, nm.mgmt_slot);
		vm_buf_adds(&b, ".\n");
	}
	/* What vtrunk-apply.sh --from-guestinfo checks the live VM against: in guestinfo it
	 * gets this file, not the agent's script. Names are plan or ens<slot> names (no
	 * spaces). */
	vm_ip_format(a->mgmt_address, ip);
	vm_buf_addf(&b, "# vtrunk-facts: trunk=%s trunk_mac=%s trunk_driver=%s mgmt=%s mgmt_mac=%s "
			"mgmt_address=",
		    trunk, tmac, vm_netplan_driver(plan->trunk.nic_type), mgmt, mmac);
	/* Empty for a DHCP management NIC: no address to check. */
	if (!a->mgmt_dhcp)
		vm_buf_addf(&b, "%s/%d", ip, m->prefix);
	vm_buf_adds(&b, "\n");
	vm_buf_adds(&b, "network:\n  version: 2\n  ethernets:\n");

	iface_head_add(&b, trunk, tmac, vm_netplan_driver(plan->trunk.nic_type), 0);
	/* No address: without these, networkd would still give it an IPv6 link-local
	 * address and listen for router advertisements on the untagged VLAN. */
	vm_buf_adds(&b, "      accept-ra: false\n      link-local: []\n");
	/* ...and systemd-networkd-wait-online would wait at boot for an address that
	 * never comes. */
	vm_buf_adds(&b, "      optional: true\n");

	/* The management NIC's type is not in the plan, and Docker makes no children on it. */
	iface_head_add(&b, mgmt, mmac, NULL, a->mgmt_dhcp);
	if (a->mgmt_dhcp) {
		/* "mgmt": "dhcp" (autoscaled clones): gateway and DNS come from the lease. */
		free(ranges);
		return vm_buf_steal(&b);
	}
	vm_ip_format(a->mgmt_address, ip);
	vm_buf_adds(&b, "      addresses:\n        - ");
	{
		char *cidr = vm_xasprintf("%s/%d", ip, m->prefix);
		vm_guest_yaml_quote(&b, cidr);
		free(cidr);
	}
	vm_buf_adds(&b, "\n");
	if (m->has_gateway) {
		vm_ip_format(m->gateway, ip);
		/* Not "to: default" (netplan < 0.103 rejects it) nor gateway4 (deprecated,
		 * netplan >= 0.103 warns). */
		vm_buf_adds(&b, "      routes:\n        - to: \"0.0.0.0/0\"\n          via: ");
		vm_guest_yaml_quote(&b, ip);
		vm_buf_adds(&b, "\n");
	}
	if (m->n_dns || m->n_search) {
		vm_buf_adds(&b, "      nameservers:\n");
		if (m->n_dns)
			list_add(&b, "        ", "addresses", m->dns, m->n_dns, 1);
		if (m->n_search)
			list_add(&b, "        ", "search", m->search, m->n_search, 0);
	}
	free(ranges);
	return vm_buf_steal(&b);
}
