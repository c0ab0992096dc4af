#!/usr/bin/env bash
# agents.sh [N...] — benchmark (not a test): a first `vtrunk apply` of N agents on vcsim
# with a per-call latency, printing wall time, HTTP requests and peak RSS.
#   tests/bench/agents.sh            # N = 100 and 500, 10 ms per call, --parallel 8
#   DELAY=50 PARALLEL=16 tests/bench/agents.sh 1000
#   TAGS=1 ARGS=--guestinfo tests/bench/agents.sh 500   # with a tag in the plan, guestinfo
#   TASK_DELAY=2000 tests/bench/agents.sh 500   # on the asynchronous test vCenter (tests/vcsim-async):
#                                               # every task takes ~2 s (jitter 0.5), as on a real vCenter
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. tests/lib/vcsim.sh
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
DELAY=${DELAY:-10} PARALLEL=${PARALLEL:-8} TAGS=${TAGS:-0} ARGS=${ARGS:-} TASK_DELAY=${TASK_DELAY:-}
kind_args=()
if [ -n "$TASK_DELAY" ]; then
	export VCSIM_KIND=async
	kind_args=(--task-delay "$TASK_DELAY")
	[ -x build/vcsim-async ] || make -s build/vcsim-async
fi
[ $# -gt 0 ] || set -- 100 500
[ -x build/vtrunk ] || make -s all
[ -x build/vcsim ] || make -s build/vcsim
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
printf '# test vCenter: %s\n' "$(if [ -n "$TASK_DELAY" ]; then echo "async (tests/vcsim-async), tasks ${TASK_DELAY} ms"; else echo "Debian's vcsim, tasks end before the call returns"; fi)"
printf '%-6s %-7s %-9s %-10s %-9s %-13s %s\n' N delay parallel wall_s requests "requests-N" peak_rss_MiB
for n in "$@"; do
	vcsim_start --vms "$n" --delay "$DELAY" "${kind_args[@]}" >/dev/null || exit 1
	dir=$(mktemp -d)
	/usr/bin/python3 - "$n" "$dir/plan.json" "$TAGS" <<'PY'
import json, sys
n = int(sys.argv[1]); half = n // 2
tags = {"tags": {"category": "Kasm", "tag": "ipvlan-agent"}} if sys.argv[3] == "1" else {}
agents = [{"vm": f"{pool}_VM{i}", "mgmt_address": f"10.{k // 250}.{k % 250}.{10}"}
          for k, (pool, i) in enumerate([(p, i) for p in ("DC0_H0", "DC0_C0_RP0") for i in range(half)])]
json.dump({"datacenter": "DC0", "switch": "DVS0",
           "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "VM Network", "prefix": 8},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/16", "gateway": "10.150.0.1", "agent_prefix": 26}],
           "agents": agents, **tags}, open(sys.argv[2], "w"))
PY
	VTRUNK_URL=$VCSIM_URL VTRUNK_USERNAME=$VCSIM_USER VTRUNK_PASSWORD=$VCSIM_PASSWORD VTRUNK_THUMBPRINT=$VCSIM_SHA256 \
		/usr/bin/time -f '%e %M' -o "$dir/time" build/vtrunk apply -f "$dir/plan.json" -o "$dir/out" \
		--json --parallel "$PARALLEL" -q $ARGS >"$dir/report.json"
	rc=$?
	read -r wall rss <"$dir/time"
	req=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["http_requests"], d["errors"])' "$dir/report.json")
	set -- $req "$@"
	printf '%-6s %-7s %-9s %-10s %-9s %-13s %.1f%s\n' "$n" "${DELAY}ms" "$PARALLEL" "$wall" "$1" "$(($1 - n))" \
		"$(echo "$rss" | awk '{print $1 / 1024}')" "$([ "$rc" = 0 ] && [ "$2" = 0 ] || echo "  (exit $rc, $2 errors)")"
	shift 2
	vcsim_stop
	rm -rf "$dir"
done
