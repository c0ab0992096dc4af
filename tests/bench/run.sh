#!/usr/bin/env bash
# run.sh — the benchmark behind `make bench` (not part of `make check`): the same job done
# three ways against vcsim with an added per-call latency, each run on a fresh vcsim:
#   vtrunk   build/vtrunk apply of a plan with every VM as an agent (management network
#            DC0_DVPG0, which every vcsim VM already has a NIC on: only the trunk NIC is added)
#   pyvmomi  tests/bench/pyvmomi_apply.py, the job written well with pyVmomi
#   loop     tests/bench/loop_apply.sh, a shell loop of one process per VM (vmnic.py)
# The job: create the trunk port group Kasm-Trunk (VLANs 100-200) on DVS0, add one vmxnet3
# NIC on it to every VM, read back every new MAC. After each run tests/bench/verify.py checks
# that every VM has exactly one NIC on the trunk; a run that did not do the job is reported
# loudly, counted as failed, and makes run.sh exit 1.
#
# Records per run: wall time, vcsim's request count (reset right before the run), peak RSS
# and CPU time of the tool (/usr/bin/time), vcsim's CPU time. Prints the table of medians and
# writes it with the machine and an analysis to tests/bench/RESULTS.md (report.py).
# Also: a --parallel sweep of vtrunk, and one traced vtrunk run per N (timeline.py) that
# shows each sequential step of the critical path.
#
# Environment (defaults):
#   BENCH_N="100 500 1000"      numbers of VMs (N from `make bench N=...` works too)
#   BENCH_DELAYS="0 10 50"      ms vcsim adds to every SOAP call
#   BENCH_REPEATS=3             runs of each tool per (N, delay); medians are reported
#   BENCH_TOOLS="vtrunk pyvmomi loop"
#   BENCH_LOOP_MAX_N=100        the loop is slow (a process and ~20 requests per VM): only
#   BENCH_LOOP_REPEATS=1        for N up to this, this many times; larger N are estimated
#   BENCH_PARALLEL=8            vtrunk's --parallel in the main table (its default)
#   BENCH_SWEEP="4 8 16 32 64"  --parallel values for the sweep ("" skips it)
#   BENCH_SWEEP_N=500 BENCH_SWEEP_DELAY=10 BENCH_SWEEP_REPEATS=$BENCH_REPEATS
#   BENCH_TIMELINE_DELAY=10     delay of the traced runs ("" skips them)
#   BENCH_RESULTS=tests/bench/RESULTS.md   where the report goes ("" = print only)
#   BENCH_DATA=tests/bench/results         where the raw figures go ("" = nowhere): runs.tsv,
#                               meta.tsv, timeline<N>.json; report.py DIR --write FILE redoes the report
#   BENCH_NOTE=""               a line for the report (e.g. why repeats were reduced)
#   BENCH_BIN=build/vtrunk      the vtrunk binary (copied first: a rebuild cannot swap it mid-run)
#   BENCH_REV=""                what the report names as its source (default: HEAD, and
#                               how many files in vsphere/ cli/ vm/ differ from it)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
. tests/lib/vcsim.sh
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm

BENCH_N=${BENCH_N:-${N:-100 500 1000}}
BENCH_DELAYS=${BENCH_DELAYS:-0 10 50}
BENCH_REPEATS=${BENCH_REPEATS:-3}
BENCH_TOOLS=${BENCH_TOOLS:-vtrunk pyvmomi loop}
BENCH_LOOP_MAX_N=${BENCH_LOOP_MAX_N:-100}
BENCH_LOOP_REPEATS=${BENCH_LOOP_REPEATS:-1}
BENCH_PARALLEL=${BENCH_PARALLEL:-8}
BENCH_SWEEP=${BENCH_SWEEP-4 8 16 32 64}
BENCH_SWEEP_N=${BENCH_SWEEP_N:-500}
BENCH_SWEEP_DELAY=${BENCH_SWEEP_DELAY:-10}
BENCH_SWEEP_REPEATS=${BENCH_SWEEP_REPEATS:-$BENCH_REPEATS}
BENCH_TIMELINE_DELAY=${BENCH_TIMELINE_DELAY-10}
BENCH_RESULTS=${BENCH_RESULTS-tests/bench/RESULTS.md}
BENCH_DATA=${BENCH_DATA-tests/bench/results}
BENCH_NOTE=${BENCH_NOTE:-}
BENCH_BIN=${BENCH_BIN:-build/vtrunk}
PY=/usr/bin/python3
PG=Kasm-Trunk VLANS=100-200

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BENCH_BIN" ] || make -s all || die "cannot build vtrunk"
[ -x build/vcsim ] || make -s build/vcsim || die "cannot build vcsim"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"
"$PY" -c 'import pyVmomi' 2>/dev/null || die "needs Debian's python3-pyvmomi for $PY"
for n in $BENCH_N $BENCH_SWEEP_N; do
	[ $((n % 2)) = 0 ] || die "N=$n: vcsim needs an even number of VMs"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vtrunk-bench.XXXXXX") || exit 1
trap 'vcsim_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$BENCH_BIN" "$work/vtrunk" || exit 1
{
	echo "commit	${BENCH_REV:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
	echo "dirty	$([ -n "${BENCH_REV:-}" ] && echo 0 || git status --porcelain -- vsphere cli vm 2>/dev/null | wc -l)"
	echo "version	$("$work/vtrunk" version 2>/dev/null | head -1)"
	for v in BENCH_N BENCH_DELAYS BENCH_REPEATS BENCH_TOOLS BENCH_LOOP_MAX_N BENCH_LOOP_REPEATS \
		BENCH_PARALLEL BENCH_SWEEP BENCH_SWEEP_N BENCH_SWEEP_DELAY BENCH_SWEEP_REPEATS \
		BENCH_TIMELINE_DELAY BENCH_NOTE; do
		printf '%s\t%s\n' "$v" "${!v}"
	done
} >"$work/meta.tsv"

plan() { # plan N FILE: every vcsim VM an agent
	"$PY" - "$1" "$2" <<'PY'
import json, sys
n = int(sys.argv[1]); half = n // 2
names = ["%s_VM%d" % (p, i) for p in ("DC0_H0", "DC0_C0_RP0") for i in range(half)]
json.dump({"datacenter": "DC0", "switch": "DVS0",
           "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "DC0_DVPG0", "prefix": 8},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/16", "gateway": "10.150.0.1", "agent_prefix": 27}],
           "agents": [{"vm": v, "mgmt_address": "10.%d.%d.10" % (k // 250, k % 250)}
                      for k, v in enumerate(names)]}, open(sys.argv[2], "w"))
PY
}

cpu_ticks() { # utime + stime of a process, in clock ticks
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

tick_ms=$((1000 / $(getconf CLK_TCK)))
echo "set	tool	n	delay	parallel	rep	wall_ms	rss_kb	cpu_ms	vcsim_cpu_ms	requests	connections	max_inflight	ok	detail" >"$work/runs.tsv"
failed_runs=0 runs_done=0

# run_one SET TOOL N DELAY PARALLEL REP
run_one() {
	local set=$1 tool=$2 n=$3 delay=$4 par=$5 rep=$6
	local out="$work/out" rc wall rss cpu vcpu0 vcpu1 stats ok detail s e
	rm -rf "$out"
	mkdir -p "$out"
	[ -f "$work/plan$n.json" ] || plan "$n" "$work/plan$n.json"
	if ! vcsim_start --vms "$n" --delay "$delay" >/dev/null; then
		echo "bench: FAILED RUN: vcsim did not start (N=$n, $delay ms)" >&2
		failed_runs=$((failed_runs + 1))
		return
	fi
	local -a cmd
	case $tool in
	vtrunk) cmd=(env VTRUNK_URL="$VCSIM_URL" VTRUNK_USERNAME="$VCSIM_USER" VTRUNK_PASSWORD="$VCSIM_PASSWORD"
		VTRUNK_THUMBPRINT="$VCSIM_SHA256" "$work/vtrunk" apply -f "$work/plan$n.json" -o "$out/guest"
		--json -q --parallel "$par") ;;
	pyvmomi) cmd=("$PY" tests/bench/pyvmomi_apply.py --portgroup "$PG" --vlans "$VLANS") ;;
	loop) cmd=(tests/bench/loop_apply.sh "$n" "$PG") ;;
	esac
	vcsim_reset_stats
	vcpu0=$(cpu_ticks "$VCSIM_PID")
	s=$(date +%s%N)
	timeout 1800 /usr/bin/time -f '%M %U %S' -o "$out/time" "${cmd[@]}" >"$out/stdout" 2>"$out/stderr"
	rc=$?
	e=$(date +%s%N)
	vcpu1=$(cpu_ticks "$VCSIM_PID")
	stats=$(vcsim_stats)
	wall=$(((e - s) / 1000000))
	read -r rss cpu <<<"$(tail -1 "$out/time" | awk '{ printf "%d %d", $1, ($2 + $3) * 1000 }')"
	# Did the tool say it did the job, and does vCenter agree?
	detail=$("$PY" - "$tool" "$n" "$rc" "$out/stdout" <<'PY'
import json, sys
tool, n, rc, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
try:
    text = open(path).read()
    d = json.loads(text.strip().splitlines()[-1] if tool != "vtrunk" else text)
except Exception as e:
    print("unreadable output (%s)" % type(e).__name__); sys.exit()
if tool == "vtrunk":
    macs = sum(1 for a in d.get("agents", []) if (a.get("trunk_nic") or {}).get("mac"))
    bad = d.get("errors", -1)
else:
    macs, bad = d.get("macs", 0), d.get("failed", -1)
problems = []
if rc != 0:
    problems.append("exit %d" % rc)
if bad != 0:
    problems.append("%s failed" % bad)
if macs != n:
    problems.append("%d MACs reported for %d VMs" % (macs, n))
print("; ".join(problems))
PY
)
	local verdict
	verdict=$("$PY" tests/bench/verify.py "$PG" "$n" "$VLANS" 2>&1)
	if [ $? != 0 ]; then
		detail="${detail:+$detail; }verify: $verdict"
	fi
	ok=1
	if [ -n "$detail" ]; then
		ok=0
		failed_runs=$((failed_runs + 1))
		{
			echo "bench: ******** FAILED RUN: $tool N=$n ${delay}ms parallel=$par repeat $rep: $detail"
			tail -5 "$out/stderr" | sed 's/^/bench:   /'
		} >&2
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$tool" "$n" "$delay" "$par" "$rep" \
		"$wall" "$rss" "$cpu" $(((vcpu1 - vcpu0) * tick_ms)) \
		"$(echo "$stats" | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["requests"], s["connections"], s["max_inflight"], sep="\t")')" \
		"$ok" "${detail:--}" >>"$work/runs.tsv"
	runs_done=$((runs_done + 1))
	printf 'bench: %-7s N=%-5s %3s ms  par %-3s #%s  %7.2f s  %6.1f MiB  %s\n' "$tool" "$n" "$delay" "$par" "$rep" \
		"$(echo "$wall" | awk '{print $1 / 1000}')" "$(echo "$rss" | awk '{print $1 / 1024}')" \
		"$(tail -1 "$work/runs.tsv" | cut -f11) requests$([ "$ok" = 1 ] || echo ' FAILED')" >&2
	vcsim_stop
	rm -rf "$out"
}

t_start=$(date +%s)
echo "bench: N=[$BENCH_N] delays=[$BENCH_DELAYS] ms, $BENCH_REPEATS repeats, tools: $BENCH_TOOLS (loop up to N=$BENCH_LOOP_MAX_N, $BENCH_LOOP_REPEATS repeat(s))" >&2
read -r -a tools <<<"$BENCH_TOOLS"
for delay in $BENCH_DELAYS; do
	for n in $BENCH_N; do
		for ((rep = 1; rep <= BENCH_REPEATS; rep++)); do
			# Alternate: each repeat starts with the next tool.
			for ((k = 0; k < ${#tools[@]}; k++)); do
				tool=${tools[$(((k + rep - 1) % ${#tools[@]}))]}
				if [ "$tool" = loop ] && { [ "$n" -gt "$BENCH_LOOP_MAX_N" ] || [ "$rep" -gt "$BENCH_LOOP_REPEATS" ]; }; then
					continue
				fi
				run_one main "$tool" "$n" "$delay" "$BENCH_PARALLEL" "$rep"
			done
		done
	done
done

if [ -n "$BENCH_SWEEP" ]; then
	read -r -a sweep <<<"$BENCH_SWEEP"
	for ((rep = 1; rep <= BENCH_SWEEP_REPEATS; rep++)); do
		for ((k = 0; k < ${#sweep[@]}; k++)); do
			run_one sweep vtrunk "$BENCH_SWEEP_N" "$BENCH_SWEEP_DELAY" "${sweep[$(((k + rep - 1) % ${#sweep[@]}))]}" "$rep"
		done
	done
fi

if [ -n "$BENCH_TIMELINE_DELAY" ]; then
	for n in $BENCH_N; do
		[ -f "$work/plan$n.json" ] || plan "$n" "$work/plan$n.json"
		vcsim_start --vms "$n" --delay "$BENCH_TIMELINE_DELAY" >/dev/null || continue
		echo "bench: traced vtrunk run, N=$n, $BENCH_TIMELINE_DELAY ms:" >&2
		VTRUNK_URL="$VCSIM_URL" VTRUNK_USERNAME="$VCSIM_USER" VTRUNK_PASSWORD="$VCSIM_PASSWORD" \
			VTRUNK_THUMBPRINT="$VCSIM_SHA256" "$PY" tests/bench/timeline.py --json "$work/timeline$n.json" -- \
			"$work/vtrunk" apply -f "$work/plan$n.json" -o "$work/tl-out" --json -q --parallel "$BENCH_PARALLEL" >&2 ||
			echo "bench: the traced run failed" >&2
		rm -rf "$work/tl-out"
		vcsim_stop
	done
fi
{
	echo "total	$(($(date +%s) - t_start))"
	echo "date	$(date -u -d "@$t_start" '+%Y-%m-%d %H:%M UTC')"
} >>"$work/meta.tsv"

if [ -n "$BENCH_DATA" ]; then
	# The raw figures beside the report: `tests/bench/report.py DIR --write FILE` redoes it.
	mkdir -p "$BENCH_DATA" && rm -f "$BENCH_DATA"/runs.tsv "$BENCH_DATA"/meta.tsv "$BENCH_DATA"/timeline*.json &&
		cp "$work"/runs.tsv "$work"/meta.tsv "$BENCH_DATA"/ && { cp "$work"/timeline*.json "$BENCH_DATA"/ 2>/dev/null || :; }
fi
"$PY" tests/bench/report.py "$work" ${BENCH_RESULTS:+--write "$BENCH_RESULTS"}
if [ "$failed_runs" != 0 ]; then
	echo "bench: ******** $failed_runs of $runs_done runs FAILED to do the job (see above and the report) ********" >&2
	exit 1
fi
