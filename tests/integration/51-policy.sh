#!/usr/bin/env bash
# Issue 13: the macvlan policy through macManagementPolicy on 6.6+ switches with the deprecated
# securityPolicy kept equal to it; reconfigure specs that carry only what changes, on test
# vCenters that merge them as a real vCenter does (tests/vcsim/merge.go).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --trap || exit 1
vcsim_env
vcsim_pyread add-switch DC0 DVS66 --version 6.6.0 >/dev/null
P=$T_TMP/p.json
cat >"$P" <<'J'
{"switch": "DVS66", "trunk": {"portgroup": "P66", "vlans": "100-200", "container_driver": "macvlan"}}
J
pg() { vcsim_pyread portgroup "$1" | jsons "$(cat)" "$2"; }
SEC_ON="{'allow_promiscuous': True, 'forged_transmits': True, 'mac_changes': True}"
SEC_ML="{'allow_promiscuous': False, 'forged_transmits': True, 'mac_changes': True}"

expect_rc 0 "macvlan on a 6.6.0 switch: apply creates the port group" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(pg P66 'd["mac_management"]')" \
	"{'allow_promiscuous': True, 'forged_transmits': True, 'learning': False, 'mac_changes': True}" \
	"pyvmomi reads the policy in macManagementPolicy"
expect_eq "$(pg P66 'd["security"]')" "$SEC_ON" "and securityPolicy equal to it"
expect_rc 0 "it is in sync" vt status -f "$P"

# Promiscuous -> MAC learning: both policies say promiscuous off.
sed 's/"macvlan"}/"macvlan", "mac_learning": true}/' "$P" >"$T_TMP/ml.json"
expect_rc 0 "switching to MAC learning applies" vt apply -f "$T_TMP/ml.json" -o "$T_TMP/out"
expect_eq "$(pg P66 'd["mac_management"]')" \
	"{'allow_promiscuous': False, 'forged_transmits': True, 'learning': True, 'mac_changes': True}" \
	"macManagementPolicy: learning on, promiscuous off"
expect_eq "$(pg P66 'd["security"]')" "$SEC_ML" "securityPolicy agrees (promiscuous off)"
expect_rc 0 "MAC learning is in sync afterwards" vt status -f "$T_TMP/ml.json"

# The server holding the two disagreeing (community.vmware #907) is drift.
vcsim_pyread set-security P66 on >/dev/null
expect_rc 4 "status: securityPolicy disagreeing with macManagementPolicy exits 4" vt status -f "$T_TMP/ml.json"
expect_in "$T_OUT" "securityPolicy disagrees with macManagementPolicy" "and says so"
expect_rc 4 "the same in --json" vt status -f "$T_TMP/ml.json" --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["current_policy"]["split"]')" True "current_policy.split is true"
expect_eq "$(json "$T_OUT" 'd["portgroup"]["current_policy"]["mode"]')" mac-learning \
	"the mode is judged from macManagementPolicy"
expect_rc 0 "apply repairs it" vt apply -f "$T_TMP/ml.json" -o "$T_TMP/out"
expect_eq "$(pg P66 'd["security"]')" "$SEC_ML" "securityPolicy agrees again"
expect_rc 0 "and status is in sync" vt status -f "$T_TMP/ml.json"

# Policy drift in macManagementPolicy alone is seen (securityPolicy still right).
vcsim_pyread set-mac-management P66 off >/dev/null
expect_rc 4 "status: macManagementPolicy turned off exits 4" vt status -f "$T_TMP/ml.json"
expect_in "$T_OUT" "macvlan policy: none -> mac-learning" "judged from macManagementPolicy"

# ipvlan -> macvlan on a 6.6 switch: never true next to false.
cat >"$T_TMP/iv.json" <<'J'
{"switch": "DVS66", "trunk": {"portgroup": "IV", "vlans": "10-20", "container_driver": "ipvlan"}}
J
expect_rc 0 "an ipvlan port group" vt apply -f "$T_TMP/iv.json" -o "$T_TMP/out"
vcsim_pyread set-mac-management IV off >/dev/null
sed 's/"ipvlan"/"macvlan"/' "$T_TMP/iv.json" >"$T_TMP/iv2.json"
expect_rc 0 "turned macvlan" vt apply -f "$T_TMP/iv2.json" -o "$T_TMP/out"
expect_eq "$(pg IV 'd["mac_management"]')" \
	"{'allow_promiscuous': True, 'forged_transmits': True, 'learning': False, 'mac_changes': True}" \
	"macManagementPolicy allows promiscuous"
expect_eq "$(pg IV 'd["security"]')" "$SEC_ON" "securityPolicy the same"

# A VLAN-only change sends configVersion and the VLAN spec alone, and the merging test
# vCenter loses nothing else.
before=$(pg IV '{k: v for k, v in d.items() if k not in ("ranges", "config_version")}')
sed 's/"10-20"/"10-30"/' "$T_TMP/iv2.json" >"$T_TMP/iv3.json"
rm -f "$T_TMP/trace"
expect_rc 0 "a VLAN-only change" vt apply -f "$T_TMP/iv3.json" -o "$T_TMP/out" --debug "$T_TMP/trace"
spec=$(/usr/bin/python3 - "$T_TMP/trace" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.search(r"<ReconfigureDVPortgroup_Task.*?</ReconfigureDVPortgroup_Task>", t, re.S)
body = m.group(0) if m else ""
print(" ".join(sorted(set(re.findall(r"<(\w+)[ >]", body)) - {"ReconfigureDVPortgroup_Task", "_this", "configVersion"})))
PY
)
expect_eq "$spec" "defaultPortConfig end inherited spec start vlan vlanId" \
	"the spec holds the VLAN spec (and configVersion where the server has one), nothing else"
expect_eq "$(pg IV 'd["ranges"]')" "[[10, 30]]" "the new ranges are set"
expect_eq "$(pg IV '{k: v for k, v in d.items() if k not in ("ranges", "config_version")}')" "$before" \
	"name, ports, binding, autoExpand, description and both policies are kept"

# The test vCenter merges a minimal spec as a real one does (tests/vcsim/merge.go): pyvmomi
# sends configVersion and a VLAN spec alone (set-trunk-only), on a port group with MAC learning.
vcsim_pyread add-portgroup DVS66 MERGE --trunk 5-6 --ports 16 >/dev/null
vcsim_pyread set-mac-management MERGE learning >/dev/null
before=$(pg MERGE '{k: v for k, v in d.items() if k not in ("ranges", "config_version")}')
expect_rc 0 "pyvmomi: a spec of configVersion and VLAN alone" vcsim_pyread set-trunk-only MERGE 7-9
expect_eq "$(pg MERGE 'd["ranges"]')" "[[7, 9]]" "sets the ranges"
expect_eq "$(pg MERGE '{k: v for k, v in d.items() if k not in ("ranges", "config_version")}')" "$before" \
	"and keeps name, ports, binding, description and the policies"

# A switch before 6.6 keeps securityPolicy alone.
cat >"$T_TMP/old.json" <<'J'
{"switch": "DVS0", "trunk": {"portgroup": "OLD", "vlans": "10-20", "container_driver": "macvlan"}}
J
expect_rc 0 "macvlan on a 6.5.0 switch" vt apply -f "$T_TMP/old.json" -o "$T_TMP/out"
expect_eq "$(pg OLD 'd["security"]')" "$SEC_ON" "securityPolicy is set"
expect_eq "$(pg OLD 'd["mac_management"]')" None "and no macManagementPolicy"
t_done
