#!/usr/bin/env bash
# Output and exit codes as a script sees them (issue 14): -q leaves only the closing line
# on stdout; destroy --dry-run shows what destroy would remove and changes nothing; --json
# and exit codes are the same for every command; a double Ctrl-C still prints the report.
# Runs on both test vCenters (VCSIM_KIND); the Ctrl-C check needs the asynchronous one.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 4 --trap || exit 1
vcsim_env
P=$T_TMP/plan.json
# plan FILE VM...: a plan with those agents.
plan() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
agents = [{"vm": n, "mgmt_address": "10.0.0.%d" % (11 + i)} for i, n in enumerate(sys.argv[2:])]
json.dump({"datacenter": "DC0", "switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "VM Network", "prefix": 24},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
           "agents": agents}, open(sys.argv[1], "w"))
PY
}
plan "$P" DC0_H0_VM0 DC0_H0_VM1
lines() { wc -l <"$1" | tr -d ' '; }

# --- -q: only the closing line on stdout ---
expect_rc 4 "plan -q: changes pending" vt plan -f "$P" -q
expect_eq "$(cat "$T_OUT")" "3 pending changes" "plan -q prints only the closing line"
expect_rc 0 "apply -q" vt apply -f "$P" -o "$T_TMP/out" -q
expect_eq "$(cat "$T_OUT")" "3 changes, 0 errors" "apply -q prints only the closing line (no table, no \"guest files\")"
expect_eq "$(lines "$T_ERR")" 0 "and nothing on stderr"
expect_rc 0 "apply -q again (the README's example)" vt apply -f "$P" -o "$T_TMP/out" -q
expect_eq "$(cat "$T_OUT")" "0 changes, 0 errors" "prints \"0 changes, 0 errors\" as the README shows"
expect_rc 0 "status -q in sync" vt status -f "$P" -q
expect_eq "$(lines "$T_OUT")" 0 "status -q in sync prints nothing"
expect_rc 0 "apply -q --json" vt apply -f "$P" -o "$T_TMP/out" -q --json
expect_eq "$(json "$T_OUT" 'len(d["agents"])')" 2 "--json is not cut by -q"
plan "$T_TMP/missing.json" DC0_H0_VM0 no-such-vm
expect_rc 1 "apply -q with a missing VM exits 1" vt apply -f "$T_TMP/missing.json" -o "$T_TMP/out" -q
expect_eq "$(cat "$T_OUT")" "0 changes, 1 error" "stdout: the closing line only"
expect_in "$T_ERR" 'VM "no-such-vm" not found' "the missing VM is named on stderr"

# --- destroy --dry-run: what destroy would remove, nothing changed ---
expect_rc 0 "apply --guestinfo" vt apply -f "$P" -o "$T_TMP/out" --guestinfo -q
vcsim_pyread vms >"$T_TMP/before.json"
vcsim_reset_stats
expect_rc 4 "destroy --dry-run exits 4: it would change something" vt destroy -f "$P" --dry-run --guestinfo
expect_in "$T_OUT" 'port group "Kasm-Trunk" on DVS0 (DC0): remove' "it says the port group would go"
expect_in "$T_OUT" "remove-trunk-nic,remove-guestinfo" "and what each agent would lose"
expect_in "$T_OUT" "3 pending changes" "closing line: the pending changes"
expect_rc 4 "destroy --dry-run --json" vt destroy -f "$P" --dry-run --guestinfo --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"], d["dry_run"], d["changes"], d["errors"]')" "('remove', True, 3, 0)" \
	"--json: portgroup remove, dry_run true, 3 changes"
expect_eq "$(json "$T_OUT" 'sorted(set(tuple(a["actions"]) for a in d["agents"]))')" "[('remove-trunk-nic', 'remove-guestinfo')]" \
	"--json: each agent would lose its trunk NIC and its guestinfo"
expect_eq "$(vcsim_count ReconfigVM_Task)/$(vcsim_count Destroy_Task)/$(vcsim_count ReconfigureDVPortgroup_Task)" "0/0/0" \
	"vCenter saw no ReconfigVM_Task, Destroy_Task, ReconfigureDVPortgroup_Task"
vcsim_pyread vms >"$T_TMP/after.json"
if cmp -s "$T_TMP/before.json" "$T_TMP/after.json"; then ok "pyvmomi reads every VM as before"; else not_ok "pyvmomi reads every VM as before"; fi
expect_eq "$(vcsim_pyread portgroup Kasm-Trunk | jsons "$(cat)" 'd["exists"]')" True "the port group is still there"
expect_rc 4 "destroy --dry-run --keep-portgroup" vt destroy -f "$P" --dry-run --keep-portgroup --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"], d["changes"], d["agents"][0]["actions"]')" "('keep', 2, ['remove-trunk-nic'])" \
	"--keep-portgroup: keep, 2 changes (guestinfo untouched without --guestinfo)"
# Another VM on the trunk port group keeps it in use.
plan "$T_TMP/other.json" DC0_C0_RP0_VM0
expect_rc 0 "a VM outside the plan gets a trunk NIC" vt apply -f "$T_TMP/other.json" -o "$T_TMP/o2" -q
expect_rc 4 "destroy --dry-run with another VM on the port group" vt destroy -f "$P" --dry-run --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"], d["portgroup"]["users"]')" "('keep', 1)" "the port group would be kept: 1 other VM uses it"
expect_in "$T_ERR" "DC0_C0_RP0_VM0" "stderr names that VM"
expect_rc 0 "destroy the other plan" vt destroy -f "$T_TMP/other.json" --keep-portgroup -q
expect_rc 0 "destroy -q" vt destroy -f "$P" -q --guestinfo
expect_eq "$(cat "$T_OUT")" "3 changes, 0 errors" "destroy -q prints only the closing line"
expect_rc 0 "destroy --dry-run after destroy exits 0: nothing to do" vt destroy -f "$P" --dry-run --guestinfo
expect_in "$T_OUT" ": absent" "the port group is absent"
expect_not_in "$T_OUT" "pending" "no pending changes"
expect_rc 2 "--dry-run is destroy's only" vt apply -f "$P" --dry-run

t_done
