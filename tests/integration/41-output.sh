#!/usr/bin/env bash
# Output and exit codes as a script sees them (issue 14): -q leaves only the closing line
# on stdout; destroy --dry-run shows what destroy would remove and changes nothing; --json
# and exit codes are the same for every command; a double Ctrl-C still prints the report.
# Runs on both test vCenters (VCSIM_KIND); the Ctrl-C check needs the asynchronous one.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/proxy.sh"
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
           "vlans": [{"id": 150, "subnet": "10.150.0.0/16", "gateway": "10.150.0.1", "agent_prefix": 25}],
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

# --- --json and exit codes alike for every command ---
expect_rc 3 "ls --json with a wrong password exits 3" env VTRUNK_PASSWORD=wrong "$VTRUNK" ls --json
expect_in "$T_OUT" '"error"' "ls --json prints an {\"error\": ...} document on stdout"
expect_eq "$(json "$T_OUT" '"error" in d and d["errors"] == 1')" True "and it parses as JSON"
expect_in "$T_ERR" "vtrunk:" "the failure reaches stderr too"
expect_rc 2 "ls --json of something it does not list exits 2" vt ls bogus --json
expect_eq "$(json "$T_OUT" '"switches, portgroups, vms" in d["error"]')" True "with an error document"
expect_rc 3 "thumbprint --json of a port nobody listens on exits 3" vt thumbprint --json --url https://127.0.0.1:1/sdk
expect_eq "$(json "$T_OUT" 'bool(d["error"])')" True "thumbprint --json prints an error document"
expect_in "$T_ERR" "vtrunk:" "and says it on stderr"
plan "$T_TMP/gone.json" DC0_H0_VM0 no-such-vm
expect_rc 1 "plan with a missing VM exits 1" vt plan -f "$T_TMP/gone.json"
expect_in "$T_OUT" "vm-not-found" "plan names it vm-not-found"
expect_in "$T_OUT" "2 pending changes, 1 error" "the footer does not count the missing VM as a pending change"
expect_rc 1 "status with a missing VM exits 1, as plan does (the README's table)" vt status -f "$T_TMP/gone.json"
expect_rc 1 "plan --json with a missing VM" vt plan -f "$T_TMP/gone.json" --json
expect_eq "$(json "$T_OUT" 'd["changes"], d["errors"]')" "(2, 1)" "--json: 2 changes (not the missing VM), 1 error"
expect_in "$T_ERR" 'VM "no-such-vm" not found' "--json: the missing VM reaches stderr"
expect_rc 1 "status --json with a missing VM" vt status -f "$T_TMP/gone.json" --json
expect_eq "$(json "$T_OUT" '[(a["states"], a["actions"]) for a in d["agents"]]')" \
	"[(['missing-trunk-nic'], ['missing-trunk-nic']), (['vm-not-found'], ['vm-not-found'])]" \
	"status --json: each agent's states under \"states\" (and \"actions\", as before)"
/usr/bin/python3 - <<'PY' || not_ok "two VMs with one name made"
import os, ssl, time
from urllib.parse import urlsplit
from pyVim.connect import SmartConnect
from pyVmomi import vim
u = urlsplit(os.environ["VCSIM_URL"])
si = SmartConnect(host=u.hostname, port=u.port, user=os.environ["VCSIM_USER"], pwd=os.environ["VCSIM_PASSWORD"],
                  sslContext=ssl._create_unverified_context())
c = si.RetrieveContent()
def wait(t):
    while t.info.state in ("queued", "running"):
        time.sleep(0.05)
    assert t.info.state == "success", t.info.error
vms = {o.name: o for o in c.viewManager.CreateContainerView(c.rootFolder, [vim.VirtualMachine], True).view}
dc = [d for d in c.rootFolder.childEntity if d.name == "DC0"][0]
# One folder cannot hold two VMs of one name: the second goes into another first.
f = dc.vmFolder.CreateFolder("other")
wait(f.MoveIntoFolder_Task([vms["DC0_C0_RP0_VM1"]]))
wait(vms["DC0_C0_RP0_VM1"].Rename_Task("DC0_H0_VM1"))
PY
for c in plan status; do
	expect_rc 1 "$c with two VMs of one name exits 1" vt "$c" -f "$P" --json
	expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"] if a["vm"] == "DC0_H0_VM1"][0]')" "['vm-ambiguous']" \
		"$c names it vm-ambiguous, not vm-not-found"
	expect_in "$T_ERR" '2 VMs are named "DC0_H0_VM1"' "$c says why on stderr"
done

# --- a double Ctrl-C keeps the report (the asynchronous test vCenter: tasks take time) ---
if ! vcsim_async; then
	echo "# double Ctrl-C: skipped on this test vCenter (needs VCSIM_KIND=async)"
	t_done
	exit
fi
vcsim_stop
vcsim_start --vms 150 --task-delay 4000 --trap || exit 1
vcsim_env
P150=$T_TMP/p150.json
# shellcheck disable=SC2046 # one word a VM name
plan "$P150" $(vcsim_pyread vms | jsons "$(cat)" '" ".join(sorted(v["name"] for v in d))')
trunk_vms() { # the VMs with a trunk NIC, read by pyvmomi: {name: [keys]}
	vcsim_pyread vms | /usr/bin/python3 -c '
import json, sys
print(json.dumps({v["name"]: [n["key"] for n in v["nics"] if n.get("portgroup") == "Kasm-Trunk"] for v in json.load(sys.stdin)}))'
}
# Two signals while vtrunk reads vCenter, before anything is sent: the proxy holds the
# first read's answer for 3 s.
proxy_start --upstream "$VCSIM_URL" --rule 'RetrievePropertiesEx:1:delay:3' --trap || exit 1
vcsim_reset_stats
VTRUNK_URL=$PROXY_URL VTRUNK_THUMBPRINT=$PROXY_SHA256 ${VTRUNK_WRAP:-} "$VTRUNK" apply -f "$P150" -o "$T_TMP/int0" \
	>"$T_OUT" 2>"$T_ERR" &
pid=$!
for _ in $(seq 100); do [ "$(vcsim_count RetrievePropertiesEx)" -ge 1 ] && break; sleep 0.05; done
sleep 0.3
kill -INT "$pid"
sleep 0.05
kill -INT "$pid"
wait "$pid"
expect_eq "$?" 1 "two signals during the first read: exit 1, not 3"
expect_eq "$(cat "$T_OUT")" "0 changes, 1 error" "stdout: the closing line, not nothing"
expect_not_in "$T_ERR" "Callback aborted" "stderr says it was interrupted, not libcurl's words"
expect_in "$T_ERR" "interrupted" "but that vtrunk was interrupted"
expect_eq "$(vcsim_count ReconfigVM_Task)/$(vcsim_count AddDVPortgroup_Task)" "0/0" "nothing was sent"
# Two signals while the 150 reconfigure tasks run.
vcsim_reset_stats
${VTRUNK_WRAP:-} "$VTRUNK" apply -f "$P150" -o "$T_TMP/int" --json >"$T_OUT" 2>"$T_ERR" &
pid=$!
for _ in $(seq 300); do [ "$(vcsim_count ReconfigVM_Task)" -ge 150 ] && break; sleep 0.1; done
kill -INT "$pid"
# The second signal 1.5 s later: tasks take 4 s +- 2 s, so some have ended, most still run.
sleep 1.5
kill -INT "$pid"
wait "$pid"
expect_eq "$?" 1 "two signals while 150 tasks run: exit 1"
expect_in "$T_ERR" "interrupted again" "vtrunk got both signals"
expect_not_in "$T_ERR" "Callback aborted" "without libcurl's words"
trunk_vms >"$T_TMP/trunk.json"
cp "$T_OUT" "$T_TMP/int.json"
expect_eq "$(json "$T_TMP/int.json" 'len(d["agents"])')" 150 "the report is on stdout, with all 150 agents"
# What the report credits is what vCenter holds; every other agent's task was still running.
expect_eq "$(/usr/bin/python3 - "$T_TMP/int.json" "$T_TMP/trunk.json" <<'PY'
import json, sys
d, have = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
done = [a for a in d["agents"] if "added-nic" in a["actions"]]
bad = [a["vm"] for a in done if have.get(a["vm"]) != [a["trunk_nic"]["key"]]]
other = [a for a in d["agents"] if "added-nic" not in a["actions"]]
why = [a["vm"] for a in other if "had not ended when vtrunk stopped waiting" not in (a["error"] or "")]
print(len(done) > 0, bad, why, d["changes"] == len(done) + 1, d["errors"] == len(other))
PY
)" "True [] [] True True" \
	"each agent the report credits has that trunk NIC (pyvmomi); each other one's task was still running; the counts add up"
for _ in $(seq 30); do [ "$(trunk_vms | jsons "$(cat)" 'all(d.values())')" = True ] && break; sleep 1; done
expect_eq "$(trunk_vms | jsons "$(cat)" 'sorted(set(len(k) for k in d.values()))')" "[1]" \
	"the tasks already sent end: one trunk NIC on each of 150 agents"

t_done
