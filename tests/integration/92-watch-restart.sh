#!/usr/bin/env bash
# vtrunk watch (issue 16) across a vCenter restart, and its periodic full re-read.
#
# The asynchronous test vCenter restarts on demand (tests/vcsim-async/restart.go: every
# session, filter and view gone, connections cut, requests refused for a while). watch runs
# through the fault proxy, so the proxy's counters are the watcher's calls alone. Checked:
# watch logs in again, makes a new view and filter, reads the inventory again, and
# configures the clones made while it was reconnecting and those made afterwards; the agents
# it had configured keep their slots. Then --resync: a trunk NIC removed behind watch's back
# (a change its filter, on the VMs' names, does not report) is put back by the next full
# re-read. Checked through pyclone.py, an independent reader.
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
# Generous bounds (see 90-watch.sh); tests/bench/watch.sh prints the real figures.
BOUND=${WATCH_BOUND_S:-30}
vcsim_start --vms 2 --trap || exit 1
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
proxy_vtrunk_env
P=$T_TMP/plan.json
watch_plan "$P"
TPL=DC0_H0_VM0
LOG=$T_TMP/watch.log
RESYNC=6
"$VTRUNK" watch -f "$P" -o "$T_TMP/out" --guestinfo --json --resync "$RESYNC" >"$LOG" 2>"$T_TMP/watch.err" &
WP=$!
watch_started "$LOG"
expect_in "$LOG" '"event":"start"' "watch starts"

# done_within FILE BOUND WHAT: every clone of FILE (pyclone clone's output) done within BOUND.
done_within() {
	PC watch-until kasm-auto- Kasm-Trunk "VM Network" $(($2 * 4)) <"$1" >"$T_TMP/lat.json"
	expect_eq "$(json "$T_TMP/lat.json" "sum(1 for v in d.values() if v is None or v > $2)")" 0 \
		"$3: every clone got its NICs, slot and guestinfo within $2 s (slowest $(json "$T_TMP/lat.json" 'max(v or 999 for v in d.values())') s)"
}
count() { proxy_count "$1"; }

PC clone "$TPL" kasm-auto- 1 10 >"$T_TMP/c1.json" || not_ok "cloning"
done_within "$T_TMP/c1.json" "$BOUND" "before the restart"
watch_state >"$T_TMP/before.json"
sleep 1
L0=$(count Login) F0=$(count CreateFilter) V0=$(count CreateContainerView) R0=$(count RetrievePropertiesEx)

# The restart: vCenter refuses everything for 4 s (cut connections, then 503s).
expect_eq "$(vcsim_restart 4000 | jsons "$(cat)" 'd["terminated"] >= 1')" True \
	"vCenter restarts with the watcher's session live"
# Clones made the moment vCenter answers again, while watch is still reconnecting.
for _ in $(seq 150); do PC check kasm-auto- Kasm-Trunk "VM Network" >/dev/null 2>&1 && break; sleep 0.2; done
PC clone "$TPL" kasm-auto- 11 10 >"$T_TMP/c2.json" || not_ok "cloning after the restart"
done_within "$T_TMP/c2.json" $((BOUND * 2)) "clones made while watch reconnected"
expect_eq "$(($(count Login) > L0))" 1 "watch logged in again after the restart"
expect_eq "$(($(count CreateContainerView) > V0 && $(count CreateFilter) > F0))" 1 "and made a new view and filter"
expect_eq "$(($(count RetrievePropertiesEx) > R0))" 1 "and read the inventory again"
expect_in "$LOG" '"event":"reconnect"' "the reconnect is logged"
PC clone "$TPL" kasm-auto- 21 10 >"$T_TMP/c3.json" || not_ok "cloning after the reconnect"
done_within "$T_TMP/c3.json" "$BOUND" "clones made after the reconnect"
watch_live_ok "after the restart"
expect_eq "$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print([n for n in a if b[n]["slot"] != a[n]["slot"]])' "$T_TMP/before.json" "$T_TMP/state.json")" \
	"[]" "the clones made before the restart kept their slots"
expect_rc 0 "watch is still running" kill -0 "$WP"

# --resync: a change no filter event reports is caught by the next full re-read.
expect_eq "$(PC strip kasm-auto-3 Kasm-Trunk | jsons "$(cat)" 'd["removed"]')" 1 \
	"a trunk NIC removed behind watch's back"
for _ in $(seq $((RESYNC * 4 * 5))); do
	[ "$(PC check kasm-auto-3 Kasm-Trunk "VM Network" | jsons "$(cat)" 'd["kasm-auto-3"]["trunk"]')" = 1 ] && break
	sleep 0.2
done
watch_live_ok "within a few --resync $RESYNC periods"
expect_in "$LOG" '"event":"resync"' "the re-read is logged"

kill -TERM "$WP"
wait "$WP"
expect_eq "$?" 0 "SIGTERM: watch exits 0"
t_done
