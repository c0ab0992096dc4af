#!/usr/bin/env bash
# PCI slot numbers of the agents' NICs (issue 12): the asynchronous test vCenter gives every
# ethernet card the VirtualDevice.slotInfo.pciSlotNumber ESXi would (tests/vcsim-async/slots.go):
# with VCSIM_MODEL_NIC=vmxnet3 the model's VM has its one card (ethernet0, the management NIC) at 160; `apply` on the VM
# powered off adds the trunk NIC as ethernet1 at 192; one added while it runs has no slot until
# it powers on (then 192). Debian's vcsim keeps its template e1000 at 32 and gives added NICs
# no slot (vtrunk's fallback path).
# Read back through pyvmomi (pyread.py vms).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
VCSIM_MODEL_NIC=vmxnet3 vcsim_start --vms 2 --trap || exit 1
vcsim_env
# slot VM PORTGROUP: pciSlotNumber of the VM's NIC on that port group (None: no slot).
slot() {
	vcsim_pyread vms | jsons "$(cat)" "[n['pci_slot'] for v in d if v['name'] == '$1' for n in v['nics'] if n['portgroup'] == '$2'][0]"
}
plan() { # plan VM FILE
	cat >"$2" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "DC0_DVPG0"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "$1", "mgmt_address": "10.0.0.5"}]}
J
}
OFF=DC0_H0_VM0 ON=DC0_C0_RP0_VM0
plan "$OFF" "$T_TMP/off.json"
plan "$ON" "$T_TMP/on.json"
if [ "${VCSIM_KIND:-debian}" = async ]; then
	expect_eq "$(slot "$OFF" DC0_DVPG0)" 160 "the model's management NIC (vmxnet3 ethernet0) is at slot 160"
	vcsim_pyread power "$OFF" off >/dev/null
	expect_rc 0 "apply adds the trunk NIC to the powered-off VM" vt apply -f "$T_TMP/off.json" -o "$T_TMP/out"
	expect_eq "$(slot "$OFF" Kasm-Trunk)" 192 "the trunk NIC (ethernet1) gets slot 192 at that reconfigure"
	expect_eq "$(slot "$OFF" DC0_DVPG0)" 160 "the management NIC keeps 160"
	expect_rc 0 "apply adds the trunk NIC to the running VM" vt apply -f "$T_TMP/on.json" -o "$T_TMP/out"
	expect_eq "$(slot "$ON" Kasm-Trunk)" None "a NIC added to a running VM has no slot yet"
	vcsim_pyread power "$ON" off >/dev/null
	vcsim_pyread power "$ON" on >/dev/null
	expect_eq "$(slot "$ON" Kasm-Trunk)" 192 "it gets 192 at the next power-on"
else
	expect_eq "$(slot "$OFF" DC0_DVPG0)" 32 "Debian's vcsim: the model's template e1000 at 32"
	expect_rc 0 "apply adds the trunk NIC" vt apply -f "$T_TMP/off.json" -o "$T_TMP/out"
	expect_eq "$(slot "$OFF" Kasm-Trunk)" None "and no slot for an added NIC (vtrunk's fallback path)"
fi
t_done
