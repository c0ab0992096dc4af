#!/usr/bin/env bash
# Guest interface names from PCI slots (issue 12, "Names from the hardware"): where vCenter
# reports a NIC's pciSlotNumber, every guest file calls it ens<slot> (what systemd/udev name
# it); the plan's guest.trunk_ifname/mgmt_ifname are the fallback for a NIC without a slot.
# The asynchronous test vCenter numbers cards as ESXi does (tests/vcsim-async/slots.go): with
# VCSIM_MODEL_NIC=vmxnet3 the model VM's management card is at 160, so the plan's defaults
# (trunk ens160, mgmt ens192) are the reverse of what the guest sees once apply adds the trunk
# at 192 to the powered-off VM. Debian's vcsim keeps its template e1000 at 32 and gives added
# NICs no slot. Files checked by real netplan and ifupdown; slots read back by pyvmomi.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
VCSIM_MODEL_NIC=vmxnet3 vcsim_start --vms 2 --trap || exit 1
vcsim_env
slot() { # VM PORTGROUP: pciSlotNumber of the VM's NIC on that port group (None: no slot)
	vcsim_pyread vms | jsons "$(cat)" "[n['pci_slot'] for v in d if v['name'] == '$1' for n in v['nics'] if n['portgroup'] == '$2'][0]"
}
plan() { # VM FILE
	cat >"$2" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "DC0_DVPG0", "prefix": 24},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "$1", "mgmt_address": "10.0.0.5"}]}
J
}
# files DIR VM TRUNK MGMT DESC: every file of VM in DIR names the trunk TRUNK and management MGMT.
files() {
	local d=$1/$2 t=$3 m=$4 desc=$5 root
	expect_in "$d/etc/netplan/60-vtrunk.yaml" "# vtrunk-facts: trunk=$t " "$desc: netplan's facts line names the trunk $t"
	expect_in "$d/etc/netplan/60-vtrunk.yaml" " mgmt=$m " "$desc: and management $m"
	expect_in "$d/docker-networks.sh" "-o parent=$t.150" "$desc: docker-networks.sh's parent is $t.150"
	expect_in "$d/vtrunk-apply.sh" "TRUNK=$t" "$desc: vtrunk-apply.sh's TRUNK is $t"
	expect_in "$d/vtrunk-apply.sh" "MGMT=$m" "$desc: and MGMT $m"
	expect_eq "$(json "$1/summary.json" '[(a["trunk_ifname"], a["mgmt_ifname"], a["ranges"][0]["parent"]) for a in d["agents"]]')" \
		"[('$t', '$m', '$t.150')]" "$desc: summary.json's names and parent"
	if command -v netplan >/dev/null 2>&1; then
		root=$(mktemp -d "$T_TMP/np.XXXX")
		mkdir -p "$root/etc/netplan" && cp "$d/etc/netplan/60-vtrunk.yaml" "$root/etc/netplan/"
		expect_rc 0 "$desc: netplan generate accepts it" netplan generate --root-dir "$root"
		expect_in "$root/run/systemd/network/10-netplan-$m.network" "Address=10.0.0.5/24" \
			"$desc: networkd gives $m the management address"
		expect_in "$root/run/systemd/network/10-netplan-$m.network" "Name=$m" "$desc: under the name $m"
	fi
	if command -v ifquery >/dev/null 2>&1; then
		expect_rc 0 "$desc: ifquery reads the management stanza" ifquery -i "$d/etc/network/interfaces.d/vtrunk" "$m"
		expect_in "$T_OUT" "address: 10.0.0.5" "$desc: with the management address on $m"
		expect_rc 0 "$desc: and the trunk's" ifquery -i "$d/etc/network/interfaces.d/vtrunk" "$t"
	fi
}
OFF=DC0_H0_VM0 ON=DC0_C0_RP0_VM0
plan "$OFF" "$T_TMP/off.json"
plan "$ON" "$T_TMP/on.json"
if [ "${VCSIM_KIND:-debian}" = async ]; then
	vcsim_pyread power "$OFF" off >/dev/null
	expect_rc 4 "plan: a change pending" vt plan -f "$T_TMP/off.json" --json
	expect_in "$T_ERR" "the management NIC is at PCI slot 160, so the guest names it ens160, not the plan's ens192" \
		"plan warns on stderr that the management NIC's slot names it ens160"
	expect_eq "$(json "$T_OUT" '[(a["mgmt_ifname"], len(a["ifname_warnings"])) for a in d["agents"]]')" "[('ens160', 1)]" \
		"and in --json"
	expect_rc 0 "apply adds the trunk NIC to the powered-off VM" vt apply -f "$T_TMP/off.json" -o "$T_TMP/out" --guestinfo
	expect_in "$T_OUT" "note: the trunk NIC is at PCI slot 192, so the guest names it ens192" "apply's table says which names its files use"
	expect_not_in "$T_ERR" "PCI slot" "(in its table, not on stderr)"
	expect_eq "$(slot "$OFF" Kasm-Trunk),$(slot "$OFF" DC0_DVPG0)" 192,160 "pyvmomi: trunk at slot 192, management at 160"
	files "$T_TMP/out" "$OFF" ens192 ens160 "slots"
	expect_eq "$(vcsim_pyread guestinfo "$OFF" | jsons "$(cat)" 'b"trunk=ens192 " in __import__("base64").b64decode(d["guestinfo.vtrunk.netplan"])')" \
		True "guestinfo's netplan file names the trunk ens192 too"
	expect_rc 0 "status: in sync" vt status -f "$T_TMP/off.json" --guestinfo
	expect_in "$T_ERR" "the trunk NIC is at PCI slot 192, so the guest names it ens192, not the plan's ens160" \
		"status warns about the trunk"
	expect_in "$T_ERR" "the management NIC is at PCI slot 160" "and the management NIC"
	expect_rc 0 "status --json" vt status -f "$T_TMP/off.json" --json
	expect_eq "$(json "$T_OUT" '[len(a["ifname_warnings"]) for a in d["agents"]]')" "[2]" "with both warnings in --json"
	# A plan whose names agree with the slots: no warning.
	sed 's/"agents"/"guest": {"trunk_ifname": "ens192", "mgmt_ifname": "ens160"}, "agents"/' "$T_TMP/off.json" >"$T_TMP/agree.json"
	expect_rc 0 "status with names that agree" vt status -f "$T_TMP/agree.json"
	expect_not_in "$T_ERR" "PCI slot" "warns about nothing"
	# The running VM: its trunk NIC has no slot until the next power-on.
	expect_rc 0 "apply adds the trunk NIC to the running VM" vt apply -f "$T_TMP/on.json" -o "$T_TMP/on"
	expect_eq "$(slot "$ON" Kasm-Trunk)" None "pyvmomi: that NIC has no slot yet"
	expect_in "$T_OUT" "note: the trunk NIC has no PCI slot yet" "apply's report says so"
	MAC=$(json "$T_TMP/on/summary.json" 'd["agents"][0]["nics"]["trunk"]["mac"]')
	expect_eq "$(json "$T_TMP/on/summary.json" '(d["agents"][0]["trunk_ifname"], d["agents"][0]["trunk_ifname_from"])')" \
		"('ens192', 'plan')" "the files use a plan name for it (ens160 is the management NIC's slot name)"
	expect_in "$T_TMP/on/$ON/etc/netplan/60-vtrunk.yaml" "macaddress: \"$MAC\"" "and netplan binds it by MAC"
	expect_in "$T_TMP/on/$ON/etc/network/interfaces.d/vtrunk" "= $MAC ]" "as does ifupdown's guard"
	expect_rc 0 "plan --json on the running VM" vt plan -f "$T_TMP/on.json" --json
	expect_eq "$(json "$T_OUT" '[n[:40] for a in d["agents"] for n in a["ifname_notes"]]')" \
		"['the trunk NIC has no PCI slot yet (added']" "plan's --json has the note"
	vcsim_pyread power "$ON" off >/dev/null
	vcsim_pyread power "$ON" on >/dev/null
	expect_rc 0 "after a power cycle, apply again" vt apply -f "$T_TMP/on.json" -o "$T_TMP/on"
	files "$T_TMP/on" "$ON" ens192 ens160 "after the power cycle"
	expect_not_in "$T_OUT" "no PCI slot" "and no note any more"
else
	expect_rc 0 "apply adds the trunk NIC" vt apply -f "$T_TMP/off.json" -o "$T_TMP/out"
	expect_in "$T_OUT" "note: the trunk NIC has no PCI slot yet" "the report notes the trunk NIC's missing slot"
	expect_eq "$(slot "$OFF" Kasm-Trunk),$(slot "$OFF" DC0_DVPG0)" None,32 "pyvmomi: no slot for the trunk NIC, 32 for the template e1000"
	files "$T_TMP/out" "$OFF" ens160 ens32 "Debian's vcsim"
	expect_rc 0 "status" vt status -f "$T_TMP/off.json"
	expect_in "$T_ERR" "the management NIC is at PCI slot 32, so the guest names it ens32" "status warns about the management NIC"
	expect_not_in "$T_ERR" "the trunk NIC is at PCI slot" "and not about the trunk"
fi
# render (no vCenter) keeps the plan's names.
expect_rc 0 "render" vt render -f "$T_TMP/off.json" -o "$T_TMP/render"
expect_in "$T_TMP/render/$OFF/etc/netplan/60-vtrunk.yaml" "# vtrunk-facts: trunk=ens160 " "render keeps the plan's trunk name"
expect_in "$T_TMP/render/$OFF/vtrunk-apply.sh" "MGMT=ens192" "and management name"
t_done
