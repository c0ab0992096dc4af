#!/bin/bash
# check-kernel.sh [DIR] — the guest files on a real kernel with 802.1Q and ipvlan.
#
# This machine's kernel may lack 8021q/ipvlan, so this boots Debian's own kernel
# (linux-image-amd64) under qemu-system-x86_64 -accel tcg, with no NIC and a small
# initramfs: busybox, the real ip (iproute2), ifup (ifupdown) and run-parts, and the
# 8021q/ipvlan/veth modules. Inside, two network namespaces stand for two agent VMs,
# joined by a veth pair as the trunk and another as the management network:
#   - the rendered etc/network/interfaces.d/vtrunk of each agent is applied with the real
#     `ifup -a` (including its MAC guards, with the NICs given vCenter's MACs), and a
#     NIC with the wrong MAC is refused;
#   - what docker-networks.sh asks Docker for is built by hand: <trunk>.<vlan> VLAN
#     interfaces and an ipvlan l2 child per VLAN in a "container" namespace, holding
#     the first usable address of the agent's --ip-range;
#   - two agents' containers on the same VLAN ping each other, on both VLANs;
#   - a container on another VLAN does not answer, even when given an address in the
#     same subnet (the tag, not routing, keeps them apart).
# qemu exits 0 whatever happens inside, so the verdict is the guest's last console
# line "VTRUNK-KERNEL-TEST: N passed, N failed".
#
# DIR: a rendered output directory (vtrunk render/apply -o DIR) with at least two
# agents and two VLANs; default: the unit tests' basic-macs case, rendered with
# test_guest --write ($TEST_GUEST, default build/tests/test_guest or the ASan one),
# else fixtures/golden/basic.plan.json rendered by $VTRUNK (default build/vtrunk).
# Prints "ok - NAME" / "not ok - NAME" lines and "N passed, N failed", as
# tests/run.sh counts them; exits 0 only when every check passed.
# Needs (Debian): qemu-system-x86 linux-image-amd64 busybox-static cpio iproute2
# ifupdown python3. Takes 15-60 s; not part of the default unit run.
# Env: KVER (kernel version under /lib/modules), QEMU_TIMEOUT (seconds, default 300),
# KEEP=1 keeps the work directory.
set -eu
cd "$(dirname "$0")/../.."

die() {
	echo "kernel-test: $*" >&2
	exit 2
}
for tool in qemu-system-x86_64 cpio python3 ifup ip run-parts dash; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (tests/lib/deps.sh test)"
done
BUSYBOX=$(command -v busybox) || die "busybox is missing (busybox-static)"

if [ -z "${KVER:-}" ]; then
	for v in $(ls /lib/modules 2>/dev/null | sort -V); do
		if [ -f "/boot/vmlinuz-$v" ] && ls "/lib/modules/$v/kernel/net/8021q/8021q.ko"* >/dev/null 2>&1; then
			KVER=$v
		fi
	done
fi
[ -n "${KVER:-}" ] || die "no kernel with 8021q under /boot and /lib/modules (apt-get install linux-image-amd64)"
KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || die "$KERNEL is not readable"
MODDIR=/lib/modules/$KVER

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kernel-test-XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

if [ $# -ge 1 ]; then
	TREE=${1%/}
else
	if [ -z "${TEST_GUEST:-}" ]; then
		for TEST_GUEST in build/tests/test_guest build/asan/tests/test_guest ""; do
			[ -x "$TEST_GUEST" ] && break
		done
	fi
	VTRUNK=${VTRUNK:-build/vtrunk}
	if [ -n "$TEST_GUEST" ]; then
		"$TEST_GUEST" --write "$WORK/render" basic-macs || die "rendering failed"
		TREE=$WORK/render/basic-macs
	elif [ -x "$VTRUNK" ]; then
		# No MACs offline: the MAC guards are then not exercised.
		"$VTRUNK" -q render -f fixtures/golden/basic.plan.json -o "$WORK/render/basic" || die "rendering failed"
		TREE=$WORK/render/basic
	else
		die "no DIR given, and neither test_guest nor $VTRUNK is built"
	fi
fi
[ -f "$TREE/summary.json" ] || die "$TREE/summary.json not found"

# ---- the initramfs ----
R=$WORK/root
mkdir -p "$R"/{bin,sbin,usr/local/sbin,lib,lib64,proc,sys,dev,run,tmp,modules,trees} \
	"$R"/etc/network/{interfaces.d,if-pre-up.d,if-up.d,if-down.d,if-post-down.d}
# copy_bin PROGRAM DEST: the program and the shared libraries it loads.
copy_bin() {
	local b lib
	b=$(readlink -f "$1")
	cp "$b" "$R/$2"
	for lib in $(ldd "$b" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
}
copy_bin "$BUSYBOX" bin/busybox
# /bin/sh is dash, not busybox: Debian's busybox shell runs its own applets (a
# minimal `ip` among them) in preference to PATH, also for what ifup runs.
copy_bin "$(command -v dash)" bin/sh
for a in $("$BUSYBOX" --list); do
	[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done
# The real tools go first in ifupdown's PATH (/usr/local/sbin), ahead of busybox's
# applets of the same names.
for b in ip ifup ifdown ifquery run-parts; do copy_bin "$(command -v "$b")" "usr/local/sbin/$b"; done

# Modules, each after what it depends on (from modules.dep).
declare -A SEEN=()
ORDER=()
add_mod() {
	local path=$1 dep
	[ -z "${SEEN[$path]:-}" ] || return 0
	SEEN[$path]=1
	for dep in $(awk -F': *' -v m="$path" '$1 == m {print $2}' "$MODDIR/modules.dep"); do
		add_mod "$dep"
	done
	ORDER+=("$path")
}
for m in 8021q ipvlan veth; do
	p=$(awk -F: -v m="$m" '{n=$1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); if (n == m) print $1}' "$MODDIR/modules.dep")
	[ -n "$p" ] || die "module $m not found in $MODDIR/modules.dep"
	add_mod "$p"
done
: >"$R/modules/order"
for p in "${ORDER[@]}"; do
	n=$(basename "$p")
	case $n in
	*.ko) cp "$MODDIR/$p" "$R/modules/$n" ;;
	*.ko.xz) xz -dc "$MODDIR/$p" >"$R/modules/${n%.xz}"; n=${n%.xz} ;;
	*.ko.zst) zstd -qdc "$MODDIR/$p" >"$R/modules/${n%.zst}"; n=${n%.zst} ;;
	*) die "cannot read module $p" ;;
	esac
	echo "$n" >>"$R/modules/order"
done

# ---- what the test knows from the rendered tree ----
python3 - "$TREE" "$R" <<'PY'
import ipaddress, json, os, shlex, shutil, sys

tree, root = sys.argv[1:3]
s = json.load(open(os.path.join(tree, "summary.json")))
agents = s["agents"][:2]
if len(agents) < 2 or len(s["vlans"]) < 2:
    sys.exit("kernel-test: %s needs at least two agents and two VLANs" % tree)

def first_usable(r):
    """The first address Docker would hand out in the agent's --ip-range."""
    net = ipaddress.ip_network(r["subnet"])
    skip = {net.network_address, net.broadcast_address, ipaddress.ip_address(r["gateway"])}
    for a in ipaddress.ip_network(r["ip_range"]):
        if a not in skip:
            return str(a)
    sys.exit("kernel-test: no usable address in " + r["ip_range"])

env = {"TRUNK": s["trunk_ifname"], "MGMT": s["mgmt_ifname"]}
for n, a in enumerate(agents, 1):
    d = os.path.join(root, "trees", "a%d" % n)
    os.makedirs(d)
    shutil.copy(os.path.join(tree, a["vm"], "etc/network/interfaces.d/vtrunk"), os.path.join(d, "interfaces"))
    nics = a["nics"]
    env["A%d_VM" % n] = a["vm"]
    env["A%d_MGMT" % n] = a["mgmt_address"]
    for role in ("trunk", "mgmt"):
        mac = (nics.get(role) or {}).get("mac") or ""
        # Bound by name when both NICs report one MAC: do not set it then.
        other = (nics.get("mgmt" if role == "trunk" else "trunk") or {}).get("mac") or ""
        env["A%d_%s_MAC" % (n, role.upper())] = "" if mac == other else mac
    for k, r in enumerate(a["ranges"][:2], 1):
        env["A%d_V%d_ADDR" % (n, k)] = first_usable(r)
for k, v in enumerate(s["vlans"][:2], 1):
    env["V%d_ID" % k] = str(v["vlan"])
    env["V%d_PREFIX" % k] = v["subnet"].split("/")[1]
    env["V%d_GW" % k] = v["gateway"]
    env["V%d_SUBNET" % k] = v["subnet"]
    # An address of VLAN 1's subnet that no agent block uses first: for the
    # same-subnet, other-tag check.
    net = ipaddress.ip_network(v["subnet"])
    env["V%d_SPARE" % k] = str(net.broadcast_address - 1)
with open(os.path.join(root, "test.env"), "w") as f:
    for k in sorted(env):
        f.write("%s=%s\n" % (k, shlex.quote(env[k])))
PY

cat >"$R/init" <<'EOF'
#!/bin/busybox sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
for m in $(cat /modules/order); do
	insmod "/modules/$m" || echo "not ok - insmod $m"
done
/bin/sh /test.sh
echo o >/proc/sysrq-trigger
poweroff -f
EOF
chmod +x "$R/init"

cat >"$R/test.sh" <<'EOF'
. /test.env
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
# t NAME CMD...: passes when CMD succeeds; tn: when it fails.
t() {
	tname=$1; shift
	if "$@" >/tmp/out 2>&1; then ok "$tname"; else nok "$tname"; sed 's/^/#   /' /tmp/out; fi
}
tn() {
	tname=$1; shift
	if "$@" >/tmp/out 2>&1; then nok "$tname"; sed 's/^/#   /' /tmp/out; else ok "$tname"; fi
}
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

echo "# kernel $(uname -r); agents $A1_VM, $A2_VM; VLANs $V1_ID, $V2_ID"
t "8021q loaded" test -d /sys/module/8021q
t "ipvlan loaded" test -d /sys/module/ipvlan

# Two agent VMs: a veth pair is the trunk between them, another the management LAN.
wire() { # wire NAME NS1 NS2 MAC1 MAC2
	ip link add vtmp1 type veth peer name vtmp2
	ip link set vtmp1 netns "$2"
	ip link set vtmp2 netns "$3"
	ip -n "$2" link set vtmp1 name "$1"
	ip -n "$3" link set vtmp2 name "$1"
	[ -z "$4" ] || ip -n "$2" link set "$1" address "$4"
	[ -z "$5" ] || ip -n "$3" link set "$1" address "$5"
}
ip netns add a1
ip netns add a2
wire "$TRUNK" a1 a2 "$A1_TRUNK_MAC" "$A2_TRUNK_MAC"
wire "$MGMT" a1 a2 "$A1_MGMT_MAC" "$A2_MGMT_MAC"

# The rendered interfaces files, with the real ifup.
for n in 1 2; do
	eval vm=\$A${n}_VM addr=\$A${n}_MGMT
	mkdir -p /run/ifstate-a$n
	t "$vm: ifup -a -i etc/network/interfaces" in_ns a$n ifup -a -v -i /trees/a$n/interfaces --state-dir=/run/ifstate-a$n
	t "$vm: $MGMT has $addr" sh -c "ip -n a$n -4 addr show dev $MGMT | grep -q 'inet $addr '"
	t "$vm: $TRUNK is up" sh -c "ip -n a$n link show dev $TRUNK | grep -q '<.*,UP'"
	tn "$vm: $TRUNK has no IPv4 address" sh -c "ip -n a$n -4 addr show dev $TRUNK | grep -q inet"
	t "$vm: lo is up" sh -c "ip -n a$n link show dev lo | grep -q '<.*UP'"
	t "$vm: ifquery --state lists $TRUNK as up" sh -c "ifquery --state --state-dir=/run/ifstate-a$n -i /trees/a$n/interfaces | grep -qx '$TRUNK=$TRUNK'"
done
t "management: $A1_VM reaches $A2_VM" in_ns a1 ping -c 1 -W 3 "${A2_MGMT%/*}"

# A VM whose NICs do not carry the MACs vCenter reported is refused by the guard.
if [ -n "$A1_TRUNK_MAC" ]; then
	ip netns add wrong
	ip netns add wrongpeer
	wire "$TRUNK" wrong wrongpeer 02:00:00:00:00:99 ""
	mkdir -p /run/ifstate-wrong
	tn "ifup refuses $TRUNK when its MAC is not $A1_TRUNK_MAC" in_ns wrong ifup -i /trees/a1/interfaces --state-dir=/run/ifstate-wrong "$TRUNK"
fi

# What docker-networks.sh asks Docker for: parent=<trunk>.<vlan>, ipvlan l2, an
# address from the agent's --ip-range, in a container's namespace.
container() { # container NS AGENT-NS VLAN ADDR PREFIX GW
	ip -n "$2" link show "$TRUNK.$3" >/dev/null 2>&1 || {
		ip -n "$2" link add link "$TRUNK" name "$TRUNK.$3" type vlan id "$3"
		ip -n "$2" link set "$TRUNK.$3" up
	}
	ip netns add "$1"
	ip -n "$2" link add link "$TRUNK.$3" name "ipv-$1" type ipvlan mode l2
	ip -n "$2" link set "ipv-$1" netns "$1"
	ip -n "$1" link set "ipv-$1" name eth0
	ip -n "$1" addr add "$4/$5" dev eth0
	ip -n "$1" link set lo up
	ip -n "$1" link set eth0 up
	ip -n "$1" route add default via "$6" dev eth0
}
t "$A1_VM: container on VLAN $V1_ID at $A1_V1_ADDR" container c1v1 a1 "$V1_ID" "$A1_V1_ADDR" "$V1_PREFIX" "$V1_GW"
t "$A2_VM: container on VLAN $V1_ID at $A2_V1_ADDR" container c2v1 a2 "$V1_ID" "$A2_V1_ADDR" "$V1_PREFIX" "$V1_GW"
t "$A1_VM: container on VLAN $V2_ID at $A1_V2_ADDR" container c1v2 a1 "$V2_ID" "$A1_V2_ADDR" "$V2_PREFIX" "$V2_GW"
t "$A2_VM: container on VLAN $V2_ID at $A2_V2_ADDR" container c2v2 a2 "$V2_ID" "$A2_V2_ADDR" "$V2_PREFIX" "$V2_GW"
t "$TRUNK.$V1_ID is an 802.1Q interface with id $V1_ID" sh -c "ip -n a1 -d link show $TRUNK.$V1_ID | grep -q 'vlan protocol 802.1Q id $V1_ID '"
t "the container's link is ipvlan l2" sh -c "ip -n c1v1 -d link show eth0 | grep -q 'ipvlan  *mode l2'"

t "VLAN $V1_ID: $A1_VM's container reaches $A2_VM's" in_ns c1v1 ping -c 2 -W 3 "$A2_V1_ADDR"
t "VLAN $V2_ID: $A1_VM's container reaches $A2_VM's" in_ns c1v2 ping -c 2 -W 3 "$A2_V2_ADDR"
tn "VLAN $V1_ID does not reach VLAN $V2_ID ($A2_V2_ADDR)" in_ns c1v1 ping -c 2 -W 2 "$A2_V2_ADDR"
tn "VLAN $V2_ID does not reach VLAN $V1_ID ($A2_V1_ADDR)" in_ns c1v2 ping -c 2 -W 2 "$A2_V1_ADDR"
# The tag alone keeps them apart: an address of VLAN $V1_ID's subnet on VLAN $V2_ID
# does not answer; the same address on VLAN $V1_ID does.
t "a container on VLAN $V2_ID with $V1_SPARE (VLAN $V1_ID's subnet)" container x2v2 a2 "$V2_ID" "$V1_SPARE" "$V1_PREFIX" "$V1_GW"
tn "VLAN $V1_ID does not reach $V1_SPARE tagged $V2_ID" in_ns c1v1 ping -c 2 -W 2 "$V1_SPARE"
ip netns del x2v2
t "a container on VLAN $V1_ID with $V1_SPARE" container x2v1 a2 "$V1_ID" "$V1_SPARE" "$V1_PREFIX" "$V1_GW"
t "VLAN $V1_ID reaches $V1_SPARE tagged $V1_ID" in_ns c1v1 ping -c 2 -W 3 "$V1_SPARE"

echo "VTRUNK-KERNEL-TEST: $pass passed, $fail failed"
EOF

(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz"

LOG=$WORK/console.log
echo "kernel-test: booting $KERNEL under qemu (tcg) with $(wc -l <"$R/modules/order") modules; tree $TREE" >&2
timeout "${QEMU_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -no-reboot \
	-nodefaults -display none -serial stdio -nic none \
	-kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" </dev/null >"$LOG" 2>&1 || true
tr -d '\r' <"$LOG" | grep -E '^(ok|not ok) - |^#|^VTRUNK-KERNEL-TEST' || true
line=$(tr -d '\r' <"$LOG" | grep '^VTRUNK-KERNEL-TEST: ' | tail -1)
if [ -z "$line" ]; then
	echo "not ok - kernel test: no result line on the console (see below)"
	tail -40 "$LOG"
	echo "0 passed, 1 failed"
	exit 1
fi
p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p')
f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p')
echo "$p passed, $f failed"
[ "$f" = 0 ] && [ "$p" -gt 0 ]
