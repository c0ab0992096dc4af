#!/usr/bin/env bash
# NSX-T (issue 13). (1) A management network that is an OpaqueNetwork: the management NIC is
# added with VirtualEthernetCardOpaqueNetworkBackingInfo (opaqueNetworkId, opaqueNetworkType
# from the network's summary), and read back as on that network, so a second apply changes
# nothing. The test vCenter makes one with the simulator's own model (vcsim_start --opaque,
# Model.OpaqueNetwork: the vSphere API has no call that creates one). (2) An NSX segment on
# several switches shows as same-named port groups (the simulator allows that for "NSX-"
# names, as NSX does): each agent's management NIC goes on the one on the switch its host
# is attached to (the switch's summary.hostMember, the VM's runtime.host); when its host is
# on several of them vtrunk refuses, naming them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --opaque 1 --trap || exit 1
vcsim_env
VM=DC0_H0_VM0 VM2=DC0_C0_RP0_VM0
plan() { # plan FILE MGMT AGENT...
	_f=$1 _m=$2
	shift 2
	/usr/bin/python3 - "$_f" "$_m" "$@" <<'PY'
import json, sys
json.dump({"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": sys.argv[2]},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
           "agents": [{"vm": v, "mgmt_address": "10.0.0.%d" % (5 + i)} for i, v in enumerate(sys.argv[3:])]},
          open(sys.argv[1], "w"))
PY
}
# nics VM: the VM's NICs as pyvmomi reads them: "backing:network-or-portgroup:switch" sorted.
nics() {
	vcsim_pyread vms | jsons "$(cat)" "sorted('%s:%s:%s' % (n['backing'], n['portgroup'] or n['network'], n['switch_uuid'])
		for v in d if v['name'] == '$1' for n in v['nics'])"
}

P=$T_TMP/opaque.json
plan "$P" DC0_NSX0 "$VM"
expect_rc 0 "apply with an opaque management network" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["agents"][0]["actions"]')" "['added-nic', 'added-nic']" "adds the trunk and management NICs"
got=$(nics "$VM")
expect_in <(echo "$got") "opaque:" "pyvmomi reads a NIC with an opaque network backing"
expect_eq "$(vcsim_pyread vms | jsons "$(cat)" "[n['opaque_type'] for v in d if v['name'] == '$VM' for n in v['nics'] if n['backing'] == 'opaque']")" \
	"['nsx.LogicalSwitch']" "of type nsx.LogicalSwitch"
expect_rc 0 "a second apply" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["agents"][0]["actions"]')" "['unchanged']" "changes nothing: the opaque-backed NIC is the management NIC"
expect_eq "$(nics "$VM")" "$got" "and the VM has the same NICs"
expect_rc 0 "status is in sync" vt status -f "$P"
expect_rc 0 "destroy" vt destroy -f "$P"
expect_eq "$(vcsim_pyread vms | jsons "$(cat)" "len([n for v in d if v['name'] == '$VM' for n in v['nics'] if n['backing'] == 'opaque'])")" 1 \
	"destroy leaves the management NIC"

# Same-named port groups, one a switch, each switch on the host of one agent: DVSA on the
# standalone host, DVSB on the cluster's (the simulator wants every host of a VM's cluster
# on a switch its NIC joins).
H2=$(vcsim_pyread vms | jsons "$(cat)" "[v['host'] for v in d if v['name'] == '$VM2'][0]")
vcsim_pyread add-switch DC0 DVSA --hosts DC0_H0 >/dev/null &&
	vcsim_pyread add-switch DC0 DVSB --hosts DC0_C0_H0,DC0_C0_H1,DC0_C0_H2 >/dev/null &&
	vcsim_pyread add-portgroup DVSA NSX-Seg >/dev/null &&
	vcsim_pyread add-portgroup DVSB NSX-Seg >/dev/null
expect_eq "$?" 0 "pyvmomi adds switches DVSA (host DC0_H0) and DVSB (the cluster's hosts), each with a port group NSX-Seg"
UA=$(vcsim_pyread switches | jsons "$(cat)" "[s['uuid'] for s in d if s['name'] == 'DVSA'][0]")
UB=$(vcsim_pyread switches | jsons "$(cat)" "[s['uuid'] for s in d if s['name'] == 'DVSB'][0]")
P2=$T_TMP/seg.json
plan "$P2" NSX-Seg "$VM" "$VM2"
expect_rc 0 "apply with a management network named by two port groups" vt apply -f "$P2" -o "$T_TMP/out2" --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" "[['added-nic', 'added-nic'], ['added-nic', 'added-nic']]" \
	"both agents get their NICs"
expect_in <(nics "$VM") "dvport:NSX-Seg:$UA" "$VM's management NIC is on DVSA's NSX-Seg"
expect_in <(nics "$VM2") "dvport:NSX-Seg:$UB" "$VM2's on DVSB's"
expect_rc 0 "a second apply" vt apply -f "$P2" -o "$T_TMP/out2" --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" "[['unchanged'], ['unchanged']]" "changes nothing"
expect_rc 0 "status is in sync" vt status -f "$P2"

# Still ambiguous: the second agent's host ($H2) on both switches.
vcsim_pyread add-hosts DVSA --hosts "$H2" >/dev/null
expect_rc 2 "status refuses when an agent's host is on both switches" vt status -f "$P2"
expect_in "$T_ERR" "2 networks are named \"NSX-Seg\"" "saying how many share the name"
expect_in "$T_ERR" "on switch \"DVSA\"" "naming DVSA's"
expect_in "$T_ERR" "on switch \"DVSB\"" "and DVSB's"
expect_in "$T_ERR" "\"$VM2\"" "and the agent"
t_done
