#!/usr/bin/env bash
# Beyond the guide (issue 7): macvlan-ready port groups and the uplink preflight.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --trap || exit 1
vcsim_env
P=$T_TMP/mv.json
cat >"$P" <<'J'
{"switch": "DVS0", "trunk": {"portgroup": "MV", "vlans": "100-200", "container_driver": "macvlan"},
 "management": {"network": "VM Network"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.5"}]}
J
sec() { vcsim_pyread portgroup "$1" | jsons "$(cat)" 'd["security"]'; }
ALL_ON="{'allow_promiscuous': True, 'forged_transmits': True, 'mac_changes': True}"

expect_rc 4 "plan for a macvlan port group exits 4" vt plan -f "$P"
expect_in "$T_OUT" "macvlan policy: promiscuous" "and names the policy it will set"
expect_rc 0 "apply creates it" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(sec MV)" "$ALL_ON" "pyvmomi reads promiscuous, forged transmits and MAC changes allowed"
expect_in "$T_TMP/out/DC0_H0_VM0/docker-networks.sh" "docker network create -d macvlan" "the guest files use -d macvlan"
expect_in "$T_TMP/out/DC0_H0_VM0/docker-networks.sh" "-o macvlan_mode=bridge" "in bridge mode"
expect_not_in "$T_TMP/out/DC0_H0_VM0/docker-networks.sh" "ipvlan_mode" "with no ipvlan option left"
expect_rc 0 "a second apply changes nothing" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"]')" unchanged "it reports unchanged"

# Changing only the trunk ranges later keeps the policy.
sed 's/"100-200"/"100-250"/' "$P" >"$T_TMP/mv2.json"
expect_rc 0 "apply with new ranges" vt apply -f "$T_TMP/mv2.json" -o "$T_TMP/out"
expect_eq "$(vcsim_pyread portgroup MV | jsons "$(cat)" 'd["ranges"]')" "[[100, 250]]" "the new ranges are set"
expect_eq "$(sec MV)" "$ALL_ON" "and the policy is kept"

# Drift in the policy: status shows it, apply changes only that.
vcsim_pyread set-security MV off >/dev/null
expect_rc 4 "status exits 4 when someone turned the policy off" vt status -f "$T_TMP/mv2.json"
expect_in "$T_OUT" "macvlan policy: none -> promiscuous" "and says what changed"
expect_rc 0 "apply repairs it" vt apply -f "$T_TMP/mv2.json" -o "$T_TMP/out"
expect_eq "$(sec MV)" "$ALL_ON" "the policy is back"
expect_eq "$(vcsim_pyread portgroup MV | jsons "$(cat)" 'd["ranges"]')" "[[100, 250]]" "the ranges untouched"

# ipvlan plans leave the policy alone.
sed 's/"container_driver": "macvlan"/"container_driver": "ipvlan"/' "$T_TMP/mv2.json" >"$T_TMP/iv.json"
expect_rc 0 "an ipvlan plan on that port group is in sync" vt status -f "$T_TMP/iv.json"

# MAC learning: refused on a 6.5 switch, set on a 6.6 one.
cat >"$T_TMP/ml.json" <<'J'
{"switch": "DVS0", "trunk": {"portgroup": "ML", "vlans": "10-20", "container_driver": "macvlan", "mac_learning": true}}
J
expect_rc 1 "mac_learning on a 6.5.0 switch exits 1" vt plan -f "$T_TMP/ml.json"
expect_in "$T_ERR" "MAC learning needs 6.6.0" "saying why"
vcsim_pyread add-switch DC0 DVS66 --version 6.6.0 >/dev/null
sed 's/"DVS0"/"DVS66"/' "$T_TMP/ml.json" >"$T_TMP/ml66.json"
expect_rc 0 "mac_learning on a 6.6.0 switch applies" vt apply -f "$T_TMP/ml66.json" -o "$T_TMP/out"
expect_eq "$(vcsim_pyread portgroup ML | jsons "$(cat)" 'd["mac_learning"]')" \
	"{'allow_promiscuous': False, 'enabled': True, 'forged_transmits': True, 'mac_changes': True}" \
	"pyvmomi reads MAC learning on, promiscuous off"
expect_rc 0 "and it is in sync afterwards" vt status -f "$T_TMP/ml66.json"

# Uplink preflight.
vcsim_pyread set-trunk DVS0-DVUplinks-9 "0-150" >/dev/null
expect_rc 0 "uplinks that miss VLANs: apply warns but goes on" vt apply -f "$T_TMP/mv2.json" -o "$T_TMP/out"
expect_in "$T_ERR" "do not carry VLANs 151-250" "the warning names the VLANs"
sed 's/"100-250"/"100-260"/' "$T_TMP/mv2.json" >"$T_TMP/mv3.json"
vcsim_reset_stats
expect_rc 1 "--strict makes it an error" vt apply -f "$T_TMP/mv3.json" -o "$T_TMP/out" --strict
expect_in "$T_ERR" "nothing was changed" "before any change"
expect_eq "$(vcsim_count ReconfigureDVPortgroup_Task)$(vcsim_count ReconfigVM_Task)" 00 "no change was sent"
expect_eq "$(vcsim_pyread portgroup MV | jsons "$(cat)" 'd["ranges"]')" "[[100, 250]]" "the ranges are as they were"
expect_rc 2 "--strict is refused by commands that do not take it" vt ls --strict
vcsim_pyread set-trunk DVS0-DVUplinks-9 "0-4094" >/dev/null
expect_rc 0 "with every VLAN on the uplinks --strict passes" vt apply -f "$T_TMP/mv3.json" -o "$T_TMP/out" --strict
expect_not_in "$T_ERR" "do not carry" "without a warning"
t_done
