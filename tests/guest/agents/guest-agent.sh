#!/bin/bash
# guest-agent.sh — runs inside each agent VM (started by vtrunk-test-agent.service from the
# host's 9p share, mounted at /mnt/host): the host's hands on the agent, as an admin's shell.
# The host writes cmd/N.sh; this runs it as root and writes cmd/N.out and then cmd/N.rc
# (the exit code). A command file holding just "#reboot" is answered first, then the agent
# reboots. At each boot it writes ready (the boot id) once systemd has finished starting.
H=/mnt/host
mkdir -p "$H/cmd"
[ -f "$H/hostname" ] && hostname "$(cat "$H/hostname")"
# Wait for the boot to settle (networking, docker) as an admin logging in would.
timeout 120 systemctl is-system-running --wait >/dev/null 2>&1
cat /proc/sys/kernel/random/boot_id >"$H/ready.tmp" && mv "$H/ready.tmp" "$H/ready"
while :; do
	for f in "$H"/cmd/*.sh; do
		[ -e "$f" ] || continue
		n=${f%.sh}
		[ -e "$n.rc" ] && continue
		if [ "$(cat "$f")" = "#reboot" ]; then
			echo 0 >"$n.rc.tmp" && mv "$n.rc.tmp" "$n.rc"
			sync
			systemctl reboot
			sleep 600
		fi
		(cd /root && bash "$f") >"$n.out" 2>&1 </dev/null
		echo $? >"$n.rc.tmp"
		mv "$n.rc.tmp" "$n.rc"
	done
	sleep 0.2
done
