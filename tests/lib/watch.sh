# watch.sh — what the tests and the benchmark of `vtrunk watch` share (90-watch.sh,
# 92-watch-restart.sh, tests/bench/watch.sh). Source from bash after assert.sh and vcsim.sh.
#   PC ARGS...          tests/lib/pyclone.py: the clones, and the independent reader of them
#   watch_plan FILE     the autoscale plan they use: VMs "kasm-auto-*", slots 16-999, DHCP
#                       management, one VLAN
#   watch_started LOG   waits (10 s at most) for watch's "start" line in LOG
#   watch_state         every clone as pyclone.py check reads it (JSON on stdout)
#   watch_live_ok WHAT  checks that every live clone has one trunk NIC, one management NIC,
#                       a slot and its guestinfo, and that no two share a slot
#                       (the state is left in $T_TMP/state.json)
WATCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PC() { /usr/bin/python3 "$WATCH_LIB/pyclone.py" "$@"; }
watch_plan() {
	cat >"$1" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "VM Network"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/16", "gateway": "10.150.0.1", "agent_prefix": 26}],
 "agents": [],
 "autoscale": {"match": "kasm-auto-*", "slots": "16-999", "mgmt": "dhcp"}}
J
}
watch_started() {
	local _
	for _ in $(seq 100); do grep -q '"event":"start"' "$1" && return 0; sleep 0.1; done
	return 1
}
watch_state() { PC check kasm-auto- Kasm-Trunk "VM Network"; }
watch_live_ok() {
	watch_state >"$T_TMP/state.json"
	expect_eq "$(json "$T_TMP/state.json" '[n for n, v in d.items() if (v["trunk"], v["mgmt"], v["slot"] is None, v["gi"]) != (1, 1, False, True)]')" \
		"[]" "$1: every live clone has exactly one trunk NIC, one management NIC, a slot and its guestinfo"
	expect_eq "$(json "$T_TMP/state.json" 'len(d) - len(set(v["slot"] for v in d.values()))')" 0 \
		"$1: no two clones share a slot"
}
