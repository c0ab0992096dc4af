# lib.sh — the host side of the agent VMs: boot, run commands, reboot. Source from bash.
#   agents_image CACHE                sets AG_IMAGE (tests/guest/agents/build-image.sh)
#   vm_start NAME NICSPEC...          boots NAME; NICSPEC is MODEL/SLOT/MAC/NET, NET being
#                                     a name shared by the (at most two) VMs on one wire
#   vm_run NAME SCRIPT                runs SCRIPT (bash text) as root in NAME; prints its
#                                     output; returns its exit code
#   vm_reboot NAME                    reboots NAME and waits for it to be ready again
#   vm_stop_all
# Each VM: q35, its NICs behind pcie-root-port devices whose slot numbers are ESXi's
# (160, 192, 224, 256 for the 1st..4th PCIe NIC; 32 for the first PCI one), its own copy of
# the cached image (sparse), the host directory $AG_WORK/NAME/share on 9p as /mnt/host.
# A wire is a pair of UDP sockets on loopback (qemu's socket netdev, udp= and localaddr=):
# connectionless, so either VM can go away and come back.
# A reboot is the guest's own `systemctl reboot`; qemu runs with -no-reboot, so it exits
# there instead of resetting, and the host starts the VM again on the same disk: the guest
# goes through its real shutdown and a cold boot (kernel, initramfs, systemd, udev naming).
AG_VMS=()
declare -A AG_PORT=()
AG_PORT_NEXT=$((20000 + RANDOM % 20000))
agents_accel() {
	# kvm when it works here: its kernel prints on the console within 8 s. This kind of
	# machine is a microVM whose /dev/kvm is nested PVM (the kvm_pvm module: "-cpu host"
	# aborts setting MSR 0x10a, and other CPU models print nothing, since PVM runs only
	# guest kernels built for it), so that is checked, not assumed; tcg otherwise.
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
		local sock p
		if [ -z "${AG_PORT[$net]:-}" ]; then
			p=$AG_PORT_NEXT
			AG_PORT[$net]=$p
			AG_PORT_NEXT=$((AG_PORT_NEXT + 2))
			sock="localaddr=127.0.0.1:$p,udp=127.0.0.1:$((p + 1))"
		else
			p=${AG_PORT[$net]}
			sock="localaddr=127.0.0.1:$((p + 1)),udp=127.0.0.1:$p"
		fi
		args+=(-device "pcie-root-port,id=rp$i,chassis=$i,slot=$slot"
			-netdev "socket,id=n$i,$sock"
			-device "$model,bus=rp$i,netdev=n$i,mac=$mac")
	done
	# apparmor=0: the image has no apparmor_parser, and dockerd refuses to start containers
	# when the kernel enforces AppArmor without it.
	# Native PCIe hotplug (pciehp), not q35's ACPI hotplug: the guest then reads each root
	# port's physical slot number, as on ESXi, and udev names its NIC ens<slot>.
	# The console log is appended to across boots.
	local accel
	read -ra accel <<<"$(agents_accel)"
	cp --sparse=always "$AG_IMAGE/disk.raw" "$d/disk.raw"
	local cmd=(qemu-system-x86_64 -accel "${accel[@]}" -machine q35 -m 1024 -no-reboot
		-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off -smp 1 -nodefaults
		-display none -chardev "file,id=con,path=$d/console.log,append=on" -serial chardev:con
		-monitor none -no-user-config
		-kernel "$AG_IMAGE/vmlinuz" -initrd "$AG_IMAGE/initrd.img"
		-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0 net.ifnames=1 apparmor=0"
		-drive "file=$d/disk.raw,if=virtio,format=raw"
		-virtfs "local,path=$d/share,mount_tag=host,security_model=none,id=host"
		"${args[@]}")
	printf '%q ' exec "${cmd[@]}" >"$d/launch.sh"
	AG_VMS+=("$name")
	vm_launch "$name"
}
vm_launch() { # vm_launch NAME: (re)starts NAME's qemu from its launch.sh
	local d=$AG_WORK/$1
	bash "$d/launch.sh" </dev/null >>"$d/qemu.log" 2>&1 &
	echo $! >"$d/qemu.pid"
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
		if [ $((t / 5)) -gt "${AG_BOOT_TIMEOUT:-900}" ]; then # seconds
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
vm_reboot() { # vm_reboot NAME: the guest's own reboot, then a cold start (see the top)
	local d=$AG_WORK/$1 old pid t=0
	old=$(cat "$d/share/ready")
	pid=$(cat "$d/qemu.pid")
	vm_run "$1" "#reboot" >/dev/null || { touch "$d/dead"; return 1; }
	# qemu exits when the guest's shutdown reaches the reset; a shutdown that hangs is a
	# failure (with its console), not papered over with a kill.
	while kill -0 "$pid" 2>/dev/null; do
		t=$((t + 1))
		if [ $t -gt "${AG_SHUTDOWN_TIMEOUT:-3000}" ]; then
			echo "# $1: the guest's reboot did not finish in $((t / 5)) s"
			tail -20 "$d/console.log" | sed 's/^/#   /'
			touch "$d/dead"
			return 1
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null
	echo "# $1: shut down for its reboot in $((t / 5)) s; starting it again"
	vm_launch "$1"
	vm_wait_ready "$1" "$old" || { touch "$d/dead"; return 1; }
}
vm_stop_all() {
	local v pid t
	for v in "${AG_VMS[@]}"; do
		pid=$(cat "$AG_WORK/$v/qemu.pid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		# A VM restarted by vm_reboot in a subshell is not this shell's child: wait by pid.
		t=0
		while kill -0 "$pid" 2>/dev/null && [ $t -lt 50 ]; do sleep 0.2; t=$((t + 1)); done
		rm -f "$AG_WORK/$v/disk.raw"
	done
	wait 2>/dev/null
	AG_VMS=()
}
