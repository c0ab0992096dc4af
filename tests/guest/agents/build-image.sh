#!/bin/bash
# build-image.sh CACHE_DIR — a Debian 12 agent VM disk built with mmdebstrap from Debian's
# packages, cached under CACHE_DIR/<key>/ (key: the package list, the mirror and this
# script with the guest agent), so reruns only reuse it. Prints the directory holding
#   disk.raw   ext4 root filesystem (the agent's / ; boots with root=/dev/vda)
#   vmlinuz, initrd.img   the image's own kernel (linux-image-amd64) and initramfs
# and, on stderr, how long the build took. Needs mmdebstrap, e2fsprogs (root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build-image.sh CACHE_DIR}
MIRROR=${AGENTS_MIRROR:-http://deb.debian.org/debian}
# What an agent VM runs: systemd and udev (predictable names from PCI slots), both network
# stacks vtrunk writes for, Docker, and the kernel. busybox-static makes the containers'
# image locally (no registry); jq/python3 are what vtrunk-apply.sh uses to edit daemon.json.
PKGS="systemd systemd-sysv udev dbus kmod netplan.io ifupdown iproute2 iputils-ping docker.io
linux-image-amd64 initramfs-tools busybox-static jq python3 procps"
PKGS=$(echo $PKGS)
key=$( (echo "$PKGS"; echo "$MIRROR"; cat "$here/build-image.sh") | sha256sum | cut -c1-16)
out=$cache/agent-image-$key
if [ -f "$out/disk.raw" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
	echo "$out"
	exit 0
fi
start=$(date +%s)
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/agent-image-build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
echo "agents: building the Debian 12 agent image with mmdebstrap ($PKGS)" >&2
mmdebstrap --mode=root --variant=apt --include="${PKGS// /,}" \
	--customize-hook='echo agent >"$1/etc/hostname"' \
	bookworm "$root" "deb $MIRROR bookworm main" >"$tmp/mmdebstrap.log" 2>&1 || {
	tail -30 "$tmp/mmdebstrap.log" >&2
	echo "agents: mmdebstrap failed" >&2
	exit 1
}
# The guest side of the test harness: a unit that mounts the host's 9p share and runs the
# agent loop it finds there (tests/guest/agents/guest-agent.sh, copied by the test), so the
# image does not change when the harness does.
cat >"$root/usr/local/sbin/vtrunk-test-agent" <<'BOOT'
#!/bin/sh
mkdir -p /mnt/host
mountpoint -q /mnt/host || mount -t 9p -o trans=virtio,version=9p2000.L,cache=none host /mnt/host || exit 1
exec /bin/bash /mnt/host/guest-agent.sh
BOOT
chmod 0755 "$root/usr/local/sbin/vtrunk-test-agent"
cat >"$root/etc/systemd/system/vtrunk-test-agent.service" <<'UNIT'
[Unit]
Description=vtrunk test harness (runs the host's commands from the 9p share)
After=local-fs.target systemd-modules-load.service
[Service]
Type=simple
ExecStart=/usr/local/sbin/vtrunk-test-agent
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/vtrunk-test-agent.service "$root/etc/systemd/system/multi-user.target.wants/vtrunk-test-agent.service"
echo '/dev/vda / ext4 defaults 0 1' >"$root/etc/fstab"
# A fresh agent as a VM is installed: no network configuration yet besides lo (each case
# adds the installer's or cloud-init's own file), no mirror reachable.
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' >"$root/etc/network/interfaces"
rm -f "$root"/etc/netplan/*.yaml
: >"$root/etc/machine-id"
# The containers' image, without a registry: busybox-static as a root filesystem, imported
# by the guest agent into the real dockerd on first use.
mkdir -p "$tmp/bb/bin"
cp "$root/bin/busybox" "$tmp/bb/bin/busybox"
for a in sh ping ip ifconfig sleep cat nc httpd; do ln -s busybox "$tmp/bb/bin/$a"; done
tar -C "$tmp/bb" -cf "$root/usr/local/share/busybox-rootfs.tar" .
cp "$root"/boot/vmlinuz-* "$tmp/vmlinuz"
cp "$root"/boot/initrd.img-* "$tmp/initrd.img"
chmod 0644 "$tmp/vmlinuz" "$tmp/initrd.img"
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*_Packages
# mke2fs -d names each file it copies on stdout (despite -q), and stdout is this
# script's answer: its log goes to a file.
mke2fs -q -t ext4 -L agent -d "$root" "$tmp/disk.raw" 3G >"$tmp/mke2fs.log" 2>&1 || {
	tail -20 "$tmp/mke2fs.log" >&2
	echo "agents: mke2fs failed" >&2
	exit 1
}
rm -rf "$root"
mkdir -p "$out"
mv "$tmp/disk.raw" "$tmp/vmlinuz" "$tmp/initrd.img" "$out/"
echo "agents: image built in $(($(date +%s) - start)) s: $out" >&2
echo "$out"
