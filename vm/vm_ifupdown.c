#include "vm_ifupdown.h"

#include <stdint.h>
#include <stdlib.h>

#include "vm_alloc.h"
#include "vm_text.h"
#include "vm_ipplan.h"

/* Makes ifup refuse a NIC whose MAC is not the one vCenter reported: ifupdown cannot
 * match by MAC portably (patterns and `rename` came late), and configuring the
 * management address on the trunk NIC of a VM whose NICs were renumbered is worse
 * than a loud failure. */
static void mac_guard_add(struct vm_buf *b, const char *mac)
{
	if (!*mac)
		return;
	vm_buf_adds(b, "\t# Refuses a NIC that is not the one vCenter reported.\n");
	vm_buf_addf(b, "\tpre-up [ \"$(cat /sys/class/net/$IFACE/address)\" = %s ]\n", mac);
}

static void nic_comment_add(struct vm_buf *b, const char *what, const char *mac,
			    const struct vm_guest_nic *nic, const char *planned_pg)
{
	const char *pg = nic && nic->portgroup ? nic->portgroup : planned_pg;

	vm_buf_addf(b, "# %s", what);
	if (*mac)
		vm_buf_addf(b, ", MAC %s", mac);
	if (pg) {
		vm_buf_adds(b, ", port group \"");
		vm_text_comment_add(b, pg);
		vm_buf_adds(b, "\"");
	}
	vm_buf_adds(b, "\n");
}

char *vm_ifupdown_emit(const struct vm_plan *plan, size_t agent_index,
		       const struct vm_guest_agent *agent)
{
	const struct vm_plan_agent *a = &plan->agents[agent_index];
	const struct vm_plan_mgmt *m = &plan->management;
	struct vm_guest_names nm;
	const char *trunk = nm.trunk, *mgmt = nm.mgmt;
	char tmac[VM_GUEST_MACLEN], mmac[VM_GUEST_MACLEN], ip[VM_IP_STRLEN];
	char *ranges = vm_vlan_set_format(&plan->trunk.vlans), *what;
	struct vm_buf b = {0};

	vm_guest_names_get(plan, agent, &nm);
	vm_guest_bind_macs(agent, tmac, mmac);
	vm_buf_adds(&b, "# /etc/network/interfaces.d/vtrunk for VM \"");
	vm_text_comment_add(&b, a->vm);
	vm_buf_addf(&b, "\" (slot %d), written by vtrunk.\n", a->slot);
	vm_buf_addf(&b,
		    "# %s is the management NIC. %s is the trunk: it carries the tagged VLANs\n"
		    "# and has no address. No VLAN interfaces are defined here: Docker's ipvlan\n"
		    "# driver creates %s.<vlan> itself, and defining them too would fight it.\n"
		    "# Read through /etc/network/interfaces' `source /etc/network/interfaces.d/*`\n"
		    "# (vtrunk-apply.sh adds it when missing); the other stanzas there stay.\n\n",
		    mgmt, trunk, trunk);

	nic_comment_add(&b, "Management NIC", mmac, vm_guest_mgmt_get(agent), m->network);
	vm_buf_addf(&b, "auto %s\niface %s inet %s\n", mgmt, mgmt, a->mgmt_dhcp ? "dhcp" : "static");
	mac_guard_add(&b, mmac);
	if (!a->mgmt_dhcp) {
		vm_ip_format(a->mgmt_address, ip);
		vm_buf_addf(&b, "\taddress %s\n", ip);
		vm_ip_format(vm_ip_mask(m->prefix), ip);
		vm_buf_addf(&b, "\tnetmask %s\n", ip);
	}
	/* With DHCP the gateway comes from the lease. */
	if (!a->mgmt_dhcp && m->has_gateway) {
		vm_ip_format(m->gateway, ip);
		vm_buf_addf(&b, "\tgateway %s\n", ip);
	}
	if (m->n_dns || m->n_search)
		vm_buf_adds(&b, "\t# dns-* options are implemented by the resolvconf package, "
				"if installed\n");
	if (m->n_dns) {
		vm_buf_adds(&b, "\tdns-nameservers");
		for (size_t i = 0; i < m->n_dns; i++) {
			uint32_t addr = 0;
			vm_ip_parse(m->dns[i], &addr);
			vm_ip_format(addr, ip);
			vm_buf_addf(&b, " %s", ip);
		}
		vm_buf_adds(&b, "\n");
	}
	if (m->n_search) {
		vm_buf_adds(&b, "\tdns-search");
		for (size_t i = 0; i < m->n_search; i++)
			vm_buf_addf(&b, " %s", m->search[i]);
		vm_buf_adds(&b, "\n");
	}
	vm_buf_adds(&b, "\n");

	what = vm_xasprintf("Trunk NIC (VLANs %s)", ranges);
	nic_comment_add(&b, what, tmac, vm_guest_trunk_get(agent), plan->trunk.portgroup);
	free(what);
	vm_buf_addf(&b, "auto %s\niface %s inet manual\n", trunk, trunk);
	mac_guard_add(&b, tmac);
	/* ifupdown before 0.8 left "manual" interfaces down; the ipvlan children need
	 * their parent's parent up. */
	vm_buf_adds(&b, "\tup ip link set dev $IFACE up\n\tdown ip link set dev $IFACE down\n");
	free(ranges);
	return vm_buf_steal(&b);
}
