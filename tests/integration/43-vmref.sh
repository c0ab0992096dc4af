#!/usr/bin/env bash
# Agents named by inventory path, UUID or moref (issue 14): two VMs with one name are
# still refused for a bare name (the message says how to pick one), and are told apart by
# "vm": "/DC0/vm/kasm/NAME", by "uuid" (BIOS config.uuid or config.instanceUuid) or by
# "moref". apply changes only the VM named; the guest files' directory is the VM's name.
# The folder and the second VM of one name are made through pyvmomi (pyread.py move, rename).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 4 --trap || exit 1
vcsim_env
vcsim_pyread move DC0_H0_VM1 kasm >"$T_TMP/move.json" &&
	vcsim_pyread rename vm DC0_H0_VM1 DC0_H0_VM0 >/dev/null
expect_eq "$?" 0 "pyvmomi moves DC0_H0_VM1 into the folder kasm and names it DC0_H0_VM0"
VMS=$T_TMP/vms.json
vcsim_pyread vms >"$VMS"
# The VM in kasm is the one that was DC0_H0_VM1.
KASM=$(json "$T_TMP/move.json" 'd["vm"]')
MOREF2=$(json "$VMS" '[v["moid"] for v in d if v["name"] == "DC0_C0_RP0_VM0"][0]')
UUID3=$(json "$VMS" '[v["uuid"] for v in d if v["name"] == "DC0_C0_RP0_VM1"][0]')
IUUID_TOP=$(json "$VMS" '[v["instance_uuid"] for v in d if v["name"] == "DC0_H0_VM0"][0]')

# plan_with AGENTS_JSON: the plan with those agents, in $P.
P=$T_TMP/plan.json
plan_with() {
	/usr/bin/python3 - "$P" "$1" <<'PY'
import json, sys
plan = {"datacenter": "DC0", "switch": "DVS0",
        "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
        "management": {"network": "DC0_DVPG0", "prefix": 16, "gateway": "10.0.255.254"},
        "vlans": [{"id": 150, "subnet": "10.150.0.0/20", "gateway": "10.150.0.1", "agent_prefix": 25}],
        "agents": json.loads(sys.argv[2])}
json.dump(plan, open(sys.argv[1], "w"), indent=1)
PY
}
# nic_count MOID: how many NICs the VM has on Kasm-Trunk (pyvmomi's reading).
nic_count() { vcsim_pyread vms | jsons "$(cat)" "[len([n for n in v['nics'] if n['portgroup'] == 'Kasm-Trunk']) for v in d if v['moid'] == '$1'][0]"; }

plan_with '[{"vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.11"}]'
expect_rc 1 "a bare name two VMs have: refused (exit 1)" vt plan -f "$P"
expect_in "$T_OUT" "2 VMs are named" "saying two VMs have it"
grep -hF "name it by inventory path (\"vm\": \"/DC0/vm/…/DC0_H0_VM0\"), \"uuid\" or \"moref\"" "$T_OUT" "$T_ERR" >/dev/null &&
	ok "and how to pick one (path, uuid or moref)" || not_ok "and how to pick one (path, uuid or moref)"

plan_with "[{\"vm\": \"/DC0/vm/kasm/DC0_H0_VM0\", \"mgmt_address\": \"10.0.0.11\"},
            {\"moref\": \"$MOREF2\", \"mgmt_address\": \"10.0.0.12\"},
            {\"uuid\": \"${UUID3^^}\", \"mgmt_address\": \"10.0.0.13\"}]"
expect_rc 4 "by path, moref and BIOS uuid (in upper case): plan finds each (exit 4, changes pending)" vt plan -f "$P" --json
expect_eq "$(json "$T_OUT" '[a["vm"] for a in d["agents"]]')" "['DC0_H0_VM0', 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']" \
	"the report names each agent by its VM's name"
expect_eq "$(json "$T_OUT" '[a.get("error") for a in d["agents"]]')" "[None, None, None]" "none failed"
expect_rc 0 "apply" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(nic_count "$KASM"):$(nic_count "$MOREF2")" "1:1" "the VM in kasm and the moref's VM got their trunk NIC (pyvmomi)"
TOP=$(json "$VMS" '[v["moid"] for v in d if v["name"] == "DC0_H0_VM0" and v["moid"] != "'"$KASM"'"][0]')
expect_eq "$(nic_count "$TOP")" 0 "the other DC0_H0_VM0 is untouched"
expect_eq "$(cd "$T_TMP/out" && ls -d */ | tr -d / | sort | tr '\n' ' ')" "DC0_C0_RP0_VM0 DC0_C0_RP0_VM1 DC0_H0_VM0 " \
	"the guest files' directories are the VMs' names"
expect_rc 0 "status: in sync" vt status -f "$P"

plan_with "[{\"uuid\": \"$IUUID_TOP\", \"mgmt_address\": \"10.0.0.11\"}]"
expect_rc 4 "by instance uuid: the other DC0_H0_VM0" vt plan -f "$P" --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]][0]')" "['add-trunk-nic']" "which still lacks its trunk NIC"

plan_with "[{\"vm\": \"DC0_H0_VM0\", \"mgmt_address\": \"10.0.0.11\"}, {\"moref\": \"$TOP\", \"mgmt_address\": \"10.0.0.12\"}]"
expect_rc 1 "a moref whose VM has another agent's name: refused" vt plan -f "$P"
expect_in "$T_OUT" "agents[1]: its VM ($TOP) is named \"DC0_H0_VM0\", as agents[0]'s is" "their guest files would share a directory"

plan_with '[{"vm": "/DC0/vm/other/DC0_H0_VM0", "mgmt_address": "10.0.0.11"}, {"moref": "vm-999999", "mgmt_address": "10.0.0.12"},
            {"uuid": "00000000-0000-0000-0000-000000000000", "mgmt_address": "10.0.0.13"}]'
expect_rc 1 "a path, a moref and a uuid that name no VM: exit 1" vt plan -f "$P"
for want in 'VM at "/DC0/vm/other/DC0_H0_VM0" not found in datacenter "DC0"' 'VM "vm-999999" not found' \
	'VM with uuid "00000000-0000-0000-0000-000000000000" not found'; do
	if grep -qF -- "$want" "$T_OUT" "$T_ERR"; then ok "says: $want"; else not_ok "says: $want"; fi
done

expect_rc 0 "ls vms --json" vt ls vms --json
expect_eq "$(json "$T_OUT" '[(v["path"], v["uuid"] != "") for v in d["vms"] if v["moref"] == "'"$KASM"'"]')" \
	"[('/DC0/vm/kasm/DC0_H0_VM0', True)]" "lists each VM's path, moref and uuid"

t_done
