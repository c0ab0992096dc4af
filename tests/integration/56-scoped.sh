#!/usr/bin/env bash
# Scoped reads (issue 13, "cost follows the inventory, not the plan"): with 100 agents among
# 1000 VMs, plan and apply read every VM's cheap properties (name, parent, uuids, host) to
# find the agents, and the costly ones (config.hardware.device, recentTask, changeVersion,
# guestinfo) of the agents' VMs only, by moref. Counted in a --debug trace: the answers'
# config.hardware.device property sets, one per VM read with its devices.
# destroy (it counts every VM still on the port group) and `ls vms` still read everything.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
VMS=${SCOPED_VMS:-1000}
export VCSIM_READY_S=${VCSIM_READY_S:-300}

# plan N FILE: N agents, half on each of vcsim's pools (DC0_H0_VMi, DC0_C0_RP0_VMi).
plan() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
n = int(sys.argv[1]); half = n // 2
agents = [{"vm": f"{pool}_VM{i}", "mgmt_address": f"172.16.{k // 250}.{k % 250 + 1}"}
          for k, (pool, i) in enumerate([(p, i) for p in ("DC0_H0", "DC0_C0_RP0") for i in range(half)])]
json.dump({"datacenter": "DC0", "switch": "DVS0",
           "trunk": {"portgroup": "Scoped-Trunk", "vlans": "100-200"},
           "management": {"network": "VM Network", "prefix": 12},
           "vlans": [{"id": 150, "subnet": "10.144.0.0/12", "gateway": "10.144.0.1", "agent_prefix": 26}],
           "agents": agents}, open(sys.argv[2], "w"))
PY
}

# devices TRACE: how many VMs an answer in the trace brought with their devices.
devices() {
	grep -o 'name>config\.hardware\.device<' "$1" | wc -l
}

trunk_nics() {
	vcsim_pyread vms | /usr/bin/python3 -c 'import json,sys; print(sum(n["portgroup"] == "Scoped-Trunk" for v in json.load(sys.stdin) for n in v["nics"]))'
}

vcsim_start --vms "$VMS" || exit 1
vcsim_env
P=$T_TMP/plan.json
plan 100 "$P"

expect_rc 4 "plan of 100 agents among $VMS VMs, traced" vt plan -f "$P" --debug "$T_TMP/plan.trace"
expect_eq "$(devices "$T_TMP/plan.trace")" 100 "plan reads the devices of the 100 agents' VMs only"

expect_rc 0 "apply of 100 agents among $VMS VMs, traced" vt apply -f "$P" -o "$T_TMP/out" -q --debug "$T_TMP/apply.trace"
expect_eq "$(trunk_nics)" 100 "every agent got its trunk NIC"
n=$(devices "$T_TMP/apply.trace")
r=$(grep -c '<[a-z0-9:]*RetrievePropertiesEx[ >]' "$T_TMP/apply.trace")
# Each read of VMs with devices is one scoped RetrievePropertiesEx of the agents (the other
# reads are the cheap one over the view, and the port groups' re-read).
expect_rc 0 "apply reads devices of the agents only ($n device sets in $r reads)" \
	test "$n" -gt 0 -a $((n % 100)) -eq 0 -a "$n" -le $((100 * r / 2))

expect_rc 0 "status is in sync" vt status -f "$P"
expect_rc 0 "ls vms still lists every VM" sh -c "'$VTRUNK' ls vms --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); v=d[\"vms\"] if isinstance(d, dict) else d; sys.exit(0 if len(v) >= $VMS else 1)'"
expect_rc 0 "destroy" vt destroy -f "$P" -q
expect_eq "$(trunk_nics)" 0 "every trunk NIC is gone"
vcsim_stop
t_done
