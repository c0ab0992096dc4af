#!/usr/bin/env bash
# Exactly once on a vCenter that behaves like a real one (issue 11): the asynchronous test
# vCenter (tests/vcsim-async: tasks take time, changeVersion and configVersion are checked)
# behind the fault proxy. A reconfigure answered 502 that still lands (after vtrunk's retry,
# or just before the 502), a 503 after forwarding, a lost port-group answer while its task
# runs, two applies of one plan at once, a third party changing an agent mid-run, lost waits
# and a lost Destroy_Task answer, SIGINT while 100 tasks run. Each must end with exactly one
# trunk NIC and one management NIC per agent, read by pyvmomi (not by vtrunk).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/proxy.sh"
if ! vcsim_async; then
	echo "# $(basename "$0"): skipped: needs the asynchronous test vCenter (VCSIM_KIND=async)"
	exit 0
fi
vcsim_start --vms 150 --task-delay 1000 --trap || exit 1
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
export VTRUNK_URL=$PROXY_URL VTRUNK_USERNAME=$VCSIM_USER VTRUNK_THUMBPRINT=$PROXY_SHA256
export VTRUNK_PASSWORD=$VCSIM_PASSWORD
direct() { VTRUNK_URL=$VCSIM_URL VTRUNK_THUMBPRINT=$VCSIM_SHA256 "$@"; }

# pyvc: runs the Python on stdin through pyvmomi, as a third party would, after a prelude
# that connects to vcsim and gives c (the content), vms and pgs (by name), wait(task...) and
# add_nic(vm, port group name, device class), which starts adding a NIC on that port group.
PY_PRELUDE='
import os, ssl, time
from urllib.parse import urlsplit
from pyVim.connect import SmartConnect
from pyVmomi import vim
u = urlsplit(os.environ["VCSIM_URL"])
si = SmartConnect(host=u.hostname, port=u.port, user=os.environ["VCSIM_USER"], pwd=os.environ["VCSIM_PASSWORD"],
                  sslContext=ssl._create_unverified_context())
c = si.RetrieveContent()
def view(kind):
    return {o.name: o for o in c.viewManager.CreateContainerView(c.rootFolder, [kind], True).view}
vms, pgs = view(vim.VirtualMachine), view(vim.dvs.DistributedVirtualPortgroup)
def wait(*tasks):
    while any(t.info.state in ("queued", "running") for t in tasks):
        time.sleep(0.1)
    for t in tasks:
        assert t.info.state == "success", t.info.error
def add_nic(vm, pg_name, kind):
    pg = pgs[pg_name]
    port = vim.dvs.PortConnection(portgroupKey=pg.key, switchUuid=pg.config.distributedVirtualSwitch.uuid)
    nic = kind(key=-1, backing=vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port))
    return vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="add", device=nic)]))
'
pyvc() { /usr/bin/python3 -c "$PY_PRELUDE$(cat)"; }

# plan FILE N: the first N VMs (by name) as agents.
plan() {
	vcsim_pyread vms | /usr/bin/python3 -c '
import json, sys
vms = sorted(v["name"] for v in json.load(sys.stdin))[:int(sys.argv[2])]
agents = [{"vm": n, "mgmt_address": "10.0.%d.%d" % (10 + i // 250, 1 + i % 250)} for i, n in enumerate(vms)]
json.dump({"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "VM Network", "prefix": 16},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/16", "gateway": "10.150.0.1", "agent_prefix": 26}],
           "agents": agents}, open(sys.argv[1], "w"))' "$1" "$2"
}
# nic_counts PLAN: "T/M" pairs of the plan's agents, counted by pyvmomi, as a sorted set:
# [[1, 1]] is exactly one trunk NIC and one management NIC on every agent.
nic_counts() {
	vcsim_pyread vms | /usr/bin/python3 -c '
import json, sys
want = {a["vm"] for a in json.load(open(sys.argv[1]))["agents"]}
seen = set()
for v in json.load(sys.stdin):
    if v["name"] in want:
        t = sum(1 for n in v["nics"] if n.get("portgroup") == "Kasm-Trunk")
        m = sum(1 for n in v["nics"] if "VM Network" in (n.get("portgroup"), n.get("network"), n.get("network_name")))
        seen.add((t, m))
print(sorted(list(x) for x in seen))' "$1"
}
pg_count() {
	vcsim_pyread switches | jsons "$(cat)" '[s["portgroups"].count("Kasm-Trunk") for s in d if s["name"] == "DVS0"][0]'
}
fresh() {
	direct vt destroy -f "$P150" -q >/dev/null 2>&1
	# destroy leaves the management NICs: remove them too (all at once), so each scenario
	# adds both.
	pyvc <<'PY'
tasks = []
for vm in vms.values():
    gone = [vim.vm.device.VirtualDeviceSpec(operation="remove", device=d) for d in vm.config.hardware.device
            if isinstance(d, vim.vm.device.VirtualEthernetCard)
            and isinstance(d.backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo)
            and d.backing.deviceName == "VM Network"]
    if gone:
        tasks.append(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=gone)))
wait(*tasks)
PY
	proxy_reset
	vcsim_reset_stats
}
P4=$T_TMP/p4.json P150=$T_TMP/p150.json P100=$T_TMP/p100.json
plan "$P4" 4
plan "$P100" 100
plan "$P150" 150

# --- a reconfigure answered 502 whose request reaches vCenter after vtrunk's re-read ---
for rule in 'ReconfigVM_Task:1:late:502:1.5' 'ReconfigVM_Task:2:after:502' 'ReconfigVM_Task:3:after:503' 'ReconfigVM_Task:1:late:503:0.2'; do
	fresh
	proxy_rule "$rule"
	expect_rc 0 "$rule: apply ends well" vt apply -f "$P4" -o "$T_TMP/out" --parallel 1
	sleep 2 # a late copy lands now at the latest
	expect_eq "$(nic_counts "$P4")" "[[1, 1]]" "$rule: one trunk NIC and one management NIC on every agent"
	expect_in "$T_OUT" "0 errors" "$rule: and the report says so"
	run direct vt status -f "$P4"
	expect_eq "$RC" 0 "$rule: status is in sync afterwards"
done

# --- a lost AddDVPortgroup_Task answer while its task still runs ---
fresh
proxy_rule AddDVPortgroup_Task:1:drop
expect_rc 0 "a lost port-group answer while its task runs: apply ends well" vt apply -f "$P4" -o "$T_TMP/out"
expect_eq "$(vcsim_count AddDVPortgroup_Task)" 1 "vCenter saw one AddDVPortgroup_Task: vtrunk waited for it"
expect_eq "$(pg_count)" 1 "one port group"
expect_eq "$(nic_counts "$P4")" "[[1, 1]]" "and every agent has one trunk NIC and one management NIC"

# --- 502 on the port group task, delivered late; 503 after forwarding on Destroy_Task ---
fresh
proxy_rule 'AddDVPortgroup_Task:1:late:502:0.3'
expect_rc 0 "AddDVPortgroup_Task answered 502 and delivered late: apply ends well" vt apply -f "$P4" -o "$T_TMP/out"
expect_eq "$(pg_count)" 1 "one port group"
expect_eq "$(nic_counts "$P4")" "[[1, 1]]" "one trunk NIC and one management NIC on every agent"
proxy_reset
proxy_rule 'Destroy_Task:1:after:503'
expect_rc 0 "Destroy_Task answered 503 after it went through: destroy ends well" vt destroy -f "$P4"
expect_eq "$(pg_count)" 0 "the port group is gone"
proxy_reset
expect_rc 0 "apply again" vt apply -f "$P4" -o "$T_TMP/out" -q
proxy_rule 'Destroy_Task:1:drop'
expect_rc 0 "a lost Destroy_Task answer: destroy ends well (not exit 3)" vt destroy -f "$P4"
expect_not_in "$T_ERR" "rewind" "without a libcurl message"
expect_eq "$(pg_count)" 0 "the port group is gone"

# --- lost and broken waits ---
fresh
proxy_rule 'WaitForUpdatesEx:1:drop' 'WaitForUpdatesEx:3:truncate'
expect_rc 0 "lost and cut WaitForUpdatesEx answers: apply ends well" timeout 60 ${VTRUNK_WRAP:-} "$VTRUNK" apply -f "$P4" -o "$T_TMP/out"
expect_eq "$(nic_counts "$P4")" "[[1, 1]]" "one trunk NIC and one management NIC on every agent"
fresh
proxy_rule 'CreateFilter:1:html'
expect_rc 0 "a CreateFilter answered with HTML: the tasks' states are read directly" timeout 60 ${VTRUNK_WRAP:-} "$VTRUNK" apply -f "$P4" -o "$T_TMP/out"
expect_eq "$(nic_counts "$P4")" "[[1, 1]]" "one trunk NIC and one management NIC on every agent"
expect_in "$T_OUT" "guest files for 4 agents" "and the guest files are written"

# --- a third party adds a NIC to an agent between vtrunk's read and its reconfigure ---
fresh
vm1=$(jsons "$(cat "$P4")" 'd["agents"][0]["vm"]')
# The second RetrievePropertiesEx: the agents' devices (the first is every VM's cheap
# properties, cli_inv_read.h).
proxy_rule 'RetrievePropertiesEx:2:delay:8'
vt apply -f "$P4" -o "$T_TMP/out" >"$T_TMP/3p.out" 2>"$T_TMP/3p.err" &
pid=$!
# Once vCenter has answered vtrunk's read of the devices (the proxy holds that answer 8 s).
for _ in $(seq 100); do [ "$(proxy_count RetrievePropertiesEx)" -ge 2 ] && break; sleep 0.1; done
VM="$vm1" pyvc <<'PY'
# A NIC on another port group (DC0_DVPG0): neither the trunk nor the management network.
wait(add_nic(vms[os.environ["VM"]], "DC0_DVPG0", vim.vm.device.VirtualE1000))
PY
wait "$pid"
RC=$?
expect_eq "$RC" 0 "a third party's change in between: apply ends well"
expect_in "$T_TMP/3p.err" "changed meanwhile" "it re-read after ConcurrentAccess"
trunks=$(vcsim_pyread vms | jsons "$(cat)" '[sum(1 for n in v["nics"] if n.get("portgroup") == "Kasm-Trunk") for v in d if v["name"] == "'"$vm1"'"][0]')
expect_eq "$trunks" 1 "that agent has one trunk NIC"
expect_eq "$(vcsim_pyread vms | jsons "$(cat)" '[len(v["nics"]) for v in d if v["name"] == "'"$vm1"'"][0]')" 4 \
	"and keeps the third party's NIC (4 NICs: its own, the third party's, trunk, management)"

# --- an unclear port-group answer whose re-read fails too: a report, exit 1, nothing freed twice ---
fresh
# The first read is two RetrievePropertiesEx (every VM's cheap properties, the agents' devices).
proxy_rule AddDVPortgroup_Task:1:drop 'RetrievePropertiesEx:3+:reset' 'RetrieveProperties:1+:reset'
expect_rc 1 "a lost port-group answer and a failing re-read: exit 1 (a change may have been made)" vt apply -f "$P4" -o "$T_TMP/out"
expect_in "$T_OUT" "failed" "the port group is reported failed"
expect_in "$T_ERR" "RetrievePropertiesEx" "naming the read that failed"
proxy_reset
sleep 2
expect_rc 0 "a re-run finishes the job" vt apply -f "$P4" -o "$T_TMP/out" -q
expect_eq "$(pg_count)" 1 "with one port group"

# --- a second trunk NIC that appears before the read-back is an error of the run ---
fresh
expect_rc 0 "the port group first" direct vt apply -f "$P4" -o "$T_TMP/out" -q
vm1=$(jsons "$(cat "$P4")" 'd["agents"][0]["vm"]')
VM="$vm1" pyvc <<'PY'
# Take its trunk NIC away, so that the run adds one.
vm = vms[os.environ["VM"]]
key = pgs["Kasm-Trunk"].key
trunk = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)
         and isinstance(d.backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo)
         and d.backing.port.portgroupKey == key][0]
wait(vm.ReconfigVM_Task(vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="remove", device=trunk)])))
PY
expect_eq "$(pg_count)/$(nic_counts "$P4")" "1/[[0, 1], [1, 1]]" "before: the port group, and one agent without its trunk NIC"
proxy_reset
vcsim_reset_stats
# The wait's answer is held 30 s: once vtrunk's reconfigure has ended in vCenter (pyvmomi
# sees its trunk NIC), someone adds a second trunk NIC, before vtrunk reads back. No fixed
# sleep: on a loaded machine Python's start alone can take seconds.
proxy_rule 'WaitForUpdatesEx:1:delay:30'
vt apply -f "$P4" -o "$T_TMP/out" >"$T_TMP/dup.out" 2>"$T_TMP/dup.err" &
pid=$!
VM="$vm1" pyvc <<'PY'
import time
vm, key = vms[os.environ["VM"]], pgs["Kasm-Trunk"].key
def trunks():
    return sum(1 for d in vm.config.hardware.device
               if isinstance(d, vim.vm.device.VirtualEthernetCard)
               and isinstance(d.backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo)
               and d.backing.port.portgroupKey == key)
end = time.time() + 25
while trunks() == 0 and time.time() < end:
    time.sleep(0.2)
wait(add_nic(vm, "Kasm-Trunk", vim.vm.device.VirtualVmxnet3))
PY
wait "$pid"
expect_eq "$?" 1 "a second trunk NIC on read-back: exit 1, not \"0 errors\""
expect_in "$T_TMP/dup.out" "has 2 NICs on port group \"Kasm-Trunk\"" "the report names it"
expect_in "$T_TMP/dup.out" "1 error" "and counts it"
expect_rc 0 "a re-run removes the extra one" vt apply -f "$P4" -o "$T_TMP/out" -q
expect_eq "$(vcsim_pyread vms | jsons "$(cat)" '[sum(1 for n in v["nics"] if n.get("portgroup") == "Kasm-Trunk") for v in d if v["name"] == "'"$vm1"'"][0]')" 1 \
	"leaving one"

# --- two applies of one plan at once, 150 agents, the port group made by both ---
fresh
direct vt destroy -f "$P150" -q >/dev/null 2>&1
vt apply -f "$P150" -o "$T_TMP/a" >"$T_TMP/a.out" 2>"$T_TMP/a.err" &
pa=$!
vt apply -f "$P150" -o "$T_TMP/b" >"$T_TMP/b.out" 2>"$T_TMP/b.err" &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
expect_eq "$ra/$rb" "0/0" "two applies at once: both exit 0"
expect_eq "$(pg_count)" 1 "one port group"
expect_eq "$(nic_counts "$P150")" "[[1, 1]]" "one trunk NIC and one management NIC on each of 150 agents"
expect_not_in "$T_TMP/a.out" "DuplicateName" "the first run used the port group the other made"
expect_not_in "$T_TMP/b.out" "DuplicateName" "and so did the second"
cmp -s "$T_TMP/a/summary.json" "$T_TMP/b/summary.json" && ok "both wrote the same guest summary" ||
	not_ok "the two runs' summary.json differ"

# --- SIGINT while 100 tasks are running; then a second signal during the wait ---
fresh
# The signal goes to vtrunk itself, not to a shell around it.
${VTRUNK_WRAP:-} "$VTRUNK" apply -f "$P100" -o "$T_TMP/int" --parallel 64 >"$T_TMP/int.out" 2>"$T_TMP/int.err" &
pid=$!
for _ in $(seq 100); do [ "$(vcsim_count ReconfigVM_Task)" -ge 100 ] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
RC=$?
expect_eq "$RC" 0 "SIGINT while 100 tasks run: the tasks sent end and are reported (exit $RC)"
expect_in "$T_TMP/int.err" "interrupted: sending nothing new" "vtrunk got the signal"
expect_in "$T_TMP/int.out" "100 agents" "the report and the guest files are written"
expect_eq "$(nic_counts "$P100")" "[[1, 1]]" "one trunk NIC and one management NIC on each of 100 agents"
fresh
${VTRUNK_WRAP:-} "$VTRUNK" apply -f "$P100" -o "$T_TMP/int2" --parallel 64 >"$T_TMP/int2.out" 2>"$T_TMP/int2.err" &
pid=$!
for _ in $(seq 100); do [ "$(vcsim_count ReconfigVM_Task)" -ge 100 ] && break; sleep 0.1; done
kill -INT "$pid"
sleep 0.2
kill -TERM "$pid"
wait "$pid"
RC=$?
expect_eq "$RC" 1 "a second signal stops the wait: exit 1 (not 3, no crash)"
expect_in "$T_TMP/int2.err" "interrupted again" "vtrunk got both signals"
expect_in "$T_TMP/int2.out" "stopped" "the report is still printed, naming the VMs whose tasks it did not see end"
expect_in "$T_TMP/int2.out" "guest files for 100 agents" "and the guest files are written"
sleep 2
expect_eq "$(nic_counts "$P100")" "[[1, 1]]" "the tasks already sent still end: one trunk and one management NIC each"
expect_rc 0 "a re-run finishes the job" vt apply -f "$P100" -o "$T_TMP/int2" -q
expect_rc 0 "and everything is in sync" vt status -f "$P100" -q
t_done
