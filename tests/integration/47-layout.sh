#!/usr/bin/env bash
# Layout and help (issue 14): the report's VM column is as wide as the longest name,
# counted in characters (a UTF-8 name has more bytes); `render --help` lists --json,
# `thumbprint --help` only what it takes, `plan --help` says what --guestinfo does for
# plan; `vtrunk help` never runs a long synopsis into its description; demo.sh writes
# no ANSI escape into a log; `make check` ends with run.sh's whole count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 4 --trap || exit 1
vcsim_env

# --- the VM column ---
LONG='agente-três-ñandú-01' # 20 characters, 23 bytes
vcsim_pyread rename vm DC0_H0_VM0 "$LONG" >/dev/null
expect_eq "$?" 0 "pyvmomi renames a VM to a UTF-8 name"
P=$T_TMP/plan.json
cat >"$P" <<J
{"datacenter": "DC0", "switch": "DVS0",
 "trunk": {"portgroup": "Kasm-Trunk-Layout", "vlans": "100-200"},
 "management": {"network": "DC0_DVPG0", "prefix": 24, "gateway": "10.0.0.1"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "$LONG", "mgmt_address": "10.0.0.11"},
            {"vm": "DC0_H0_VM1", "mgmt_address": "10.0.0.12"}]}
J
# table_ok FILE: the header and each agent's row have the name, padded with spaces to
# the longest name's length in characters, then one space, then the next column.
table_ok() {
	/usr/bin/python3 - "$1" "$LONG" DC0_H0_VM1 <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
names = sys.argv[2:]
w = max(len(n) for n in names)
want = {"VM": 1, **{n: 1 for n in names}}
for l in lines:
    first = l[:w].rstrip(" ")
    if first in want and l[w:w + 1] == " " and l[w + 1:w + 2] not in ("", " "):
        want[first] -= 1
bad = [k for k, v in want.items() if v != 0]
if bad:
    print("not aligned at column %d: %s" % (w, bad))
    sys.exit(1)
PY
}
expect_rc 4 "plan with a UTF-8 agent name" vt plan -f "$P"
if table_ok "$T_OUT" >"$T_TMP/why"; then ok "plan's VM column is the longest name wide, in characters"; else not_ok "plan's VM column is the longest name wide, in characters: $(cat "$T_TMP/why")"; fi
expect_rc 0 "apply" vt apply -f "$P" -o "$T_TMP/out"
if table_ok "$T_OUT" >"$T_TMP/why"; then ok "apply's table too"; else not_ok "apply's table too: $(cat "$T_TMP/why")"; fi
expect_rc 0 "status" vt status -f "$P"
if table_ok "$T_OUT" >"$T_TMP/why"; then ok "status's table too"; else not_ok "status's table too: $(cat "$T_TMP/why")"; fi

# --- help ---
expect_rc 0 "render --help" vt render --help
expect_in "$T_OUT" "--json" "render --help lists --json (render takes it)"
expect_rc 0 "thumbprint --help" vt thumbprint --help
for o in --parallel --username --password-file --password-stdin "--thumbprint FP" --ca-file --insecure; do
	expect_not_in "$T_OUT" "  $o" "thumbprint --help does not list $o (it does not use it)"
done
for o in --json --timeout --debug --url; do
	expect_in "$T_OUT" "  $o" "thumbprint --help lists $o"
done
expect_rc 0 "plan --help" vt plan --help
expect_not_in "$T_OUT" "extraConfig too" "plan --help does not describe --guestinfo with apply's words"
expect_in "$T_OUT" "also compare each agent's guestinfo" "plan --help says plan compares the guestinfo"
expect_rc 0 "vtrunk help" vt help
cp "$T_OUT" "$T_TMP/help"
bad=""
for c in plan apply status destroy render ls thumbprint version help; do
	run vt "$c" --help
	u=$(sed -n 's/^Usage: vtrunk //p' "$T_OUT")
	s=$(sed -n '3s/\.$//p' "$T_OUT")
	/usr/bin/python3 - "$T_TMP/help" "$u" "$s" <<'PY' || bad="$bad $c"
import sys
text, u, s = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
one = "  %-36s %s\n" % (u, s)
two = "  %s\n%s%s\n" % (u, " " * 39, s)
sys.exit(0 if (len(u) <= 36 and one in text) or (len(u) > 36 and two in text) else 1)
PY
done
expect_eq "$bad" "" "vtrunk help: every description starts in its column, a long synopsis on a line of its own"

# --- demo.sh into a log ---
# A vcsim of its own: this script's is not its to reuse.
run env -u VCSIM_PID "$root/tests/lib/demo.sh"
expect_eq "$RC" 0 "demo.sh runs with its output in a file"
expect_in "$T_OUT" '$ vtrunk apply -f fixtures/plans/demo.json' "demo.sh shows its steps"
if grep -q $'\033' "$T_OUT"; then not_ok "demo.sh writes no ANSI escape into a file"; else ok "demo.sh writes no ANSI escape into a file"; fi

# --- ls vms: its VM column too, as wide as the longest name in characters ---
expect_rc 0 "ls vms" vt ls vms
got=$(/usr/bin/python3 - "$T_OUT" "$LONG" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
w = max(len(l.split(" ")[0]) for l in lines[1:])  # names here have no space
ok = len(sys.argv[2]) == w and all(l[w] == " " and l[w + 1] != " " and l[:w].rstrip(" ") == l.split(" ")[0]
                                   for l in lines)
print("ok" if ok else "bad: width %d, header %r" % (w, lines[0]))
PY
)
expect_eq "$got" ok "ls vms pads the VM column to the longest name ($LONG), counted in characters"

# --- the progress counter on a terminal shows from the start of the wait ---
# script(1) gives vtrunk a terminal; the asynchronous test vCenter's tasks are still
# running when the wait starts, so "0/2 done" must show before any ends (it showed only
# once a task ended). Debian's vcsim ends tasks before the call returns: there only the
# closing count can show.
P2=$T_TMP/progress.json
sed 's/Kasm-Trunk-Layout/Kasm-Trunk-Progress/' "$P" >"$P2"
run script -qefc "$VTRUNK apply -f $P2 -o $T_TMP/out2" /dev/null
expect_eq "$RC" 0 "apply on a terminal"
expect_in "$T_OUT" "reconfigure tasks: 2/2 done" "the progress counter ends at 2/2"
if [ "${VCSIM_KIND:-debian}" = async ]; then
	expect_in "$T_OUT" "reconfigure tasks: 0/2 done" "and shows 0/2 while the tasks run"
fi

# --- make check's last command is run.sh counting the fuzz targets too ---
last=$(cd "$root" && make -n check 2>/dev/null | grep -v '^make' | tail -n 1)
expect_eq "$(case "$last" in "tests/run.sh "*"--fuzz "*) echo run.sh-with-fuzz ;; *) echo "$last" ;; esac)" run.sh-with-fuzz \
	"make check ends with tests/run.sh --fuzz (its closing line counts everything)"
t_done
