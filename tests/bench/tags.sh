#!/usr/bin/env bash
# tags.sh — what a tag lookup by name costs on a large tag inventory (issue 15: one GET a
# category made `ls --tag` take 20000 requests). Not part of `make check`.
#
# For each size: a fresh vcsim (4 VMs), a plan with "tags" applied to two agents (Kasm /
# ipvlan-agent on the port group and both agents), then COUNT more categories of K tags
# each (pyread.py tag-fill; t1 of every 100th on a third VM). Then, through tests/proxy with
# a delay on every REST answer (a WAN-ish link), each command below BENCH_REPEATS times:
#   ls-cat-tag   ls vms --tag Kasm/ipvlan-agent
#   ls-tag       ls vms --tag ipvlan-agent
#   status       status -f PLAN (the plan's tag lookup)
#   ls-nothing   ls vms --tag Fill0001/t2 (a tag on nothing listed: the long way)
# and prints, per binary, the REST requests of one run (the proxy's count) and the median
# wall time. BENCH_OLD_BIN, when set, is measured the same way beside it (e.g. a build of
# the commit before, to see the difference).
#
# Environment (defaults):
#   BENCH_TAG_SIZES="200 2000"  categories added
#   BENCH_TAG_K=3               tags a category
#   BENCH_TAG_DELAY=0.02        seconds the proxy holds each REST answer ("" or 0: none)
#   BENCH_REPEATS=3
#   BENCH_BIN=build/vtrunk  BENCH_OLD_BIN=""
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
. tests/lib/vcsim.sh
. tests/lib/proxy.sh
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
SIZES=${BENCH_TAG_SIZES:-200 2000}
K=${BENCH_TAG_K:-3}
DELAY=${BENCH_TAG_DELAY-0.02}
REPEATS=${BENCH_REPEATS:-3}
BIN=${BENCH_BIN:-build/vtrunk}
OLD=${BENCH_OLD_BIN:-}
die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BIN" ] || make -s all || die "cannot build vtrunk"
[ -x build/vcsim ] || make -s build/vcsim || die "cannot build vcsim"
[ -z "$OLD" ] || [ -x "$OLD" ] || die "BENCH_OLD_BIN=$OLD is not executable"

work=$(mktemp -d "${TMPDIR:-/tmp}/vtrunk-bench-tags.XXXXXX") || exit 1
trap 'proxy_stop; vcsim_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
plan=$work/plan.json
cat >"$plan" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "VM Network"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.5"}, {"vm": "DC0_C0_RP0_VM0", "mgmt_address": "10.0.0.6"}],
 "tags": {"category": "Kasm", "tag": "ipvlan-agent"}}
J

# one BIN NAME ARGS...: REST requests of the first run and the median seconds of REPEATS.
one() {
	local bin=$1 name=$2 i t0 t1 n="" ts=()
	shift 2
	for i in $(seq "$REPEATS"); do
		proxy_reset --keep-rules
		t0=$(date +%s.%N)
		"$bin" "$@" --url "$PROXY_URL" --thumbprint "$PROXY_SHA256" >"$work/out" 2>"$work/err"
		rc=$?
		t1=$(date +%s.%N)
		[ "$rc" = 0 ] || die "$name: exit $rc: $(head -c 300 "$work/err")"
		[ -n "$n" ] || n=$(proxy_count REST)
		ts+=("$(echo "$t1 - $t0" | bc)")
	done
	printf '%s\n' "${ts[@]}" | sort -n | awk -v n="$n" -v name="$name" \
		'{ a[NR] = $1 } END { printf "  %-11s %6d requests %8.2f s\n", name, n, a[int((NR + 1) / 2)] }'
}

echo "tag lookups: ${K} tags a category, REST answers delayed ${DELAY:-0} s, median of $REPEATS"
for size in $SIZES; do
	vcsim_start --vms 4 >/dev/null || die "vcsim did not start"
	vcsim_env
	proxy_start --upstream "$VCSIM_URL" >/dev/null || die "proxy did not start"
	"$BIN" apply -f "$plan" -o "$work/guest" -q >/dev/null 2>&1 || die "apply failed"
	vcsim_pyread tag-fill "$size" --tags "$K" --attach-to DC0_H0_VM1 --attach-every 100 >/dev/null ||
		die "tag-fill failed"
	[ -z "$DELAY" ] || [ "$DELAY" = 0 ] || proxy_rule "REST:*:delay:$DELAY" || die "bad delay"
	for b in "$BIN" ${OLD:+"$OLD"}; do
		echo "$((size + 1)) categories, $(((size * K) + 1)) tags: $b"
		one "$b" ls-cat-tag ls vms --tag Kasm/ipvlan-agent --json
		one "$b" ls-tag ls vms --tag ipvlan-agent --json
		one "$b" status status -f "$plan" --json
		one "$b" ls-nothing ls vms --tag Fill0001/t2 --json
	done
	proxy_stop
	vcsim_stop
done
