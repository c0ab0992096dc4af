#!/usr/bin/env bash
# The management address check from the jump host (issue 12): plan, apply and status compare
# each agent's mgmt_address with the IPv4 addresses VMware Tools reports in guest.net for the
# management NIC's MAC. Both test vCenters keep one GuestNicInfo per ethernet card (MAC, no
# address) and, as govmomi's simulator does, set the first one's ipAddress from the extraConfig
# key "SET.guest.ipAddress" (simulator/virtual_machine.go, applyExtraConfig); the first card is
# the model's own NIC on DC0_DVPG0, so the plan uses it as the management network and
# pyvmomi's ReconfigVM_Task (pyread.py set-extra) stands in for VMware Tools.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --trap || exit 1
vcsim_env
VM=DC0_H0_VM0
plan() { # plan MGMT_ADDRESS FILE
	cat >"$2" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "DC0_DVPG0", "prefix": 24},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "$VM", "mgmt_address": "$1"}]}
J
}
plan 10.0.0.5 "$T_TMP/ok.json"
plan 10.0.0.50 "$T_TMP/typo.json"

# No Tools address yet: a note, nothing more.
expect_rc 4 "plan without a Tools address exits 4 (changes pending), not 1" vt plan -f "$T_TMP/ok.json" --strict
expect_in "$T_ERR" "VMware Tools reports no IPv4 address for \"$VM\"'s management NIC" "and notes the address is not checked"
expect_rc 4 "plan --json" vt plan -f "$T_TMP/ok.json" --json
expect_eq "$(json "$T_OUT" 'd["mgmt_check"][0]["result"]')" no_tools_data "mgmt_check says no_tools_data"

vcsim_pyread set-extra "$VM" SET.guest.ipAddress 10.0.0.5 >/dev/null
expect_eq "$(vcsim_pyread vms | jsons "$(cat)" "[n['guest_ips'] for v in d if v['name'] == '$VM' for n in v['nics'] if n['portgroup'] == 'DC0_DVPG0'][0]")" "['10.0.0.5']" \
	"pyvmomi reads 10.0.0.5 in guest.net for the management NIC"

# The same address: no warning.
expect_rc 4 "plan with the address Tools reports" vt plan -f "$T_TMP/ok.json" --strict --json
expect_not_in "$T_ERR" "mgmt_address" "prints no warning"
expect_eq "$(json "$T_OUT" 'd["mgmt_check"][0]["result"]')" matches "mgmt_check says matches"
expect_eq "$(json "$T_OUT" 'd["mgmt_check"][0]["tools_addresses"]')" "['10.0.0.5']" "and lists the Tools address"

# A typo: a warning naming both addresses; --strict makes it an error.
expect_rc 4 "plan with a typo still exits 4" vt plan -f "$T_TMP/typo.json" --json
expect_in "$T_ERR" "warning: \"$VM\": the plan's mgmt_address 10.0.0.50 is not what VMware Tools reports on its management NIC" "warns"
expect_in "$T_ERR" "(10.0.0.5)" "naming the address Tools reports"
expect_eq "$(json "$T_OUT" 'd["mgmt_check"][0]["result"]')" differs "mgmt_check says differs"
expect_eq "$(json "$T_OUT" 'd["mgmt_check"][0]["mgmt_address"]')" 10.0.0.50 "with the plan's address"
expect_rc 1 "plan --strict with a typo exits 1" vt plan -f "$T_TMP/typo.json" --strict
expect_in "$T_ERR" "the plan's mgmt_address 10.0.0.50 is not what VMware Tools reports on its management NIC (10.0.0.5)" "naming both"
expect_rc 1 "apply --strict with a typo exits 1" vt apply -f "$T_TMP/typo.json" --strict -o "$T_TMP/out"
expect_in "$T_ERR" "nothing was changed" "saying nothing was changed"
expect_eq "$(vcsim_pyread vms | jsons "$(cat)" "len([n for v in d if v['name'] == '$VM' for n in v['nics']])")" 1 \
	"pyvmomi reads the VM still with its one NIC"
expect_rc 0 "apply without --strict goes ahead, warning" vt apply -f "$T_TMP/typo.json" -o "$T_TMP/out"
expect_in "$T_ERR" "warning: \"$VM\": the plan's mgmt_address 10.0.0.50" "with the warning"
expect_rc 0 "status with a typo exits 0 (in sync), warning" vt status -f "$T_TMP/typo.json"
expect_in "$T_ERR" "10.0.0.50 is not what VMware Tools reports" "status warns too"
expect_rc 1 "status --strict exits 1" vt status -f "$T_TMP/typo.json" --strict
expect_rc 0 "status --strict with the right address exits 0" vt status -f "$T_TMP/ok.json" --strict

# "mgmt": "dhcp" agents (autoscale) have no planned address: not checked, even with --strict.
cat >"$T_TMP/dhcp.json" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "DC0_DVPG0", "prefix": 24},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [],
 "autoscale": {"match": "$VM", "slots": "4-7", "mgmt": "dhcp"}}
J
expect_rc 4 "plan --strict of a dhcp autoscale agent exits 4, not 1" vt plan -f "$T_TMP/dhcp.json" --strict --json
expect_eq "$(json "$T_OUT" 'd["mgmt_check"]')" "[]" "mgmt_check leaves the dhcp agent out"
t_done
