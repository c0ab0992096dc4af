#!/usr/bin/env bash
# The README's "Example session" runs (issue 14): its commands are read from README.md
# itself, so the example cannot drift from the program. Against the test vCenter, with
# `make demo`'s plan (fixtures/plans/demo.json) as kasm.json, its agents' VMs renamed to
# the README's kasm-agent-01 and -02. Each command's exit code is checked (plan: 4 when it
# shows pending changes; the others 0), and the lines the README shows under it must be in
# its output, in order; MAC addresses, device keys, the port group's key and a fingerprint
# shortened with "…" match any value, column padding any run of spaces. The README's
# vCenter, user, password file and pin become this test vCenter's. scp and ssh stand in
# for the agent VMs: scp copies into $T_TMP/hosts/HOST, ssh runs the script there with
# --root (nothing of this machine is touched), and vmware-rpctool serves the VM's
# guestinfo as pyvmomi reads it (as 60-guestinfo.sh does).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 4 --trap || exit 1
unset VTRUNK_URL VTRUNK_USERNAME VTRUNK_PASSWORD VTRUNK_THUMBPRINT VTRUNK_INSECURE GOVC_URL GOVC_INSECURE
vcsim_pyread rename vm DC0_H0_VM0 kasm-agent-01 >/dev/null &&
	vcsim_pyread rename vm DC0_C0_RP0_VM0 kasm-agent-02 >/dev/null
expect_eq "$?" 0 "pyvmomi names two VMs as the README's agents"
S=$T_TMP/session
mkdir -p "$S" "$T_TMP/steps" "$T_TMP/bin" "$T_TMP/hosts"
/usr/bin/python3 - "$root/fixtures/plans/demo.json" "$S/kasm.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for a, name in zip(p["agents"], ("kasm-agent-01", "kasm-agent-02")):
    a["vm"] = name
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY

# The block, as steps: NN.cmd (the command, this vCenter's values put in), NN.want (one
# regular expression a line shown), NN.rc (the exit code wanted).
HOSTPORT=${VCSIM_URL#https://}
HOSTPORT=${HOSTPORT%/sdk}
/usr/bin/python3 - "$root/README.md" "$T_TMP/steps" "$HOSTPORT" "$VCSIM_USER" "$VCSIM_PASSWORD_FILE" "$VCSIM_SHA256" <<'PY'
import re, sys
readme, out, hostport, user, pwfile, pin = sys.argv[1:]
text = open(readme, encoding="utf-8").read()
m = re.search(r"^## Example session\n+```console\n(.*?)^```", text, re.S | re.M)
if not m:
    sys.exit("no ```console block under ## Example session")
MAC = r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}"
def pattern(line):
    line = line.replace("vcenter.corp.example", hostport)
    parts = []
    for part in re.split(r" {2,}", line):
        part = re.sub(MAC, "\x01", part)
        part = re.sub(r"\b\d+ \x01", "\x02 \x01", part)
        part = re.sub(r"dvportgroup-\d+", "dvportgroup-\x02", part)
        part = re.sub(r"\S*…\S*", "\x03", part)
        part = re.escape(part).replace("\x01", MAC).replace("\x02", r"\d+").replace("\x03", r"\S+")
        parts.append(part)
    return " +".join(parts)
steps = []
for line in m.group(1).splitlines():
    if line.startswith("$ "):
        cmd = re.sub(r"\s+#\s.*$", "", line[2:])
        cmd = cmd.replace("vcenter.corp.example", hostport).replace("administrator@vsphere.local", user)
        cmd = cmd.replace("~/.vcenter-pw", pwfile)
        cmd = re.sub(r"VTRUNK_THUMBPRINT=\S+", "VTRUNK_THUMBPRINT=" + pin, cmd)
        steps.append([cmd, []])
    elif steps:
        steps[-1][1].append(line)
for n, (cmd, shown) in enumerate(steps):
    rc = 4 if cmd.startswith("vtrunk plan") and any(re.match(r"[1-9]\d* pending change", l) for l in shown) else 0
    open("%s/%02d.cmd" % (out, n), "w").write(cmd + "\n")
    open("%s/%02d.want" % (out, n), "w").write("".join(pattern(l) + "\n" for l in shown))
    open("%s/%02d.rc" % (out, n), "w").write("%d\n" % rc)
PY
expect_eq "$?" 0 "the example session is read from README.md"
expect_eq "$(ls "$T_TMP/steps" | grep -c '\.cmd$')" 10 "it has its 10 commands"

# The stand-ins, as shell functions the commands below see.
vtrunk() { vt "$@"; }
scp() { # scp -r SRC root@HOST:DEST
	[ "$1" = -r ] || return 2
	local host=${3#*@}
	local dest=$T_TMP/hosts/${host%%:*}${host#*:}
	mkdir -p "$(dirname "$dest")" && rm -rf "$dest" && cp -r "$2" "$dest"
}
ssh() { # ssh root@HOST COMMAND ARGS...
	local host=${1#*@} cmd=$2
	shift 2
	vcsim_pyread guestinfo "$host" >"$T_TMP/hosts/$host.gi.json" &&
		env PATH="$T_TMP/bin:$PATH" GI_JSON="$T_TMP/hosts/$host.gi.json" \
			bash "$T_TMP/hosts/$host$cmd" "$@" --root "$T_TMP/hosts/$host/rootfs"
}
cat >"$T_TMP/bin/vmware-rpctool" <<'SH'
#!/bin/sh
case $1 in
"info-get "*) exec /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if sys.argv[2] not in d:
    sys.exit("No value found")
print(d[sys.argv[2]])' "$GI_JSON" "${1#info-get }" ;;
*) echo "Unknown command" >&2; exit 1 ;;
esac
SH
chmod +x "$T_TMP/bin/vmware-rpctool"

# shown_in WANT OUT: every pattern of WANT matches a line of OUT, in order.
shown_in() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
want = open(sys.argv[1], encoding="utf-8").read().splitlines()
got = open(sys.argv[2], encoding="utf-8").read().splitlines()
i = 0
for w in want:
    while i < len(got) and not re.fullmatch(w, got[i]):
        i += 1
    if i == len(got):
        print("no line matches /%s/ (in order)" % w)
        sys.exit(1)
    i += 1
PY
}
cd "$S" || exit 1
for c in "$T_TMP"/steps/*.cmd; do
	n=${c%.cmd}
	cmd=$(cat "$c")
	want_rc=$(cat "$n.rc")
	run eval "$cmd"
	if [ "$RC" = "$want_rc" ]; then ok "\$ ${cmd:0:90}: exit $want_rc"; else not_ok "\$ ${cmd:0:90}: exit $RC, wanted $want_rc"; fi
	if [ -s "$n.want" ]; then
		if why=$(shown_in "$n.want" "$T_OUT"); then
			ok "  and shows the README's $(wc -l <"$n.want") lines"
		else
			not_ok "  and shows the README's lines: $why"
		fi
	fi
done
# What the stand-in agents got: the files of their own VM's guestinfo and script.
# interfaces.d/vtrunk, the source line's /etc/network/interfaces, netplan, modules-load.d.
expect_eq "$(find "$T_TMP/hosts/kasm-agent-01/rootfs/etc" -type f 2>/dev/null | wc -l)" 4 \
	"kasm-agent-01's script installed its interface and module files (under --root)"
expect_eq "$(grep -v '^#' "$T_TMP/hosts/kasm-agent-02/rootfs/etc/netplan/60-vtrunk.yaml" 2>/dev/null | grep -c 10.0.0.12)" 1 \
	"kasm-agent-02 got its own netplan file from its guestinfo, through agent-01's script"
t_done
