#!/usr/bin/env bash
# loop_apply.sh N [PORTGROUP] — the benchmark's naive way: a shell loop around a
# one-object-per-call CLI (tests/bench/vmnic.py, pyVmomi), as an admin would write it with
# govc or PowerCLI one-liners: create the trunk port group once, then for each of the N vcsim
# VMs (DC0_H0_VM<i>, DC0_C0_RP0_VM<i>, N/2 each) one process that logs in, finds the VM and
# the port group, adds the NIC, waits for its task, reads the MAC and logs out.
# Connection: VCSIM_URL, VCSIM_USER, VCSIM_PASSWORD. Prints {"vms": N, "macs": M, "failed": F};
# exit 0 when every VM got a MAC.
set -u
here=$(cd "$(dirname "$0")" && pwd)
n=${1:?usage: loop_apply.sh N [PORTGROUP]}
pg=${2:-Kasm-Trunk}
py=/usr/bin/python3
"$py" "$here/vmnic.py" add-portgroup DVS0 "$pg" 100-200 || exit 1
macs=0 failed=0
for pool in DC0_H0 DC0_C0_RP0; do
	for ((i = 0; i < n / 2; i++)); do
		if mac=$("$py" "$here/vmnic.py" add-nic "${pool}_VM$i" "$pg") && [ -n "$mac" ]; then
			macs=$((macs + 1))
		else
			failed=$((failed + 1))
		fi
	done
done
printf '{"vms": %d, "macs": %d, "failed": %d}\n' "$n" "$macs" "$failed"
[ "$failed" = 0 ]
