#!/usr/bin/env bash
# The output directory is checked before vCenter is touched (issue 14): apply -o '', -o on
# a read-only or a full file system, a file where DIR should be, an agent's directory
# holding a file vtrunk did not write: exit 2, not one request sent, no port group, no NIC.
# The file systems are tmpfs mounts in a mount namespace of their own (root ignores
# chmod, so a mode would not stop it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 4 --trap || exit 1
vcsim_env
P=$T_TMP/plan.json
cat >"$P" <<'J'
{"datacenter": "DC0", "switch": "DVS0",
 "trunk": {"portgroup": "Kasm-Trunk-Out", "vlans": "100-200"},
 "management": {"network": "DC0_DVPG0", "prefix": 24, "gateway": "10.0.0.1"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.11"},
            {"vm": "DC0_H0_VM1", "mgmt_address": "10.0.0.12"}]}
J
nics() { vcsim_pyread vms | jsons "$(cat)" 'sum(len(v["nics"]) for v in d if v["name"] in ("DC0_H0_VM0", "DC0_H0_VM1"))'; }
NICS=$(nics)
# refused WHAT CMD...: exit 2, nothing sent, nothing changed.
refused() {
	local what=$1
	shift
	vcsim_reset_stats
	expect_rc 2 "$what: exit 2" "$@"
	expect_eq "$(vcsim_count)" 0 "$what: not one request reached vCenter"
	expect_eq "$(vcsim_pyread portgroup Kasm-Trunk-Out | jsons "$(cat)" 'd["exists"]')" False "$what: no port group"
	expect_eq "$(nics)" "$NICS" "$what: no NIC added"
}
# in_ns MOUNT-OPTS CMD...: CMD with a fresh tmpfs on $T_TMP/mnt (mounted with MOUNT-OPTS).
mkdir -p "$T_TMP/mnt"
in_ns() {
	local o=$1
	shift
	unshare -m bash -c 'mount -t tmpfs -o "$1" tmpfs "$2" && shift 2 && "$@"' _ "$o" "$T_TMP/mnt" "$@"
}

refused "-o ''" vt apply -f "$P" -o ''
expect_in "$T_ERR" "no output directory given" "-o '' says why"

refused "-o on a read-only file system" in_ns ro "$VTRUNK" apply -f "$P" -o "$T_TMP/mnt/out"
expect_in "$T_ERR" "Read-only file system" "the read-only refusal names the cause"

# A full one: tmpfs of 64 KiB filled up before vtrunk runs, DIR already there.
refused "-o on a full file system" in_ns size=64k bash -c \
	'mkdir "$1/out"; dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; exec "$2" apply -f "$3" -o "$1/out"' \
	_ "$T_TMP/mnt" "$VTRUNK" "$P"
expect_in "$T_ERR" "No space left on device" "the full-disk refusal names the cause"

: >"$T_TMP/afile"
refused "-o naming a file" vt apply -f "$P" -o "$T_TMP/afile"
refused "-o under a file" vt apply -f "$P" -o "$T_TMP/afile/out"

# An agent's directory is replaced whole: one holding a file of the user's is refused first.
mkdir -p "$T_TMP/own/DC0_H0_VM1/etc"
echo notes >"$T_TMP/own/DC0_H0_VM1/etc/my-notes"
refused "an agent directory with a foreign file" vt apply -f "$P" -o "$T_TMP/own"
expect_in "$T_ERR" "DC0_H0_VM1/etc/my-notes was not written by vtrunk" "the refusal names the foreign file"
expect_eq "$(cat "$T_TMP/own/DC0_H0_VM1/etc/my-notes")" notes "and leaves it alone"

# render checks the same way (it sends nothing anyway): exit 2 on a read-only one.
expect_rc 2 "render -o on a read-only file system exits 2" in_ns ro "$VTRUNK" render -f "$P" -o "$T_TMP/mnt/out"
expect_rc 2 "render -o '' exits 2" vt render -f "$P" -o ''

# And a writable one still works; the agent directories are whole, with no temporary left.
expect_rc 0 "apply to a writable directory" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(ls -A "$T_TMP/out" | tr '\n' ' ')" "DC0_H0_VM0 DC0_H0_VM1 summary.json " "DIR holds the agents and the summary only"
expect_rc 0 "apply again over it" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(find "$T_TMP/out" -name '.vtrunk-*' -o -name '*.vtrunk-*' | wc -l)" 0 "no temporary file or directory left"
t_done
