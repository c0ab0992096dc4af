#!/usr/bin/env bash
# check-agents.sh — vtrunk on two real Debian 12 agent VMs under qemu, as an admin uses it.
#
# The agents boot a real userspace (systemd, udev, netplan.io, ifupdown, iproute2, dockerd)
# built with mmdebstrap from Debian's packages (tests/guest/agents/build-image.sh, cached
# under build/ by package list), with their NICs where vCenter says they are: each MAC the
# async test vCenter assigned, on a q35 pcie-root-port whose slot number is the NIC's
# pciSlotNumber as vCenter reports it (when it reports none: the slot of the ens<N> name the
# files use), so systemd/udev name them as on ESXi (ens160, ens192; an E1000 at slot 32 is
# ens32). The management networks and the trunk between the two agents are qemu socket
# netdevs. The host drives each guest through a 9p share (tests/guest/agents/guest-agent.sh).
#
# The test, as an admin would: `vtrunk apply` for two agents against the async test
# vCenter; each agent's output directory is copied into its guest and its vtrunk-apply.sh
# run as shipped; then management address, default route, trunk up, the ipvlan networks
# docker-networks.sh created in the real dockerd, ipvlan L2 between the agents' containers
# on each VLAN and VLAN isolation; a reboot, and all of it again. Agent 1 carries a
# cloud-init netplan file for its NICs: refused with nothing changed, then --take-over.
# Agent 2 has a daemon.json with a comment: the first run fails, and once it is fixed the
# rerun converges without a reboot. A third VM with the agents' MACs on other slots: the
# swapped-name and third-name (E1000 at slot 32) cases refused with nothing changed.
# Prints ok/not ok lines, the count, and the image build, boot and total times.
# Needs (tests/lib/deps.sh test): mmdebstrap qemu-system-x86 e2fsprogs, vcsim-async built.
# Env: AG_ACCEL (e.g. "tcg -cpu max"; default: kvm when it boots here, else tcg),
# AG_BOOT_TIMEOUT (seconds a boot may take, 900), KEEP=1 keeps the VMs' work directory
# (build/agents-work.*: console logs, command outputs).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
export VCSIM_KIND=async
. tests/lib/assert.sh
. tests/lib/vcsim.sh
AG_HERE=$ROOT/tests/guest/agents
bail() { t_done; exit 1; }
T0=$(date +%s)
for tool in mmdebstrap qemu-system-x86_64 mke2fs; do
	command -v "$tool" >/dev/null 2>&1 || { not_ok "$tool is missing (tests/lib/deps.sh test)"; bail; }
done
b0=$(date +%s)
AG_IMAGE=$(bash "$AG_HERE/build-image.sh" "$ROOT/build") || { not_ok "the agent image builds"; bail; }
AG_IMAGE=$(cd "$AG_IMAGE" && pwd)
IMG_S=$(($(date +%s) - b0))
echo "# image: $AG_IMAGE ($IMG_S s to build or find in the cache)"
# On disk beside the image, not in TMPDIR (run.sh points it at /dev/shm): each VM has a
# copy of the image there.
AG_WORK=$(mktemp -d "$ROOT/build/agents-work.XXXXXX")
. "$AG_HERE/lib.sh"
AG_ACCEL=$(agents_accel)
echo "# accelerator: $AG_ACCEL"
cleanup() {
	vm_stop_all
	vcsim_stop
	if [ -n "${KEEP:-}" ]; then echo "# kept $AG_WORK"; else rm -rf "$AG_WORK"; fi
}
trap cleanup EXIT

# The layout of the issue: each agent VM installed with one vmxnet3 NIC (ethernet0, slot
# 160: the guest's ens160, management); vtrunk adds the trunk while the VM is off, as
# ethernet1 at slot 192 (ens192). The plan keeps vtrunk's default names (trunk ens160,
# management ens192): backwards here, so only the slots make the files right.
VCSIM_MODEL_NIC=vmxnet3 vcsim_start --vms 4 --task-delay 50 || { not_ok "vcsim starts"; bail; }
vcsim_env
for vm in DC0_H0_VM0 DC0_H0_VM1; do vcsim_pyread power "$vm" off >/dev/null || not_ok "power off $vm"; done
P=$T_TMP/plan.json
cat >"$P" <<'JSON'
{"datacenter": "DC0", "switch": "DVS0",
 "trunk": {"portgroup": "Kasm-Trunk", "vlans": "150-151", "nic_type": "vmxnet3"},
 "management": {"network": "DC0_DVPG0", "prefix": 24, "gateway": "10.0.0.1"},
 "guest": {"docker_version": "18.09.7"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/24", "gateway": "10.150.0.1", "agent_prefix": 26,
            "reserved": ["10.150.0.2", "10.150.0.3"]},
           {"id": 151, "subnet": "10.151.0.0/24", "gateway": "10.151.0.1", "agent_prefix": 26}],
 "agents": [{"vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.11"},
            {"vm": "DC0_H0_VM1", "mgmt_address": "10.0.0.12"}]}
JSON
# docker_version 18.09 (ipvlan still experimental there) makes the files carry an
# etc/docker/daemon.json to merge; the guest's Docker 20.10 accepts it.
OUT=$T_TMP/out
expect_rc 0 "vtrunk apply for two agents (async test vCenter)" vt apply -f "$P" -o "$OUT"
expect_in "$T_OUT" "the management NIC is at PCI slot 160, so the guest names it ens160, not the plan's ens192" \
	"apply says that the plan's names disagree with the PCI slots, and that the files use the slots' names"
vcsim_pyread vms >"$T_TMP/vms.json" || not_ok "pyread vms"
: >"$T_OUT"
: >"$T_ERR"

# Per agent: its names, MACs, slots and addresses, as shell variables for host and guest.
python3 - "$OUT" "$T_TMP/vms.json" "$AG_WORK" <<'PY' || { not_ok "the output directory has two agents"; bail; }
import ipaddress, json, os, re, shlex, sys
out, vmsf, work = sys.argv[1:4]
s = json.load(open(os.path.join(out, "summary.json")))
d = json.load(open(vmsf))
vms = {v["name"]: v for v in (d if isinstance(d, list) else d.get("vms", []))}
def first_usable(r, k=0):
    net = ipaddress.ip_network(r["subnet"])
    skip = {net.network_address, net.broadcast_address, ipaddress.ip_address(r["gateway"])}
    skip |= {ipaddress.ip_address(x) for x in r["aux_addresses"].values()}
    return [str(a) for a in ipaddress.ip_network(r["ip_range"]) if a not in skip][k]
for n, a in enumerate(s["agents"][:2], 1):
    env = {"VM": a["vm"], "MGMT_ADDR": a["mgmt_address"], "GW": "10.0.0.1"}
    for role in ("trunk", "mgmt"):
        nic = a["nics"].get(role) or {}
        name = nic.get("ifname") or s[role + "_ifname"]
        mac = nic.get("mac") or ""
        slot = None
        for vn in vms.get(a["vm"], {}).get("nics", []):
            if vn.get("mac") == mac:
                slot = vn.get("pci_slot")
                env[role.upper() + "_TYPE"] = "e1000" if "E1000" in (vn.get("type") or "") else "vmxnet3"
        env[role.upper() + "_SLOT_VC"] = "" if slot is None else str(slot)
        if slot is None:
            slot = int(re.sub(r"\D", "", name) or 0)
        env[role.upper()] = name
        env[role.upper() + "_MAC"] = mac
        env[role.upper() + "_SLOT"] = str(slot)
    for k, r in enumerate(a["ranges"][:2], 1):
        env["V%d" % k] = str(r["vlan"])
        env["V%d_NET" % k] = r["network"]
        env["V%d_ADDR" % k] = first_usable(r)
        env["V%d_SPARE" % k] = str(ipaddress.ip_network(r["subnet"]).broadcast_address - n)
        env["V%d_PREFIX" % k] = r["subnet"].split("/")[1]
        env["V%d_AUX" % k] = " ".join(sorted(r["aux_addresses"].values()))
    os.makedirs(os.path.join(work, "a%d" % n, "share"), exist_ok=True)
    with open(os.path.join(work, "a%d.env" % n), "w") as f:
        for k in sorted(env):
            f.write("%s=%s\n" % (k, shlex.quote(env[k])))
PY
. "$AG_WORK/a1.env"; A1_VM=$VM A1_V1=$V1_ADDR A1_V2=$V2_ADDR A1_MGMT=$MGMT_ADDR
. "$AG_WORK/a2.env"; A2_VM=$VM A2_V1=$V1_ADDR A2_V2=$V2_ADDR A2_MGMT=$MGMT_ADDR
. "$AG_WORK/a1.env"
echo "# $A1_VM: $MGMT ($MGMT_MAC, slot $MGMT_SLOT) management, $TRUNK ($TRUNK_MAC, slot $TRUNK_SLOT) trunk"
# The files name each NIC as the guest will: ens<pciSlotNumber> where vCenter reports a slot:
# management ens160, trunk ens192, not the plan's defaults.
expect_eq "$MGMT/$TRUNK" "ens160/ens192" "$A1_VM: management at slot 160 is ens160, the trunk at 192 ens192"
for role in MGMT TRUNK; do
	eval name=\$$role vcslot=\$${role}_SLOT_VC
	if [ -n "$vcslot" ]; then
		expect_eq "$name" "ens$vcslot" "the files name the $role NIC at PCI slot $vcslot ens$vcslot"
	else
		not_ok "the test vCenter reports the $role NIC's pciSlotNumber (it reports none; h-guestjump not merged?)"
	fi
done

# Each agent's files and env on its 9p share, then both VMs.
for n in 1 2; do
	. "$AG_WORK/a$n.env"
	cp -r "$OUT/$VM" "$AG_WORK/a$n/share/out"
	cp "$AG_WORK/a$n.env" "$AG_WORK/a$n/share/env"
done
bt=$(date +%s)
for n in 1 2; do
	. "$AG_WORK/a$n.env"
	vm_start "a$n" "$MGMT_TYPE/$MGMT_SLOT/$MGMT_MAC/mgmt" "vmxnet3/$TRUNK_SLOT/$TRUNK_MAC/trunk"
done
vm_wait_ready a1 && vm_wait_ready a2 || { not_ok "both agents boot"; bail; }
BOOT_S=$(($(date +%s) - bt))
echo "# both agents booted in $BOOT_S s ($AG_ACCEL)"

# g NAME AGENT SCRIPT: ok when SCRIPT exits 0 in AGENT (with its env); gn: when it fails.
g() {
	local out rc
	out=$(vm_run "$2" ". /mnt/host/env; $3" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then ok "$1"; else not_ok "$1 (exit $rc)"; printf '%s\n' "$out" | tail -15 | sed 's/^/#   /'; fi
	return $rc
}
gn() {
	local out rc
	out=$(vm_run "$2" ". /mnt/host/env; $3" 2>&1); rc=$?
	if [ $rc -ne 0 ]; then ok "$1"; else not_ok "$1 (exit 0)"; printf '%s\n' "$out" | tail -15 | sed 's/^/#   /'; fi
}
SUM='find /etc -xdev -type f ! -path /etc/machine-id ! -path /etc/resolv.conf ! -path "/etc/docker/key.json" -print0 | sort -z | xargs -0 sha256sum'
g "a1: the guest names its NICs as the files do ($MGMT management, $TRUNK trunk)" a1 'ip -o link show dev "$MGMT" | grep -qi "$MGMT_MAC" && ip -o link show dev "$TRUNK" | grep -qi "$TRUNK_MAC"'
g "a1: dockerd runs" a1 'systemctl is-active docker'

# ---- agent 1: a cloud-init file owns the NICs: refused, unchanged; then --take-over ----
vm_run a1 '. /mnt/host/env; cat >/etc/netplan/50-cloud-init.yaml <<Y
network:
  version: 2
  ethernets:
    $MGMT:
      match: {macaddress: "$MGMT_MAC"}
      set-name: $MGMT
      addresses: [$MGMT_ADDR]
      routes: [{to: default, via: $GW}]
Y
chmod 600 /etc/netplan/50-cloud-init.yaml; cp -r /mnt/host/out /root/vtrunk' >/dev/null
vm_run a1 "$SUM >/root/etc.before" >/dev/null
g "a1: vtrunk-apply.sh refuses when cloud-init configures the NICs (non-zero exit, says so)" a1 \
	'/root/vtrunk/vtrunk-apply.sh >/tmp/o 2>&1; rc=$?; cat /tmp/o; [ $rc -ne 0 ] && grep -q cloud-init /tmp/o && ! grep -q "running:" /tmp/o'
g "a1: nothing in /etc changed by the refused run" a1 "$SUM >/root/etc.after; diff /root/etc.before /root/etc.after"
g "a1: vtrunk-apply.sh --take-over is accepted" a1 '/root/vtrunk/vtrunk-apply.sh --take-over'

# ---- agent 2: a daemon.json with a comment: fails; fixed; the rerun converges ----
vm_run a2 'mkdir -p /etc/docker; printf "{\n  // log rotation\n  \"log-driver\": \"json-file\"\n}\n" >/etc/docker/daemon.json; cp -r /mnt/host/out /root/vtrunk' >/dev/null
g "a2: vtrunk-apply.sh fails on a daemon.json with a comment (and says so)" a2 \
	'/root/vtrunk/vtrunk-apply.sh >/tmp/o 2>&1; rc=$?; cat /tmp/o; [ $rc -ne 0 ] && grep -q daemon.json /tmp/o'
vm_run a2 'printf "{\n  \"log-driver\": \"json-file\"\n}\n" >/etc/docker/daemon.json' >/dev/null
g "a2: the rerun after fixing daemon.json succeeds" a2 '/root/vtrunk/vtrunk-apply.sh'
g "a2: the rerun brought the trunk up without a reboot" a2 'ip -o link show dev "$TRUNK" | grep -q "<.*,UP"'
g "a2: the rerun made the ipvlan networks" a2 'docker network inspect "$V1_NET" "$V2_NET" >/dev/null'

# vlans[].reserved in a1's block of VLAN 150: passed as --aux-address, which the real
# dockerd keeps, refuses to hand out, and docker-networks.sh reads back as planned.
. "$AG_WORK/a1.env"
g "a1: the plan reserves $V1_AUX in its block of VLAN $V1" a1 '[ -n "$V1_AUX" ]'
g "a1: dockerd holds them as the network's aux addresses" a1 \
	'have=$(docker network inspect -f "{{range .IPAM.Config}}{{range \$k, \$v := .AuxAddress}}{{\$v}} {{end}}{{end}}" "$V1_NET"); echo "$have"; [ "$have" = "$V1_AUX " ]'
g "a1: and refuses a container at a reserved address (${V1_AUX%% *})" a1 \
	'docker image inspect bb >/dev/null 2>&1 || docker import /usr/local/share/busybox-rootfs.tar bb >/dev/null
	out=$(docker run --rm --network "$V1_NET" --ip "${V1_AUX%% *}" bb /bin/sh -c : 2>&1); rc=$?; echo "$out"
	[ $rc -ne 0 ] && grep -qi "in use" <<<"$out"'
g "a1: (control: one at a free address of its block runs)" a1 'docker run --rm --network "$V1_NET" --ip "$V1_ADDR" bb /bin/sh -c :'
g "a1: a rerun of docker-networks.sh finds every network as planned (aux addresses too)" a1 \
	'/root/vtrunk/docker-networks.sh >/tmp/o 2>&1; rc=$?; cat /tmp/o; [ $rc = 0 ] && [ "$(grep -c "^docker-networks: unchanged" /tmp/o)" = 2 ]'

# Containers from a local image (no registry), one per VLAN on each agent, restarted by
# dockerd at boot.
CONT='docker image inspect bb >/dev/null 2>&1 || docker import /usr/local/share/busybox-rootfs.tar bb >/dev/null
for k in 1 2; do eval net=\$V${k}_NET ip=\$V${k}_ADDR
	docker rm -f c$k >/dev/null 2>&1
	docker run -d --name c$k --restart always --cap-add NET_ADMIN --network "$net" --ip "$ip" bb /bin/sleep 100000 >/dev/null || exit 1
done'
checks() { # checks WHEN
	local n
	for n in 1 2; do
		. "$AG_WORK/a$n.env"
		g "a$n $1: $MGMT has $MGMT_ADDR" a$n 'ip -4 -o addr show dev "$MGMT" | grep -q "inet $MGMT_ADDR "'
		g "a$n $1: default route via $GW on $MGMT" a$n 'ip route show default | grep -q "via $GW dev $MGMT"'
		g "a$n $1: trunk $TRUNK is up, without an address" a$n 'ip -o link show dev "$TRUNK" | grep -q "<.*,UP" && ! ip -4 -o addr show dev "$TRUNK" | grep -q inet'
		g "a$n $1: docker has ipvlan networks $V1_NET and $V2_NET on $TRUNK.$V1, $TRUNK.$V2" a$n \
			'for k in 1 2; do eval net=\$V${k}_NET v=\$V$k; docker network inspect -f "{{.Driver}} {{index .Options \"parent\"}}" "$net" | grep -qx "ipvlan $TRUNK.$v" || exit 1; done'
		g "a$n $1: containers on both VLANs run" a$n 'test "$(docker inspect -f "{{.State.Running}}" c1 c2 | sort -u)" = true'
	done
	g "$1: management: a1 reaches a2" a1 "ping -c 2 -W 3 ${A2_MGMT%/*}"
	g "$1: VLAN $V1: a1's container reaches a2's ($A2_V1)" a1 "docker exec c1 ping -c 2 -W 3 $A2_V1"
	g "$1: VLAN $V2: a1's container reaches a2's ($A2_V2)" a1 "docker exec c2 ping -c 2 -W 3 $A2_V2"
	gn "$1: VLAN $V1 does not reach VLAN $V2 ($A2_V2)" a1 "docker exec c1 ping -c 2 -W 2 $A2_V2"
	# The tag alone keeps them apart: an address of VLAN $V1's subnet on a2's VLAN $V2
	# container does not answer a1's VLAN $V1 container; on its VLAN $V1 one, it does.
	. "$AG_WORK/a2.env"
	vm_run a2 "docker exec c2 ip addr add $V1_SPARE/$V1_PREFIX dev eth0" >/dev/null
	gn "$1: isolation: $V1_SPARE tagged $V2 does not answer VLAN $V1" a1 "docker exec c1 ping -c 2 -W 2 $V1_SPARE"
	vm_run a2 "docker exec c2 ip addr del $V1_SPARE/$V1_PREFIX dev eth0; docker exec c1 ip addr add $V1_SPARE/$V1_PREFIX dev eth0" >/dev/null
	g "$1: control: $V1_SPARE tagged $V1 answers VLAN $V1" a1 "docker exec c1 ping -c 2 -W 3 $V1_SPARE"
	vm_run a2 "docker exec c1 ip addr del $V1_SPARE/$V1_PREFIX dev eth0" >/dev/null
}
g "a1: containers on $V1_NET and $V2_NET" a1 "$CONT"
g "a2: containers on $V1_NET and $V2_NET" a2 "$CONT"
checks "after vtrunk-apply.sh"
rt=$(date +%s)
vm_reboot a1 & vm_reboot a2 & wait
REBOOT_S=$(($(date +%s) - rt))
echo "# both agents rebooted in $REBOOT_S s"
checks "after a reboot"
. "$AG_WORK/a1.env"
g "a1 after a reboot: the take-over holds (cloud-init's file no longer configures $MGMT)" a1 'netplan get ethernets 2>/dev/null | grep -c "^$MGMT:" | grep -qx 1 || ! grep -rqs "$MGMT_MAC" /etc/netplan/50-cloud-init.yaml'
vm_stop_all

# ---- a third VM: the agents' MACs where the files do not expect them ----
. "$AG_WORK/a1.env"
S1_MGMT_MAC=$MGMT_MAC S1_TRUNK_MAC=$TRUNK_MAC S1_MGMT_SLOT=$MGMT_SLOT S1_TRUNK_SLOT=$TRUNK_SLOT
. "$AG_WORK/a2.env"
mkdir -p "$AG_WORK/a3/share"
cp -r "$OUT/$A1_VM" "$AG_WORK/a3/share/out1"
cp -r "$OUT/$A2_VM" "$AG_WORK/a3/share/out2"
cp "$AG_WORK/a1.env" "$AG_WORK/a3/share/env"
# Agent 1's NICs swapped (its management MAC where the files put the trunk, and back);
# agent 2's management MAC on an E1000 at slot 32 (34 if its files say ens32), its trunk
# MAC at slot 224: a third name the files do not know.
x3=32
[ "$MGMT" != ens32 ] || x3=34
vm_start a3 "vmxnet3/$S1_MGMT_SLOT/$S1_TRUNK_MAC/x1" "vmxnet3/$S1_TRUNK_SLOT/$S1_MGMT_MAC/x2" \
	"e1000/$x3/$MGMT_MAC/x3" "vmxnet3/224/$TRUNK_MAC/x4"
vm_wait_ready a3 || not_ok "the third VM boots"
g "a3: the E1000 at slot $x3 is named ens$x3 (what the guest really calls it)" a3 "ip -o link | grep -i '$MGMT_MAC' | grep -q ' ens$x3:'"
vm_run a3 "$SUM >/root/etc.before" >/dev/null
g "a3: swapped names: vtrunk-apply.sh refuses, running nothing (management MAC on the NIC the files call trunk)" a3 \
	'/mnt/host/out1/vtrunk-apply.sh >/tmp/o 2>&1; rc=$?; cat /tmp/o; [ $rc -ne 0 ] && ! grep -q "running:" /tmp/o'
g "a3: swapped names: nothing in /etc changed" a3 "$SUM >/root/etc.after; diff /root/etc.before /root/etc.after"
g "a3: third name: vtrunk-apply.sh refuses, running nothing (management MAC on ens$x3, not $MGMT)" a3 \
	'/mnt/host/out2/vtrunk-apply.sh >/tmp/o 2>&1; rc=$?; cat /tmp/o; [ $rc -ne 0 ] && ! grep -q "running:" /tmp/o'
g "a3: third name: nothing in /etc changed" a3 "$SUM >/root/etc.after; diff /root/etc.before /root/etc.after"
vm_stop_all
echo "# times: image build (or cache) $IMG_S s; first boot $BOOT_S s; reboot $REBOOT_S s; whole test $(($(date +%s) - T0)) s"
t_done
