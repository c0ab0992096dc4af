#!/usr/bin/env bash
# --guestinfo (issue 7): each agent's netplan file and docker-networks.sh in its VM's
# extraConfig, read back with pyvmomi and decoded; vtrunk-apply.sh --from-guestinfo
# installing what vCenter holds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/proxy.sh"
vcsim_start --vms 4 --trap || exit 1
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
vcsim_env
A=DC0_H0_VM0 B=DC0_C0_RP0_VM0
P=$T_TMP/gi.json
cat >"$P" <<J
{"switch": "DVS0", "trunk": {"portgroup": "GI", "vlans": "100-200"},
 "management": {"network": "VM Network"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25},
           {"id": 160, "subnet": "10.160.0.0/24", "gateway": "10.160.0.1", "agent_prefix": 27}],
 "agents": [{"vm": "$A", "mgmt_address": "10.0.0.5"}, {"vm": "$B", "mgmt_address": "10.0.0.6"}]}
J
OUT=$T_TMP/out
gi() { vcsim_pyread guestinfo "$1"; }
# decoded VM KEY: what guestinfo KEY of VM decodes to, on stdout.
decoded() { gi "$1" | /usr/bin/python3 -c 'import base64,json,sys; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)[sys.argv[1]]))' "$2"; }
same_file() { # NAME VM KEY FILE
	if decoded "$2" "$3" | cmp -s - "$4"; then ok "$1"; else not_ok "$1" "$(decoded "$2" "$3" | diff - "$4" | head -5)"; fi
}

# B first gets its NICs without --guestinfo: its MACs are then known to the next run.
cat >"$T_TMP/b.json" <<J
$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["agents"]=d["agents"][1:]; print(json.dumps(d))' "$P")
J
expect_rc 0 "apply without --guestinfo" vt apply -f "$T_TMP/b.json" -o "$T_TMP/b"
expect_eq "$(gi "$B" | jsons "$(cat)" 'sorted(k for k in d if k.startswith("guestinfo.vtrunk"))')" "[]" \
	"leaves extraConfig alone"

expect_rc 4 "plan --guestinfo exits 4" vt plan -f "$P" --guestinfo --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" \
	"[['add-trunk-nic', 'add-mgmt-nic', 'write-guestinfo'], ['write-guestinfo']]" \
	"and says which guestinfo it would write"
expect_eq "$(vcsim_count ReconfigVM_Task)" 1 "plan reconfigured nothing (only the first apply did)"
vcsim_reset_stats >/dev/null
expect_rc 0 "apply --guestinfo" vt apply -f "$P" --guestinfo -o "$OUT" --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" \
	"[['added-nic', 'added-nic', 'wrote-guestinfo'], ['wrote-guestinfo']]" "reports what it wrote"
# A: its NICs, then (MACs known) its guestinfo; B: its guestinfo alone.
expect_eq "$(vcsim_count ReconfigVM_Task)" 3 "in three reconfigures: A's NICs, A's guestinfo, B's guestinfo"
for vm in "$A" "$B"; do
	expect_eq "$(gi "$vm" | jsons "$(cat)" '(d["guestinfo.vtrunk.netplan.encoding"], d["guestinfo.vtrunk.docker.encoding"])')" \
		"('base64', 'base64')" "$vm: both values say base64"
	same_file "$vm: guestinfo.vtrunk.netplan decodes to exactly $vm/etc/netplan/60-vtrunk.yaml" \
		"$vm" guestinfo.vtrunk.netplan "$OUT/$vm/etc/netplan/60-vtrunk.yaml"
	same_file "$vm: guestinfo.vtrunk.docker decodes to exactly $vm/docker-networks.sh" \
		"$vm" guestinfo.vtrunk.docker "$OUT/$vm/docker-networks.sh"
done
mac=$(json "$T_OUT" 'd["agents"][0]["trunk_nic"]["mac"]')
expect_in <(decoded "$A" guestinfo.vtrunk.netplan) "macaddress: \"$mac\"" "A's netplan binds the MAC vCenter gave its new trunk NIC"

vcsim_reset_stats >/dev/null
expect_rc 0 "a second apply --guestinfo" vt apply -f "$P" --guestinfo -o "$OUT"
expect_eq "$(vcsim_count ReconfigVM_Task)" 0 "sends no reconfigure"
expect_rc 0 "status --guestinfo is in sync" vt status -f "$P" --guestinfo

# Drift: someone changes a value; status sees it, apply puts it back, B is not touched.
vcsim_pyread set-extra "$A" guestinfo.vtrunk.netplan "bm90IHRoaXM=" >/dev/null
expect_rc 4 "status --guestinfo exits 4 after a value changed" vt status -f "$P" --guestinfo
expect_in "$T_OUT" "guestinfo-stale" "naming it stale"
expect_rc 0 "status without --guestinfo does not look" vt status -f "$P"
vcsim_reset_stats >/dev/null
expect_rc 0 "apply --guestinfo repairs it" vt apply -f "$P" --guestinfo -o "$OUT"
expect_eq "$(vcsim_count ReconfigVM_Task)" 1 "with one reconfigure"
same_file "the value is right again" "$A" guestinfo.vtrunk.netplan "$OUT/$A/etc/netplan/60-vtrunk.yaml"

# Inside the guest: VMware Tools answer from what vCenter holds. There is no hypervisor
# here, so vmware-rpctool is a stand-in serving this VM's extraConfig as read by pyvmomi.
gi "$A" >"$T_TMP/a-gi.json"
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/vmware-rpctool" <<'SH'
#!/bin/sh
# Like VMware's: "info-get KEY" prints the value or fails with "No value found".
case $1 in
"info-get "*) exec /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = sys.argv[2]
if k not in d:
    sys.exit("No value found")
print(d[k])' "$GI_JSON" "${1#info-get }" ;;
*) echo "Unknown command" >&2; exit 1 ;;
esac
SH
chmod +x "$T_TMP/bin/vmware-rpctool"
# The script of the *other* agent: with --from-guestinfo any copy serves any agent VM.
expect_rc 0 "vtrunk-apply.sh --from-guestinfo --root installs" \
	env PATH="$T_TMP/bin:$PATH" GI_JSON="$T_TMP/a-gi.json" bash "$OUT/$B/vtrunk-apply.sh" --from-guestinfo --root "$T_TMP/root"
expect_in "$T_OUT" "from this VM's guestinfo" "saying where the files came from"
if cmp -s "$T_TMP/root/etc/netplan/60-vtrunk.yaml" "$OUT/$A/etc/netplan/60-vtrunk.yaml"; then
	ok "the installed netplan file is A's, byte for byte"
else
	not_ok "the installed netplan file is A's, byte for byte"
fi
expect_eq "$(stat -c %a "$T_TMP/root/etc/netplan/60-vtrunk.yaml")" 600 "with mode 0600"
if command -v netplan >/dev/null 2>&1; then
	expect_rc 0 "netplan generate accepts it" netplan generate --root-dir "$T_TMP/root"
	expect_eq "$(ls "$T_TMP/root/run/systemd/network" 2>/dev/null | grep network$ | tr "\n" " ")" \
		"10-netplan-ens160.network 10-netplan-ens192.network " "and makes networkd units for the trunk and management NICs"
fi
expect_rc 0 "a second run" \
	env PATH="$T_TMP/bin:$PATH" GI_JSON="$T_TMP/a-gi.json" bash "$OUT/$B/vtrunk-apply.sh" --from-guestinfo --root "$T_TMP/root"
expect_in "$T_OUT" "nothing to change" "changes nothing"
echo '{}' >"$T_TMP/none.json"
expect_rc 1 "a VM without guestinfo: exit 1" \
	env PATH="$T_TMP/bin:$PATH" GI_JSON="$T_TMP/none.json" bash "$OUT/$B/vtrunk-apply.sh" --from-guestinfo --root "$T_TMP/root2"
expect_in "$T_ERR" "run vtrunk apply --guestinfo" "saying what to do"
expect_rc 1 "no VMware Tools: exit 1" \
	env PATH="/usr/bin:/bin" bash "$OUT/$B/vtrunk-apply.sh" --from-guestinfo --root "$T_TMP/root2"
expect_in "$T_ERR" "install open-vm-tools" "saying what to install"
expect_rc 1 "--from-guestinfo with --format ifupdown: refused" \
	env PATH="$T_TMP/bin:$PATH" GI_JSON="$T_TMP/a-gi.json" bash "$OUT/$B/vtrunk-apply.sh" --from-guestinfo --format ifupdown --root "$T_TMP/root2"
expect_in "$T_ERR" "brings a netplan file" "saying why"

# The answer to the guestinfo reconfigure is lost (through the proxy): vtrunk re-reads,
# finds the values in place and neither fails nor sends it again.
C=DC0_H0_VM1
sed "s/\"$A\"/\"$C\"/; s/\"$B\"/\"DC0_C0_RP0_VM1\"/" "$P" >"$T_TMP/c.json"
vcsim_reset_stats >/dev/null
proxy_rule 'ReconfigVM_Task:3:drop' 'ReconfigVM_Task:4:drop'
expect_rc 0 "apply --guestinfo when both guestinfo answers are lost" \
	vt apply -f "$T_TMP/c.json" --guestinfo -o "$T_TMP/c" --json --url "$PROXY_URL" --thumbprint "$PROXY_SHA256"
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" \
	"[['added-nic', 'added-nic', 'wrote-guestinfo'], ['added-nic', 'added-nic', 'wrote-guestinfo']]" \
	"reports the guestinfo written"
expect_eq "$(proxy_faults drop)" 2 "(the proxy did drop both answers)"
expect_eq "$(vcsim_count ReconfigVM_Task)" 4 "vCenter got each call once: two for the NICs, two for guestinfo"
same_file "and holds the right netplan" "$C" guestinfo.vtrunk.netplan "$T_TMP/c/$C/etc/netplan/60-vtrunk.yaml"
proxy_reset

# destroy --guestinfo removes the keys along with the trunk NICs.
expect_rc 0 "destroy --guestinfo" vt destroy -f "$P" --guestinfo --json
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" \
	"[['removed-nic', 'removed-guestinfo'], ['removed-nic', 'removed-guestinfo']]" "reports both"
for vm in "$A" "$B"; do
	expect_eq "$(gi "$vm" | jsons "$(cat)" 'sorted(k for k in d if k.startswith("guestinfo.vtrunk"))')" "[]" \
		"$vm has no guestinfo.vtrunk key left"
done
expect_rc 2 "render does not take --guestinfo" vt render -f "$P" -o "$T_TMP/r" --guestinfo
t_done
