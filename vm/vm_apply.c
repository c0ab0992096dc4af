#include "vm_apply.h"

#include <stdlib.h>

#include "vm_alloc.h"
#include "vm_ipplan.h"
#include "vm_netplan.h"
#include "vm_text.h"

/* The part of the script that is the same for every agent (vm/vtrunk-apply.sh.in, made
 * a C string by the Makefile so it stays a shell file one can read and shellcheck); the
 * per-agent facts are shell variables set above it, each quoted by vm_guest_sh_quote(). */
static const char body[] =
#include "vm_apply_body.h"
	;

static void var_add(struct vm_buf *b, const char *name, const char *value)
{
	vm_buf_addf(b, "%s=", name);
	if (*value)
		vm_guest_sh_quote(b, value);
	vm_buf_adds(b, "\n");
}

char *vm_apply_emit(const struct vm_plan *plan, size_t agent_index,
		    const struct vm_guest_agent *agent)
{
	const struct vm_plan_agent *a = &plan->agents[agent_index];
	char tmac[VM_GUEST_MACLEN], mmac[VM_GUEST_MACLEN];
	struct vm_guest_names nm;
	struct vm_buf b = {0};
	int daemon = vm_guest_docker_needs_experimental(plan->guest.docker_version) == 1;

	vm_guest_names_get(plan, agent, &nm);
	vm_guest_bind_macs(agent, tmac, mmac);
	vm_buf_adds(&b, "#!/bin/bash\n# vtrunk-apply.sh for VM \"");
	vm_text_comment_add(&b, a->vm);
	vm_buf_addf(&b, "\" (slot %d), written by vtrunk.\n", a->slot);
	vm_buf_adds(&b,
		    "# Installs the files beside this script into / (or under --root DIR), loads\n"
		    "# 8021q, merges etc/docker/daemon.json into the one in place without losing its\n"
		    "# keys, and creates the Docker ipvlan networks (docker-networks.sh). Safe to run\n"
		    "# again: it decides from the live system (is the trunk up?), not only from the\n"
		    "# files in place. Copy the whole directory to the VM: the script installs the\n"
		    "# files it sits beside.\n"
		    "#\n"
		    "# It refuses, changing nothing, when the result could cut management: the NIC\n"
		    "# with the management (or trunk) MAC is missing or named otherwise than in the\n"
		    "# files, another file configures the same NICs (the installer's or cloud-init's\n"
		    "# netplan file, a stanza in /etc/network/interfaces), the management NIC has\n"
		    "# another address than the files give it, or daemon.json cannot be read. All\n"
		    "# checks run before anything is written; the flags below say what to do instead.\n"
		    "#\n"
		    "# usage: vtrunk-apply.sh [--root DIR] [--dry-run] [--format F] [--from-guestinfo [--wait S]]\n"
		    "#                        [--take-over] [--rename] [--readdress] [--install-vlan]\n"
		    "#   --root DIR   write under DIR instead of /, and skip what needs the live\n"
		    "#                system (NIC checks, modprobe, netplan apply, ifup, docker)\n"
		    "#   --dry-run    show what would change; change nothing\n"
		    "#   --format F   the interface file to install: ifupdown, netplan, both, or auto\n"
		    "#                (netplan when the netplan command exists, else ifupdown;\n"
		    "#                both under --root)\n"
		    "#   --from-guestinfo  take the netplan file and docker-networks.sh from this\n"
		    "#                VM's guestinfo (written by `vtrunk apply --guestinfo`), read\n"
		    "#                with vmware-rpctool or vmtoolsd; implies --format netplan; the\n"
		    "#                checks use that file's facts, so any agent's copy of this\n"
		    "#                script serves every agent VM of the plan\n"
		    "#   --wait S     with --from-guestinfo: wait up to S seconds for the guestinfo\n"
		    "#                to appear (a clone boots before `vtrunk watch` writes it)\n"
		    "#   --take-over  other files that configure the trunk or management NIC are\n"
		    "#                disabled: such netplan files are moved aside (FILE.vtrunk-orig;\n"
		    "#                refused when they also configure other NICs), cloud-init's\n"
		    "#                network configuration is turned off (/etc/cloud/cloud.cfg.d/\n"
		    "#                99-disable-network-config.cfg), and their stanzas in\n"
		    "#                /etc/network/interfaces(.d) are commented out, other lines kept\n"
		    "#   --rename     NICs named otherwise than in the files get the files' names at\n"
		    "#                the next boot (netplan match/set-name; with ifupdown,\n"
		    "#                /etc/systemd/network/10-vtrunk-{trunk,mgmt}.link by MAC);\n"
		    "#                nothing is applied now: reboot, then run it again\n"
		    "#   --readdress  the management NIC gets the files' address although it has\n"
		    "#                another now (netplan apply: at once; ifupdown: at the next\n"
		    "#                boot), and an address on the trunk NIC is dropped\n"
		    "#   --install-vlan  also install the vlan package (vconfig) when a package\n"
		    "#                source offers it; Docker needs only the 8021q module, which\n"
		    "#                is loaded and listed in modules-load.d either way\n"
		    "# Files it replaces are kept once (FILE.vtrunk-orig; for interfaces.d,\n"
		    "# /etc/network/interfaces.vtrunk-orig.d/) and listed at the end.\n"
		    "set -eu\n\n");
	var_add(&b, "VM", a->vm);
	var_add(&b, "TRUNK", nm.trunk);
	var_add(&b, "MGMT", nm.mgmt);
	vm_buf_adds(&b, "# The MACs vCenter reported ('' when unknown): on a VM with no NIC that has\n"
			"# them, the script stops, since this directory is another VM's.\n");
	var_add(&b, "TRUNK_MAC", tmac);
	var_add(&b, "MGMT_MAC", mmac);
	{
		char ip[VM_IP_STRLEN], *cidr;
		vm_ip_format(a->mgmt_address, ip);
		/* A DHCP management NIC ("mgmt": "dhcp") has no address to check. */
		cidr = a->mgmt_dhcp ? vm_xstrdup("") : vm_xasprintf("%s/%d", ip, plan->management.prefix);
		var_add(&b, "MGMT_ADDR", cidr);
		free(cidr);
	}
	var_add(&b, "TRUNK_DRIVER", vm_netplan_driver(plan->trunk.nic_type));
	vm_buf_addf(&b, "HAVE_IFUPDOWN=%d\nHAVE_NETPLAN=%d\nHAVE_DAEMON=%d\n",
		    !!(plan->guest.formats & VM_FMT_IFUPDOWN),
		    !!(plan->guest.formats & VM_FMT_NETPLAN), daemon);
	vm_buf_adds(&b, body);
	return vm_buf_steal(&b);
}
