#!/usr/bin/env bash
# demo.sh — `make demo`: starts a local vcsim, applies fixtures/plans/demo.json to it,
# prints the report and the guest files written for one agent, then stops vcsim.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
. tests/lib/vcsim.sh
vcsim_start --vms 4 --trap
export VTRUNK_URL=$VCSIM_URL VTRUNK_USERNAME=$VCSIM_USER VTRUNK_THUMBPRINT=$VCSIM_SHA256
out=build/demo-out
rm -rf "$out"
# Bold only for a terminal: a log or a pipe gets no escape codes.
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

echo "vcsim (VMware's vCenter simulator) is listening on $VCSIM_URL"
echo "its certificate is pinned by SHA-256: $VCSIM_SHA256"
step vtrunk plan -f fixtures/plans/demo.json
build/vtrunk plan -f fixtures/plans/demo.json --password-file "$VCSIM_PASSWORD_FILE" || [ $? -eq 4 ]
step vtrunk apply -f fixtures/plans/demo.json -o "$out" --guestinfo
build/vtrunk apply -f fixtures/plans/demo.json -o "$out" --guestinfo --password-file "$VCSIM_PASSWORD_FILE"
step vtrunk status -f fixtures/plans/demo.json --guestinfo
build/vtrunk status -f fixtures/plans/demo.json --guestinfo --password-file "$VCSIM_PASSWORD_FILE"
step vtrunk ls portgroups
build/vtrunk ls portgroups --password-file "$VCSIM_PASSWORD_FILE"
step vtrunk ls vms --tag ipvlan-agent
build/vtrunk ls vms --tag ipvlan-agent --password-file "$VCSIM_PASSWORD_FILE"
agent=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["agents"][0]["vm"])' fixtures/plans/demo.json)
step "ls -R $out/$agent"
(cd "$out/$agent" && find . -type f | sort)
for f in etc/network/interfaces.d/vtrunk etc/netplan/60-vtrunk.yaml etc/modules-load.d/vtrunk.conf docker-networks.sh; do
	step "cat $out/$agent/$f"
	cat "$out/$agent/$f"
done
printf '\nThe guest files for every agent are under %s/ (summary: %s/summary.json).\n' "$out" "$out"
