#!/usr/bin/env bash
# watch.sh — how long `vtrunk watch --guestinfo` takes from a clone's creation (its clone
# task seen to end, by pyvmomi) to the clone holding its NICs, slot and guestinfo (seen by
# pyclone.py polling every 0.2 s, so figures are up to 0.2 s + one read late), for bursts of
# 10, 100 and 500 clones made at once, on the asynchronous test vCenter (TASK_DELAY ms a
# task, default its own). Prints one row a burst: median, 95th percentile and slowest.
#
#   tests/bench/watch.sh [BURST...]     default: 10 100 500
set -u
here=$(cd "$(dirname "$0")" && pwd)
export VCSIM_KIND=async
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/watch.sh"
bursts=${*:-10 100 500}
args=(--vms 2 --trap)
[ -n "${TASK_DELAY:-}" ] && args+=(--task-delay "$TASK_DELAY")
vcsim_start "${args[@]}" || exit 1
vcsim_env
P=$T_TMP/plan.json
watch_plan "$P"
"$VTRUNK_PLAIN" watch -f "$P" -o "$T_TMP/out" --guestinfo --json --parallel "${PARALLEL:-8}" >"$T_TMP/watch.log" 2>&1 &
WP=$!
watch_started "$T_TMP/watch.log"
sleep 1
printf '%-6s %9s %9s %9s\n' burst median p95 slowest
first=1
for n in $bursts; do
	PC clone DC0_H0_VM0 kasm-auto- "$first" "$n" >"$T_TMP/c.json"
	PC watch-until kasm-auto- Kasm-Trunk "VM Network" 600 <"$T_TMP/c.json" >"$T_TMP/lat.json"
	/usr/bin/python3 - "$T_TMP/lat.json" "$n" <<'PY'
import json, sys
v = sorted(x if x is not None else float("inf") for x in json.load(open(sys.argv[1])).values())
p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
print("%-6s %8.2fs %8.2fs %8.2fs" % (sys.argv[2], p(0.5), p(0.95), v[-1]))
PY
	# The next burst starts from an idle watcher and an empty range (after the last: no
	# need; the simulator goes).
	[ "$n" = "${bursts##* }" ] || PC destroy $(json "$T_TMP/lat.json" '" ".join(d)') >/dev/null
	first=$((first + n))
	sleep 2
done
kill -TERM "$WP"
wait "$WP"
t_done >/dev/null
