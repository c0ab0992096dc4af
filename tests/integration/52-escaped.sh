#!/usr/bin/env bash
# Escaped names (issue 13): vCenter stores /, \ and % in entity names as %2f, %5c and %25
# (vim.ManagedEntity.name; the asynchronous test vCenter does so for port groups, switches and
# renames, names.go; Debian's simulator 0.24 stores names as sent, so the script gives it the
# escaped form a real vCenter holds). vtrunk compares and prints
# them unescaped and sends the port group's name escaped: a port group "Kasm/Trunk 50%" is
# created once and found again, a management network "Mgmt 10.0.0.0/24" is found, a VM named
# with a backslash is found, and `ls` prints the real names.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --trap || exit 1
vcsim_env

PG='Kasm/Trunk 50%\x'
MG='Mgmt 10.0.0.0/24 100%'
VMN='agent\one 50%'
# Debian's simulator stores names as sent: give it the escaped form a real vCenter would hold.
stored() {
	if vcsim_async; then printf '%s' "$1"; else printf '%s' "$1" | sed 's/%/%25/g; s,/,%2f,g; s/\\/%5c/g'; fi
}
vcsim_pyread add-portgroup DVS0 "$(stored "$MG")" >/dev/null &&
	vcsim_pyread rename vm DC0_H0_VM0 "$(stored "$VMN")" >/dev/null
expect_eq "$?" 0 "pyvmomi adds a management port group and renames a VM with /, \\ and % in their names"

P=$T_TMP/plan.json
/usr/bin/python3 - "$P" "$PG" "$MG" "$VMN" <<'PY'
import json, sys
json.dump({"switch": "DVS0", "trunk": {"portgroup": sys.argv[2], "vlans": "100-200"},
           "management": {"network": sys.argv[3]},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
           "agents": [{"vm": sys.argv[4], "mgmt_address": "10.0.0.5"}]}, open(sys.argv[1], "w"))
PY

expect_rc 0 "apply creates the port group and finds the management network and the VM" \
	vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"]')" created "the port group is created"
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" "[['added-nic', 'added-nic']]" \
	"the agent gets its trunk and management NICs"
# What pyvmomi sees, unescaped the same way (a test of its own, not vtrunk's decoder).
unesc_nics() {
	vcsim_pyread vms | /usr/bin/python3 -c '
import json, re, sys
u = lambda s: re.sub(r"%(2[fF]|5[cC]|25)", lambda m: {"2f": "/", "5c": "\\", "25": "%"}[m.group(1).lower()], s or "")
vm = [v for v in json.load(sys.stdin) if u(v["name"]) == sys.argv[1]][0]
print(sorted(u(n["portgroup"] or n["network"]) for n in vm["nics"]))' "$VMN"
}
expect_eq "$(unesc_nics)" "$(/usr/bin/python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$MG" "$PG" DC0_DVPG0)" \
	"pyvmomi sees the VM's NICs on the trunk and the management port groups"
expect_eq "$(vcsim_pyread portgroup "$PG" | jsons "$(cat)" 'len(d.get("all", [d]))')" 1 "one port group of that name"

expect_rc 0 "a second apply" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"]')" unchanged "finds the port group again: unchanged"
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" "[['unchanged']]" "and the agent unchanged"
expect_eq "$(vcsim_pyread portgroup "$PG" | jsons "$(cat)" 'len(d.get("all", [d]))')" 1 "still one port group of that name"

expect_rc 0 "status is in sync" vt status -f "$P"

expect_rc 0 "ls portgroups" vt ls portgroups
expect_in "$T_OUT" "$PG" "ls prints the port group's real name"
expect_in "$T_OUT" "$MG" "and the management network's"
expect_not_in "$T_OUT" "Kasm%2f" "never the escaped form"
expect_rc 0 "ls vms --json" vt ls vms --json
expect_eq "$(json "$T_OUT" "'''$VMN''' in [v['name'] for v in d['vms']]")" True "ls --json carries the VM's real name"
expect_eq "$(json "$T_OUT" "[v['path'] for v in d['vms'] if v['name'] == '''$VMN'''][0]")" '/DC0/vm/agent%5cone 50%25' \
	"and its inventory path with the name escaped, as govc writes it (/ only separates)"
sed 's|"vm": "agent[^"]*"|"vm": "/DC0/vm/agent%5cone 50%25"|' "$P" >"$T_TMP/bypath.json"
expect_rc 0 "a plan naming the VM by that path is in sync" vt status -f "$T_TMP/bypath.json"

expect_rc 0 "destroy" vt destroy -f "$P" --json
expect_eq "$(vcsim_pyread portgroup "$PG" | jsons "$(cat)" 'd["exists"]')" False "removes the port group"
t_done
