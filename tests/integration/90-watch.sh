#!/usr/bin/env bash
# vtrunk watch (issue 16): Kasm AutoScale clones configured as they appear. While watch runs
# (through the fault proxy), bursts of 50 clones of a template are made and destroyed with
# pyvmomi; pyclone.py, an independent reader, checks that every live clone has exactly one
# trunk NIC, one management NIC, a slot no other VM holds and its guestinfo, within a bound
# of its creation; that freed slots are reused; that a forced session expiry
# (TerminateSession) and a dropped connection are survived; and that SIGTERM in the middle of
# a burst leaves no VM half done.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/watch.sh"
. "$here/../lib/proxy.sh"
if ! vcsim_async; then
	echo "# $(basename "$0"): skipped: needs the asynchronous test vCenter (VCSIM_KIND=async)"
	t_done
	exit
fi
# A clone must be done this many seconds after its creation. Generous, and far from the
# issue's 5 s: on this shared 2-core machine the test vCenter makes a burst of 50 clones over
# ~20 s and one pass of 50 new agents (two reads, two reconfigure rounds) takes ~5 s, so a
# clone can wait for the pass under way and then its own. tests/bench/watch.sh prints the
# real figures. After a fault, twice that.
BOUND=${WATCH_BOUND_S:-30}
vcsim_start --vms 2 --trap || exit 1
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
proxy_vtrunk_env
P=$T_TMP/plan.json
watch_plan "$P"
TPL=DC0_H0_VM0
LOG=$T_TMP/watch.log
"$VTRUNK" watch -f "$P" -o "$T_TMP/out" --guestinfo --json >"$LOG" 2>"$T_TMP/watch.err" &
WP=$!
watch_started "$LOG"
expect_in "$LOG" '"event":"start"' "watch starts and logs a JSON line"

# burst FIRST COUNT [BOUND]: makes them; checks each is done within BOUND of its creation.
burst() {
	local BOUND=${3:-$BOUND}
	PC clone "$TPL" kasm-auto- "$1" "$2" >"$T_TMP/created.json" || { not_ok "cloning $2 VMs"; return; }
	PC watch-until kasm-auto- Kasm-Trunk "VM Network" $((BOUND * 4)) <"$T_TMP/created.json" >"$T_TMP/lat.json"
	expect_eq "$(json "$T_TMP/lat.json" 'sum(1 for v in d.values() if v is None)')" 0 \
		"burst of $2: every clone got its NICs and slot"
	expect_eq "$(json "$T_TMP/lat.json" "sum(1 for v in d.values() if v is None or v > $BOUND)")" 0 \
		"burst of $2: each within $BOUND s of its creation (slowest $(json "$T_TMP/lat.json" 'max(v or 999 for v in d.values())') s)"
}

burst 1 50
watch_live_ok "after the first burst"
expect_eq "$(json "$T_TMP/state.json" 'sorted(v["slot"] for v in d.values()) == list(range(16, 66))')" True \
	"the 50 clones hold slots 16-65"
NP=$T_TMP/out/kasm-auto-1/etc/netplan/60-vtrunk.yaml
expect_in "$NP" "dhcp4: true" "a clone's netplan file takes its management address by DHCP (\"mgmt\": \"dhcp\")"
if command -v netplan >/dev/null 2>&1; then
	mkdir -p "$T_TMP/np/etc/netplan" && cp "$NP" "$T_TMP/np/etc/netplan/"
	expect_rc 0 "netplan generate accepts it" netplan generate --root-dir "$T_TMP/np"
	# The management NIC's name: its PCI slot's (the template e1000 at 32: ens32), from the facts line.
	MG=$(sed -n 's/^# vtrunk-facts: .* mgmt=\([^ ]*\) .*/\1/p' "$NP")
	expect_in "$T_TMP/np/run/systemd/network/10-netplan-$MG.network" "DHCP=ipv4" "and makes a DHCP networkd unit for the management NIC ($MG)"
fi
expect_rc 0 "status --guestinfo: in sync" vt status -f "$P" --guestinfo --json
expect_eq "$(json "$T_OUT" 'sorted((a["vm"], a["slot"]) for a in d["agents"] if a.get("autoscale"))')" \
	"$(json "$T_TMP/state.json" 'sorted((n, v["slot"]) for n, v in d.items())')" \
	"status lists every clone with the slot it holds in vCenter"

# Kasm scales down: half of them go; their slots are free for the next ones.
PC destroy $(seq -f 'kasm-auto-%g' 1 25) >/dev/null
burst 51 25
watch_live_ok "after 25 destroyed and 25 made"
expect_eq "$(json "$T_TMP/state.json" 'sorted(v["slot"] for v in d.values()) == list(range(16, 66))')" True \
	"the new clones took the freed slots (still 16-65, none past)"
expect_in "$LOG" '"event":"gone"' "the destroyed VMs are logged as gone"

# A forced session expiry: every session of the user but pyclone's own is terminated.
expect_eq "$(PC kill-sessions "${VCSIM_USER%@*}" | jsons "$(cat)" 'd["terminated"] > 0')" True \
	"TerminateSession on the watcher's session"
burst 76 10 $((BOUND * 2))
watch_live_ok "after the session expiry"
expect_in "$LOG" '"event":"reconnect"' "the watcher logged making a new filter"

# A dropped connection: the watcher's next wait is forwarded and its answer thrown away.
proxy_rule 'WaitForUpdatesEx:next:drop' >/dev/null
burst 86 10 $((BOUND * 2))
watch_live_ok "after a dropped connection"
expect_eq "$(proxy_faults drop)" 1 "(the proxy did drop one wait)"

# SIGTERM in the middle of a burst: watch finishes the VMs it started, then exits 0.
PC clone "$TPL" kasm-auto- 96 50 >/dev/null &
CP=$!
for _ in $(seq 200); do grep -q '"vm":"kasm-auto-\(9[6-9]\|1[0-4][0-9]\)"' "$LOG" && break; sleep 0.05; done
kill -TERM "$WP"
wait "$WP"
expect_eq "$?" 0 "SIGTERM: watch exits 0"
wait "$CP"
expect_in "$LOG" '"event":"stop"' "and logs its stop"
watch_state >"$T_TMP/state.json"
expect_eq "$(json "$T_TMP/state.json" '[(n, v["trunk"], v["mgmt"], v["slot"], v["gi"]) for n, v in d.items() if (v["trunk"], v["mgmt"], v["slot"] is not None, v["gi"]) not in ((1, 1, True, True), (0, 0, False, False))]')" \
	"[]" "no VM is half done (each has all of trunk, management NIC, slot, guestinfo, or none)"
expect_eq "$(json "$T_TMP/state.json" 'len([v for v in d.values() if v["slot"] is not None]) - len(set(v["slot"] for v in d.values() if v["slot"] is not None))')" 0 \
	"no two VMs share a slot"
# A plain apply afterwards finishes the rest: the same slots, the same code path.
expect_rc 0 "apply --guestinfo finishes the clones made after the stop" vt apply -f "$P" -o "$T_TMP/out" --guestinfo
watch_live_ok "after apply"
expect_rc 0 "destroy --guestinfo handles the clones like listed agents" vt destroy -f "$P" --guestinfo --keep-portgroup
watch_state >"$T_TMP/state.json"
expect_eq "$(json "$T_TMP/state.json" '[n for n, v in d.items() if v["trunk"] or v["slot"] is not None or v["gi"]]')" "[]" \
	"every clone lost its trunk NIC, its slot and its guestinfo"
t_done
