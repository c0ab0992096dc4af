# lib.sh — the host side of the agent VMs: boot, run commands, reboot. Source from bash.
#   agents_image CACHE                sets AG_IMAGE (tests/guest/agents/build-image.sh)
#   vm_start NAME NICSPEC...          boots NAME; NICSPEC is MODEL/SLOT/MAC/NET, NET being
#                                     a name shared by the VMs on one wire (listen/connect)
#   vm_run NAME SCRIPT                runs SCRIPT (bash text) as root in NAME; prints its
#                                     output; returns its exit code
#   vm_reboot NAME                    reboots NAME and waits for it to be ready again
#   vm_stop_all
# Each VM: q35, its NICs behind pcie-root-port devices whose slot numbers are ESXi's
# (160, 192, 224, 256 for the 1st..4th PCIe NIC; 32 for the first PCI one), the cached image
# with snapshot=on (writes last across guest reboots, not past qemu's exit), the host directory $AG_WORK/NAME/share on 9p as /mnt/host.
AG_VMS=()
declare -A AG_PORT=()
AG_PORT_NEXT=$((20000 + RANDOM % 20000))
agents_accel() {
	# kvm when it works here: its kernel prints on the console within 8 s. On this machine's
	# nested KVM, "-cpu host" aborts setting MSR 0x10a and other CPU models boot nothing
	# (an empty console), so that is checked, not assumed; tcg otherwise.
	if [ -z "${AG_ACCEL:-}" ]; then
		AG_ACCEL="tcg -cpu max"
		if [ -w /dev/kvm ]; then
			rm -f "$AG_WORK/probe.log"
			timeout 8 qemu-system-x86_64 -accel kvm -cpu host,-arch-capabilities -machine q35 \
				-m 256 -display none -nodefaults -monitor none -no-user-config \
				-serial "file:$AG_WORK/probe.log" -kernel "$AG_IMAGE/vmlinuz" \
				-append "console=ttyS0 panic=-1" </dev/null >/dev/null 2>&1
			[ -s "$AG_WORK/probe.log" ] && AG_ACCEL="kvm -cpu host,-arch-capabilities"
		fi
	fi
	echo "$AG_ACCEL"
}
vm_start() {
	local name=$1 spec model slot mac net i=0 d
	shift
	d=$AG_WORK/$name
	mkdir -p "$d/share/cmd"
	cp "$AG_HERE/guest-agent.sh" "$d/share/"
	echo "$name" >"$d/share/hostname"
	local args=()
	for spec in "$@"; do
		IFS=/ read -r model slot mac net <<<"$spec"
		i=$((i + 1))
		local sock
		if [ -z "${AG_PORT[$net]:-}" ]; then
			AG_PORT[$net]=$AG_PORT_NEXT
			AG_PORT_NEXT=$((AG_PORT_NEXT + 1))
			sock="listen=127.0.0.1:${AG_PORT[$net]}"
		else
			sock="connect=127.0.0.1:${AG_PORT[$net]}"
		fi
		args+=(-device "pcie-root-port,id=rp$i,chassis=$i,slot=$slot"
			-netdev "socket,id=n$i,$sock"
			-device "$model,bus=rp$i,netdev=n$i,mac=$mac")
	done
	# shellcheck disable=SC2046 # the accelerator and its -cpu are two words
	# apparmor=0: the image has no apparmor_parser, and dockerd refuses to start containers
	# when the kernel enforces AppArmor without it.
	# Native PCIe hotplug (pciehp), not q35's ACPI hotplug: the guest then reads each root
	# port's physical slot number, as on ESXi, and udev names its NIC ens<slot>.
	qemu-system-x86_64 -accel $(agents_accel) -machine q35 -m 1024 \
		-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off -smp 1 -nodefaults \
		-display none -serial "file:$d/console.log" -monitor none -no-user-config \
		-kernel "$AG_IMAGE/vmlinuz" -initrd "$AG_IMAGE/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0 net.ifnames=1 apparmor=0" \
		-drive "file=$AG_IMAGE/disk.raw,if=virtio,format=raw,snapshot=on" \
		-virtfs "local,path=$d/share,mount_tag=host,security_model=none,id=host" \
		"${args[@]}" </dev/null >"$d/qemu.log" 2>&1 &
	echo $! >"$d/qemu.pid"
	AG_VMS+=("$name")
	# The listening side must be up before the other connects.
	sleep 0.5
}
vm_wait_ready() { # vm_wait_ready NAME [OLD_BOOT_ID]
	local d=$AG_WORK/$1 t=0
	while :; do
		if [ -f "$d/share/ready" ] && [ "$(cat "$d/share/ready")" != "${2:-}" ]; then
			return 0
		fi
		if ! kill -0 "$(cat "$d/qemu.pid")" 2>/dev/null; then
			echo "# $1: qemu exited: $(tail -3 "$d/qemu.log")"
			tail -20 "$d/console.log" | sed 's/^/#   /'
			return 1
		fi
		t=$((t + 1))
		if [ $t -gt "${AG_BOOT_TIMEOUT:-1800}" ]; then
			echo "# $1: not ready after $((t / 5)) s"
			tail -20 "$d/console.log" | sed 's/^/#   /'
			return 1
		fi
		sleep 0.2
	done
}
vm_run() {
	local d=$AG_WORK/$1 n t=0 seq
	# Numbered from the share, not a shell variable: callers run this in $(...) subshells.
	# A VM that did not come back from a reboot answers nothing: fail at once, not per command.
	[ ! -e "$d/dead" ] || { echo "# $1 is not running (see $d/console.log)"; return 124; }
	seq=$(find "$d/share/cmd" -name '*.sh' | wc -l)
	n=$d/share/cmd/$(printf %05d $((seq + 1)))
	printf '%s\n' "$2" >"$n.tmp"
	mv "$n.tmp" "$n.sh"
	while [ ! -f "$n.rc" ]; do
		t=$((t + 1))
		if [ $t -gt 3000 ] || ! kill -0 "$(cat "$d/qemu.pid")" 2>/dev/null; then
			echo "# $1: no answer to: $2"
			return 124
		fi
		sleep 0.2
	done
	cat "$n.out" 2>/dev/null
	return "$(cat "$n.rc")"
}
vm_reboot() {
	local d=$AG_WORK/$1 old
	old=$(cat "$d/share/ready")
	vm_run "$1" "#reboot" >/dev/null
	vm_wait_ready "$1" "$old" || { touch "$d/dead"; return 1; }
}
vm_stop_all() {
	local v
	for v in "${AG_VMS[@]}"; do
		kill "$(cat "$AG_WORK/$v/qemu.pid")" 2>/dev/null
	done
	wait 2>/dev/null
	AG_VMS=()
}
