#!/usr/bin/env bash
# "autoscale".tag (issue 16): VMs carrying a vCenter tag are agents, alone or together with
# "match" (both must hold). plan, apply and status read the tag's VMs over the REST API
# (tests/lib/pyread.py makes and attaches the tag through its own REST session, and reads
# the NICs and slots back); watch (asynchronous test vCenter) finds a VM that is an agent
# by its tag at its periodic full re-read (--resync): tag attachments are not properties a
# PropertyCollector filter reports.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/watch.sh"
vcsim_start --vms 4 --trap || exit 1
vcsim_env
plan() { # plan FILE AUTOSCALE-JSON
	cat >"$1" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "VM Network"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/16", "gateway": "10.150.0.1", "agent_prefix": 26}],
 "agents": [],
 "autoscale": $2}
J
}
auto() { json "$T_OUT" 'sorted(a["vm"] for a in d["agents"] if a.get("autoscale"))'; }
A=DC0_H0_VM1 B=DC0_C0_RP0_VM0
vcsim_pyread make-tag Kasm kasm-autoscale >/dev/null
vcsim_pyread attach Kasm kasm-autoscale "$A" >/dev/null
vcsim_pyread attach Kasm kasm-autoscale "$B" >/dev/null

P=$T_TMP/tag.json
plan "$P" '{"tag": "kasm-autoscale", "slots": "16-99", "mgmt": "dhcp"}'
expect_rc 4 "plan with autoscale.tag alone is accepted (changes pending)" vt plan -f "$P" --json
expect_eq "$(auto)" "['$B', '$A']" "its agents are exactly the two VMs carrying the tag"
plan "$T_TMP/both.json" '{"match": "DC0_H0_*", "tag": "kasm-autoscale", "slots": "16-99", "mgmt": "dhcp"}'
expect_rc 4 "plan with match and tag" vt plan -f "$T_TMP/both.json" --json
expect_eq "$(auto)" "['$A']" "takes only the VM that matches the name and carries the tag"
plan "$T_TMP/cat.json" '{"tag": "Kasm/kasm-autoscale", "slots": "16-99", "mgmt": "dhcp"}'
expect_rc 4 "CATEGORY/TAG names the tag too" vt plan -f "$T_TMP/cat.json" --json
expect_eq "$(auto)" "['$B', '$A']" "the same two VMs"
plan "$T_TMP/none.json" '{"tag": "no-such-tag", "slots": "16-99", "mgmt": "dhcp"}'
expect_rc 4 "a tag vCenter does not have: accepted (the port group is still to make)" vt plan -f "$T_TMP/none.json" --json
expect_eq "$(auto)" "[]" "no VM is an agent"
expect_in "$T_ERR" "no VM is an autoscale agent" "and a warning says so"

expect_rc 0 "apply with autoscale.tag" vt apply -f "$P" -o "$T_TMP/out" --json
PC check DC0_ Kasm-Trunk "VM Network" >"$T_TMP/state.json"
expect_eq "$(json "$T_TMP/state.json" 'sorted(n for n, v in d.items() if v["trunk"] == 1 and v["slot"] is not None)')" \
	"['$B', '$A']" "the tagged VMs got a trunk NIC and a slot (read back through pyvmomi)"
expect_eq "$(json "$T_TMP/state.json" 'sorted(n for n, v in d.items() if v["trunk"] or v["slot"] is not None)')" \
	"['$B', '$A']" "and no other VM was touched"
expect_rc 0 "status: in sync" vt status -f "$P" --json
expect_eq "$(auto)" "['$B', '$A']" "status lists them as autoscaled agents"

if vcsim_async; then
	# watch: a clone that gets the tag after its creation is an agent from the next re-read.
	plan "$T_TMP/w.json" '{"tag": "kasm-autoscale", "slots": "16-99", "mgmt": "dhcp"}'
	LOG=$T_TMP/watch.log
	"$VTRUNK" watch -f "$T_TMP/w.json" -o "$T_TMP/wout" --guestinfo --json --resync 3 >"$LOG" 2>"$T_TMP/watch.err" &
	WP=$!
	watch_started "$LOG"
	PC clone DC0_H0_VM0 kasm-auto- 1 2 >/dev/null || not_ok "cloning"
	vcsim_pyread attach Kasm kasm-autoscale kasm-auto-1 >/dev/null
	for _ in $(seq 200); do
		[ "$(PC check kasm-auto-1 Kasm-Trunk "VM Network" | jsons "$(cat)" 'd["kasm-auto-1"]["gi"]')" = True ] && break
		sleep 0.2
	done
	PC check kasm-auto- Kasm-Trunk "VM Network" >"$T_TMP/state.json"
	expect_eq "$(json "$T_TMP/state.json" '(d["kasm-auto-1"]["trunk"], d["kasm-auto-1"]["slot"] is not None, d["kasm-auto-1"]["gi"])')" \
		"(1, True, True)" "watch configured the clone that got the tag"
	expect_eq "$(json "$T_TMP/state.json" '(d["kasm-auto-2"]["trunk"], d["kasm-auto-2"]["slot"])')" "(0, None)" \
		"and left the clone without it alone"
	expect_in "$LOG" '"event":"resync"' "(found at a periodic re-read)"
	kill -TERM "$WP"
	wait "$WP"
	expect_eq "$?" 0 "SIGTERM: watch exits 0"
fi
expect_rc 0 "destroy --guestinfo handles them like listed agents" vt destroy -f "$P" --guestinfo --keep-portgroup
PC check DC0_ Kasm-Trunk "VM Network" >"$T_TMP/state.json"
expect_eq "$(json "$T_TMP/state.json" '[n for n, v in d.items() if v["trunk"] or v["slot"] is not None]')" "[]" \
	"the tagged VMs lost their trunk NIC and slot"
t_done
