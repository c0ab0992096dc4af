#!/usr/bin/env bash
# Agent VMs against vcsim (issue 3): 40 VMs, 30 agents, some without their management
# NIC; exactly one trunk and one management NIC each; the others untouched; MACs as
# vCenter reports them; idempotence; repair of drift; a missing VM; destroy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 40 --trap || exit 1
vcsim_env
P=$T_TMP/plan.json
# 30 agents: VM0..14 of each pool; the management network is the port group every
# vcsim VM starts on (DC0_DVPG0), so agents that keep their E1000 already have one.
/usr/bin/python3 - "$P" <<'PY'
import json, sys
agents = []
for pool in ("DC0_H0", "DC0_C0_RP0"):
    for i in range(15):
        agents.append({"vm": f"{pool}_VM{i}", "mgmt_address": f"10.0.{len(agents) // 200}.{10 + len(agents) % 200}"})
plan = {"datacenter": "DC0", "switch": "DVS0",
        "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200", "nic_type": "vmxnet3"},
        "management": {"network": "DC0_DVPG0", "prefix": 16, "gateway": "10.0.255.254"},
        "vlans": [{"id": 150, "subnet": "10.150.0.0/20", "gateway": "10.150.0.1", "agent_prefix": 25}],
        "agents": agents}
json.dump(plan, open(sys.argv[1], "w"), indent=1)
PY
# Take the management NIC away from 10 agents.
for i in 0 1 2 3 4; do
	vcsim_pyread remove-nic "DC0_H0_VM$i" 4000 >/dev/null
	vcsim_pyread remove-nic "DC0_C0_RP0_VM$i" 4000 >/dev/null
done
vcsim_pyread vms >"$T_TMP/before.json"

vcsim_reset_stats
expect_rc 4 "plan shows pending changes" vt plan -f "$P"
expect_in "$T_OUT" "add-mgmt-nic" "plan lists the missing management NICs"
expect_eq "$(vcsim_count ReconfigVM_Task)" 0 "plan reconfigures nothing"

vcsim_reset_stats
expect_rc 0 "apply on 30 agents" vt apply -f "$P" -o "$T_TMP/out" --json --parallel 8
cp "$T_OUT" "$T_TMP/apply.json"
expect_eq "$(vcsim_count ReconfigVM_Task)" 30 "one ReconfigVM_Task per agent"
expect_eq "$(json "$T_TMP/apply.json" 'd["errors"]')" 0 "no errors"
expect_eq "$(json "$T_TMP/apply.json" 'd["changes"]')" 31 "31 changes (port group + 30 VMs)"
req=$(json "$T_TMP/apply.json" 'd["http_requests"]')
# Round trips: N + 17 besides the task wait's WaitForUpdatesEx polls, which a vCenter answers
# as task states change (at once when every task has ended, as in Debian's vcsim; when tasks
# run after the call returns, one answer per change): at most one for a filter's first state
# and two per task after it (queued -> running -> success|error), however the wait is built.
# A per-VM loop of anything (a read, a filter per task) still breaks the first bound. (N + 15
# before reads were scoped to the agents: each inventory read of VMs is two round trips now,
# the cheap properties of every VM, then the costly ones of the agents' VMs, vs_inventory.h.)
vcsim_stats >"$T_TMP/stats.json"
polls=$(json "$T_TMP/stats.json" 'd["methods"].get("WaitForUpdatesEx", 0)')
polls_max=$(json "$T_TMP/stats.json" 'd["methods"].get("CreateFilter", 0) + 2 * (d["methods"].get("ReconfigVM_Task", 0) + d["methods"].get("AddDVPortgroup_Task", 0))')
other=$((req - polls))
if [ "$other" -le 47 ]; then ok "HTTP requests $other <= N + 17 (besides $polls task-wait polls)"; else not_ok "HTTP requests $other > N + 17 (besides $polls task-wait polls)"; fi
if [ "$polls" -le "$polls_max" ]; then ok "task-wait polls $polls <= $polls_max (filters + 2 per task)"; else not_ok "task-wait polls $polls > $polls_max (filters + 2 per task)"; fi
expect_eq "$(json "$T_TMP/stats.json" 'd["requests"]')" "$req" "the server counted the same requests (logout included)"

vcsim_pyread vms >"$T_TMP/after.json"
vcsim_pyread portgroup Kasm-Trunk >"$T_TMP/pg.json"
KEY=$(json "$T_TMP/pg.json" 'd["key"]')
MGMT=$(vcsim_pyread portgroup DC0_DVPG0 | jsons "$(cat)" 'd["key"]')
check=$(/usr/bin/python3 - "$T_TMP/after.json" "$T_TMP/before.json" "$T_TMP/apply.json" "$T_TMP/out/summary.json" "$KEY" "$MGMT" "$P" <<'PY'
import json, sys
after, before, rep, summ = (json.load(open(f)) for f in sys.argv[1:5])
key, mgmt = sys.argv[5], sys.argv[6]
plan = json.load(open(sys.argv[7]))
agents = {a["vm"] for a in plan["agents"]}
problems = []
byname = {v["name"]: v for v in after}
bef = {v["name"]: v for v in before}
for name in agents:
    nics = byname[name]["nics"]
    trunk = [n for n in nics if n.get("portgroup_key") == key]
    mg = [n for n in nics if n.get("portgroup_key") == mgmt]
    if len(trunk) != 1: problems.append(f"{name}: {len(trunk)} trunk NICs")
    elif not (trunk[0]["type"] == "VirtualVmxnet3" and trunk[0]["connected"] and trunk[0]["start_connected"]):
        problems.append(f"{name}: trunk NIC {trunk[0]}")
    if len(mg) != 1: problems.append(f"{name}: {len(mg)} management NICs")
    r = [a for a in rep["agents"] if a["vm"] == name][0]
    if trunk and r["trunk_nic"]["mac"] != trunk[0]["mac"]: problems.append(f"{name}: report MAC differs")
    if trunk and r["trunk_nic"]["key"] != trunk[0]["key"]: problems.append(f"{name}: report key differs")
    if mg and r["mgmt_nic"]["mac"] != mg[0]["mac"]: problems.append(f"{name}: report mgmt MAC differs")
    s = [a for a in summ["agents"] if a["vm"] == name][0]
    if trunk and s["nics"]["trunk"]["mac"].lower() != trunk[0]["mac"].lower(): problems.append(f"{name}: summary MAC differs")
for name, v in byname.items():
    if name not in agents and v != bef[name]: problems.append(f"{name}: not an agent but changed")
print("; ".join(problems) if problems else "fine")
PY
)
expect_eq "$check" fine "every agent has one vmxnet3 trunk NIC and one management NIC; report and summary MACs equal vCenter's; the other 10 VMs untouched"
mac=$(json "$T_TMP/apply.json" '[a for a in d["agents"] if a["vm"] == "DC0_H0_VM3"][0]["trunk_nic"]["mac"]')
expect_in "$T_TMP/out/DC0_H0_VM3/etc/netplan/60-vtrunk.yaml" "$mac" "the netplan file carries the trunk NIC's MAC"

vcsim_reset_stats
expect_rc 0 "a second apply" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["changes"]')" 0 "makes zero changes"
expect_eq "$(vcsim_count ReconfigVM_Task)" 0 "and sends no ReconfigVM_Task"
expect_rc 0 "status is in sync" vt status -f "$P"

# A trunk NIC removed behind vtrunk's back.
tkey=$(json "$T_TMP/apply.json" '[a for a in d["agents"] if a["vm"] == "DC0_C0_RP0_VM7"][0]["trunk_nic"]["key"]')
vcsim_pyread remove-nic DC0_C0_RP0_VM7 "$tkey" >/dev/null
expect_rc 4 "status exits 4 after a trunk NIC was removed" vt status -f "$P"
expect_in "$T_OUT" "DC0_C0_RP0_VM7" "status names that VM"
expect_in "$T_OUT" "missing-trunk-nic" "and says what is missing"
vcsim_reset_stats
expect_rc 0 "apply repairs it" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(vcsim_count ReconfigVM_Task)" 1 "with one ReconfigVM_Task"
expect_rc 0 "status is in sync again" vt status -f "$P"

# A VM that does not exist: reported by name, every other agent still done.
/usr/bin/python3 - "$P" "$T_TMP/plan-missing.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["agents"].insert(3, {"vm": "no-such-vm", "mgmt_address": "10.0.9.9"})
p["agents"].append({"vm": "DC0_H0_VM15", "mgmt_address": "10.0.9.10"})
json.dump(p, open(sys.argv[2], "w"))
PY
expect_rc 1 "apply with a missing VM exits 1" vt apply -f "$T_TMP/plan-missing.json" -o "$T_TMP/out2" --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"] if a["vm"] == "no-such-vm"][0]')" "['failed']" "the missing VM is reported as failed"
expect_in "$T_OUT" 'VM \"no-such-vm\" not found' "by name"
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"] if a["vm"] == "DC0_H0_VM15"][0]')" "['added-nic']" "the other new agent is still done"
expect_eq "$(json "$T_OUT" 'd["errors"]')" 1 "one error counted"

# destroy: no NIC left on the trunk port group, the port group gone, management NICs kept.
expect_rc 1 "destroy with the missing VM still in the plan exits 1 (and does the rest)" vt destroy -f "$T_TMP/plan-missing.json" --json
vcsim_pyread vms >"$T_TMP/final.json"
left=$(json "$T_TMP/final.json" 'sum(1 for v in d for n in v["nics"] if n.get("portgroup_key") == "'"$KEY"'")')
expect_eq "$left" 0 "no NIC is left on the trunk port group"
expect_eq "$(vcsim_pyread portgroup Kasm-Trunk | jsons "$(cat)" 'd["exists"]')" False "the port group is removed"
mg=$(json "$T_TMP/final.json" 'sum(1 for v in d if v["name"] in [a["vm"] for a in json.load(open("'"$P"'"))["agents"]] for n in v["nics"] if n.get("portgroup_key") == "'"$MGMT"'")')
expect_eq "$mg" 30 "every agent keeps its management NIC"
t_done
