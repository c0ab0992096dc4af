#!/usr/bin/env bash
# scale.sh — benchmark (not a test) of issue 13's scale rows, printed and written into
# tests/bench/RESULTS.md (between the "scale" markers; run.sh's report.py rewrites the rest):
#   inventory  `vtrunk apply` of 100 agents among M VMs (M = 100, 2000): what the inventory
#              size costs a plan that does not grow (wall, vtrunk's user+sys CPU, requests)
#   cpu/VM     `vtrunk plan` of N agents among N VMs (N = 1000 5000 10000; read everything,
#              find every agent's VM, diff): vtrunk's user+sys CPU per VM, flat when lookups
#              are hashed and quadratic when each agent scans every VM
# Each row for every binary of BENCH_SCALE_BINS ("label=path ...", default "head=build/vtrunk";
# e.g. BENCH_SCALE_BINS="main=/work/main/build/vtrunk head=build/vtrunk" for before/after),
# each on a fresh test vCenter (no latency): Debian's vcsim for the inventory row, the
# asynchronous one (BENCH_SCALE_CPU_KIND) for the CPU row. CPU is /usr/bin/time's %U+%S of
# vtrunk alone; `valgrind --tool=callgrind` gives repeatable instruction counts instead.
#   BENCH_SCALE_N="1000 5000 10000"  BENCH_SCALE_INV="100 2000"  BENCH_RESULTS=tests/bench/RESULTS.md
# Takes about 10 min on 2 cores for two binaries (vcsim's start with 10000 VMs is most of it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
. tests/lib/vcsim.sh
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
export VCSIM_READY_S=${VCSIM_READY_S:-300}
BINS=${BENCH_SCALE_BINS:-head=build/vtrunk}
NS=${BENCH_SCALE_N:-1000 5000 10000}
INV=${BENCH_SCALE_INV:-100 2000}
# The CPU row runs on the asynchronous test vCenter by default: it pages (maxObjects), so
# main's build, which refuses answers over 16 MiB, can be measured at 10000 VMs too.
CPU_KIND=${BENCH_SCALE_CPU_KIND:-async}
RESULTS=${BENCH_RESULTS-tests/bench/RESULTS.md}
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

plan() { # N FILE: N agents on vcsim's two pools, management network DC0_DVPG0
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
n = int(sys.argv[1]); half = max(n // 2, 1)
agents = [{"vm": f"{pool}_VM{i}", "mgmt_address": f"172.16.{k // 250}.{k % 250 + 1}"}
          for k, (pool, i) in enumerate([(p, i) for p in ("DC0_H0", "DC0_C0_RP0") for i in range(half)])][:n]
json.dump({"datacenter": "DC0", "switch": "DVS0",
           "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "DC0_DVPG0", "prefix": 12},
           "vlans": [{"id": 150, "subnet": "10.144.0.0/12", "gateway": "10.144.0.1", "agent_prefix": 26}],
           "agents": agents}, open(sys.argv[2], "w"))
PY
}

# measure BIN CMD VMS AGENTS: prints "wall cpu_s requests rc" (plan exits 4: changes pending)
measure() {
	vcsim_start --vms "$3" >/dev/null || return 1
	plan "$4" "$dir/plan.json"
	vcsim_reset_stats >/dev/null
	VTRUNK_URL=$VCSIM_URL VTRUNK_USERNAME=$VCSIM_USER VTRUNK_PASSWORD=$VCSIM_PASSWORD VTRUNK_THUMBPRINT=$VCSIM_SHA256 \
		/usr/bin/time -q -f '%e %U %S' -o "$dir/time" "$1" "$2" -f "$dir/plan.json" $([ "$2" = apply ] && echo -o "$dir/out" -q) >/dev/null 2>"$dir/err"
	rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 4 ] || sed "s/^/# $2: /" "$dir/err" >&2
	read -r wall u s <"$dir/time"
	echo "$wall $(echo "$u $s" | awk '{printf "%.2f", $1 + $2}') $(vcsim_count) $rc"
	vcsim_stop
	rm -rf "$dir/out"
}

out=$dir/table.md
{
	echo "### Inventory size: 100 agents among M VMs (\`vtrunk apply\`, Debian vcsim, no latency)"
	echo
	echo "| binary | M VMs | wall s | vtrunk CPU s | requests | exit |"
	echo "|---|---|---|---|---|---|"
} >"$out"
for b in $BINS; do
	for m in $INV; do
		read -r wall cpu req rc < <(measure "${b#*=}" apply "$m" 100)
		echo "| ${b%%=*} | $m | $wall | $cpu | $req | $rc |" >>"$out"
	done
done
{
	echo
	echo "### CPU per VM: \`vtrunk plan\` of N agents among N VMs ($CPU_KIND test vCenter, no latency)"
	echo
	echo "| binary | N | wall s | vtrunk CPU s | CPU µs per VM | exit |"
	echo "|---|---|---|---|---|---|"
} >>"$out"
for b in $BINS; do
	for n in $NS; do
		read -r wall cpu req rc < <(VCSIM_KIND=$CPU_KIND measure "${b#*=}" plan "$n" "$n")
		echo "| ${b%%=*} | $n | $wall | $cpu | $(echo "$cpu $n" | awk '{printf "%.0f", $1 * 1e6 / $2}') | $rc |" >>"$out"
	done
done
cat "$out"
if [ -n "$RESULTS" ] && [ -f "$RESULTS" ]; then
	/usr/bin/python3 - "$RESULTS" "$out" <<'PY'
import sys
path, table = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
begin, end = "<!-- scale: tests/bench/scale.sh -->", "<!-- /scale -->"
block = "%s\n## Scale (issue 13)\n\n%s\n%s\n" % (begin, table, end)
if begin in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end) + 1:]
else:
    text = text.rstrip("\n") + "\n\n" + block
open(path, "w").write(text)
PY
fi
