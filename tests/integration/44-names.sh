#!/usr/bin/env bash
# Hostile names (issue 15): vCenter lets an admin name a VM or port group with a newline,
# a C1 control (U+009B is a one-byte CSI to a terminal), a bidi override or U+2028.
# `ls` must print them escaped (one row each, nothing a terminal acts on), `--json` must
# carry them faithfully (escaped as \u, so the same document to a JSON reader), and a plan
# that holds such characters is refused with the field named, before anything is sent.
# The names are set through pyvmomi (pyread.py rename), vtrunk's output read back by
# Python.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 4 --trap || exit 1
vcsim_env

NL_NAME=$'evil\nDC0_H0_VM9       DC0          poweredOn'
CSI_NAME=$'csi\xc2\x9b2J\xe2\x80\xaetxt.exe'
LS_NAME=$'ls\xe2\x80\xa8  - 6.6.6.6/8'
PG_NAME=$'pg\xc2\x85x'
vcsim_pyread rename vm DC0_H0_VM0 "$NL_NAME" >/dev/null &&
	vcsim_pyread rename vm DC0_H0_VM1 "$CSI_NAME" >/dev/null &&
	vcsim_pyread rename vm DC0_C0_RP0_VM0 "$LS_NAME" >/dev/null &&
	vcsim_pyread add-portgroup DVS0 "$PG_NAME" >/dev/null
expect_eq "$?" 0 "pyvmomi renames three VMs and adds a port group with hostile names"

# Raw bytes no terminal line may hold: C0 but tab and newline, C1 (as UTF-8), U+2028/2029, bidi.
raw_check() { # raw_check FILE DESC
	if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]' "$1"; then
		not_ok "$2 (a raw control, line separator or bidi byte in it)"
	else
		ok "$2"
	fi
}

expect_rc 0 "ls vms" vt ls vms
raw_check "$T_OUT" "ls vms prints no raw control, line separator or bidi character"
n_vms=$(vcsim_pyread vms | jsons "$(cat)" 'len(d)')
expect_eq "$(wc -l <"$T_OUT")" "$((n_vms + 1))" "ls vms prints one line a VM and the header: the newline forges no row"
expect_eq "$(grep -c '^DC0_H0_VM9 ' "$T_OUT")" 0 "no row starts with the forged name"
expect_in "$T_OUT" 'evil\u{000a}DC0_H0_VM9' "the newline shows as \\u{000a}"
expect_in "$T_OUT" 'csi\u{009b}2J\u{202e}txt.exe' "the CSI and the bidi override show escaped"
expect_in "$T_OUT" 'ls\u{2028}  - 6.6.6.6/8' "U+2028 shows escaped"

expect_rc 0 "ls portgroups" vt ls portgroups
raw_check "$T_OUT" "ls portgroups prints no raw control character"
expect_in "$T_OUT" 'pg\u{0085}x' "the port group's NEL shows escaped"

expect_rc 0 "ls vms --json" vt ls vms --json
raw_check "$T_OUT" "ls --json prints no raw control, line separator or bidi character"
got=$(/usr/bin/python3 - "$T_OUT" "$NL_NAME" "$CSI_NAME" "$LS_NAME" <<'PY'
import json, sys
names = {v["name"] for v in json.load(open(sys.argv[1]))["vms"]}
print(all(n in names for n in sys.argv[2:]))
PY
)
expect_eq "$got" True "ls --json carries the three names exactly (a JSON reader gets the same text)"

# A plan that names such a VM is refused before any request, the field named.
P=$T_TMP/plan.json
/usr/bin/python3 - "$P" "$LS_NAME" <<'PY'
import json, sys
json.dump({"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
           "management": {"network": "VM Network"},
           "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
           "agents": [{"vm": sys.argv[2], "mgmt_address": "10.0.0.5"}]}, open(sys.argv[1], "w"))
PY
vcsim_reset_stats
expect_rc 2 "apply refuses a plan whose VM name holds U+2028" vt apply -f "$P" -o "$T_TMP/out"
expect_in "$T_ERR" "agents[0].vm: contains a Unicode line separator, a line break in YAML (U+2028 at byte 2)" \
	"naming the field, the code point and why"
raw_check "$T_ERR" "and the message holds no raw U+2028"
expect_eq "$(vcsim_count)" 0 "nothing was sent to vCenter"
expect_eq "$([ -e "$T_TMP/out" ] && echo yes || echo no)" no "no guest files were written"
# The same with the escape written out, and with a NUL escape that would cut the name.
printf '%s' '{"switch": "DVS0", "trunk": {"portgroup": "Kasm\u202eTrunk", "vlans": "100-200"}}' >"$P"
expect_rc 2 "a bidi override in the port group name is refused" vt plan -f "$P"
expect_in "$T_ERR" "trunk.portgroup: contains a bidirectional formatting character" "naming the field"
printf '%s' '{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk\u0000-old", "vlans": "100-200"}}' >"$P"
expect_rc 2 "a \\u0000 in the port group name is refused" vt plan -f "$P" --json
expect_in "$T_ERR" "trunk.portgroup: contains \\u0000 (a NUL character), which would cut the text short" \
	"naming the field instead of taking \"Kasm-Trunk\""

t_done
