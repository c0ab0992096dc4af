#!/bin/bash
# test-vcsim.sh — self-test of the vcsim harness (build/vcsim, vcsim.sh, pyread.py).
# Usage: tests/lib/test-vcsim.sh   (from anywhere; builds build/vcsim first)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/vcsim.sh disable=SC1091
. "$here/vcsim.sh"
cd "$VCSIM_ROOT" || exit 1

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check NAME COMMAND... — passes when the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# jq-like assertions with the system python: js 'python expression over j' < json
# (extra arguments are sys.argv[2:])
js() { /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$@"; }
out=$(mktemp -d) || exit 1

if make -s build/vcsim >"$out/make.log" 2>&1; then ok "make build/vcsim"; else
	cat "$out/make.log"
	bad "make build/vcsim"
	echo "$pass passed, $fail failed"
	exit 1
fi

pw="p&<>\"'x"
if ! vcsim_start --vms 6 --delay 5 --password "$pw" --trap; then
	bad "vcsim_start"
	echo "$pass passed, $fail failed"
	exit 1
fi
ok "vcsim_start"
base=${VCSIM_URL%/sdk}
check "vcsim is not a job of this shell (a bare wait returns)" test "$(ps -o ppid= -p "$VCSIM_PID" | tr -d ' ')" != $$
check "URL is https on loopback" test "${VCSIM_URL#https://127.0.0.1:}" != "$VCSIM_URL"
check "pid is vcsim's" test "$(sed -n 's/^VCSIM_PID=//p' "$VCSIM_DIR/stdout")" = "$VCSIM_PID"
check "password file is 0600 and exact" test "$(stat -c %a "$VCSIM_PASSWORD_FILE")" = 600 -a \
	"$(cat "$VCSIM_PASSWORD_FILE")" = "$pw"
check "sdk answers" sh -c "curl -sk --fail '$VCSIM_URL/vimServiceVersions.xml' | grep -q urn:vim25"
served=$(openssl s_client -connect "${base#https://}" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//' | tr 'A-F' 'a-f')
check "VCSIM_SHA256 is the served certificate's" test "$served" = "$VCSIM_SHA256"
check "VCSIM_CERT is the served certificate" test "$(openssl x509 -in "$VCSIM_CERT" -noout \
	-fingerprint -sha1 | sed 's/.*=//' | tr 'A-F' 'a-f')" = "$VCSIM_SHA1"

# Request counting.
vcsim_reset_stats
curl -sk -o /dev/null "$base/about"
curl -sk -o /dev/null "$base/about"
soap='<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>'
start=$(date +%s%N)
check "a SOAP call still works through the counter" sh -c \
	"curl -sk -H 'Content-Type: text/xml' --data-binary '$soap' '$VCSIM_URL' | grep -q '<rootFolder type=\"Folder\">'"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "-delay 5 delays SOAP calls (${elapsed_ms} ms)" test "$elapsed_ms" -ge 5
vcsim_stats >"$out/stats.json"
check "stats count 3 requests" js 'j["requests"] == 3' <"$out/stats.json"
check "stats name the SOAP method" js 'j["methods"] == {"RetrieveServiceContent": 1}' <"$out/stats.json"
check "stats count paths" js 'j["paths"]["GET /about"] == 2 and j["paths"]["POST /sdk"] == 1' <"$out/stats.json"
check "vcsim_count" test "$(vcsim_count RetrieveServiceContent)/$(vcsim_count Nope)/$(vcsim_count)" = "1/0/3"
vcsim_reset_stats
check "reset zeroes the counters" test "$(vcsim_count)" = 0

# pyread.py, logging in with a password full of XML metacharacters.
if vcsim_pyread switches >"$out/switches.json"; then ok "pyread switches"; else bad "pyread switches"; fi
check "one switch DVS0 with DC0_DVPG0" js \
	'len(j) == 1 and j[0]["name"] == "DVS0" and "DC0_DVPG0" in j[0]["portgroups"]' <"$out/switches.json"
check "pyread logged in once" test "$(vcsim_count Login)" = 1
if vcsim_pyread vms >"$out/vms.json"; then ok "pyread vms"; else bad "pyread vms"; fi
check "6 VMs, each one E1000 (key 4000) on DC0_DVPG0" js 'len(j) == 6 and all(
	[(n["type"], n["key"], n["backing"], n["portgroup"]) for n in v["nics"]]
	== [("VirtualE1000", 4000, "dvport", "DC0_DVPG0")] for v in j)' <"$out/vms.json"
check "VM names" js '[v["name"] for v in j] == sorted(["DC0_H0_VM%d" % i for i in range(3)]
	+ ["DC0_C0_RP0_VM%d" % i for i in range(3)])' <"$out/vms.json"
if vcsim_pyread portgroup DC0_DVPG0 >"$out/pg.json"; then ok "pyread portgroup"; else bad "pyread portgroup"; fi
check "DC0_DVPG0: on DVS0, VLAN none" js 'j["exists"] and j["switch"] == "DVS0" and
	j["vlan_type"] == "none" and j["key"].startswith("dvportgroup-")' <"$out/pg.json"
vcsim_pyread portgroup nope >"$out/t.json"
check "missing port group" js 'j == {"exists": False, "name": "nope"}' <"$out/t.json"

# Drift-making commands.
vcsim_pyread set-trunk DC0_DVPG0 "10-20,30" >"$out/t.json"
check "set-trunk" js 'j["vlan_type"] == "trunk" and j["ranges"] == [[10, 20], [30, 30]]' <"$out/t.json"
vcsim_pyread portgroup DC0_DVPG0 >"$out/t2.json"
check "set-trunk kept the other settings" js 'all(j[k] == p[k] for p in [json.load(open(sys.argv[2]))]
	for k in ("name", "key", "binding", "num_ports", "switch"))' "$out/pg.json" <"$out/t2.json"
vcsim_pyread set-vlan DC0_DVPG0 42 >"$out/t.json"
check "set-vlan" js 'j["vlan_type"] == "vlan" and j["vlan_id"] == 42' <"$out/t.json"
vcsim_pyread add-portgroup DVS0 Access --vlan 7 >"$out/t.json"
check "add-portgroup --vlan" js 'j["vlan_type"] == "vlan" and j["vlan_id"] == 7 and j["num_ports"] == 8' <"$out/t.json"
vcsim_pyread add-switch DC0 DVS1 >"$out/t.json"
check "add-switch" js 'j["name"] == "DVS1"' <"$out/t.json"
vcsim_pyread add-portgroup DVS1 Other --trunk 1-5 >"$out/t.json"
check "add-portgroup on the second switch" js 'j["switch"] == "DVS1" and j["ranges"] == [[1, 5]]' <"$out/t.json"
vcsim_pyread add-portgroup DVS1 Access 2>"$out/err"
check "a duplicate name fails with DuplicateName" grep -q DuplicateName "$out/err"
vcsim_pyread remove-nic DC0_H0_VM0 4000 >/dev/null
vcsim_pyread vms >"$out/t.json"
check "remove-nic" js '[len(v["nics"]) for v in j if v["name"] == "DC0_H0_VM0"] == [0]' <"$out/t.json"
vcsim_pyread remove-nic DC0_H0_VM0 4000 2>/dev/null
check "remove-nic of a missing device fails" test $? = 1

# Refused logins.
VCSIM_PASSWORD=wrong vcsim_pyread vms >/dev/null 2>"$out/err"
rc=$?
check "wrong password: exit 3, InvalidLogin" test "$rc" = 3 -a "$(grep -c InvalidLogin "$out/err")" = 1
VCSIM_USER=root vcsim_pyread vms >/dev/null 2>&1
check "wrong user refused" test $? = 3
VCSIM_PASSWORD="$pw " vcsim_pyread vms >/dev/null 2>&1
check "password plus a space refused" test $? = 3

# Stop: process gone, temp dirs gone, twice is fine.
dsdir=$(/usr/bin/python3 -c '
import os, ssl
from urllib.parse import urlsplit
from pyVim.connect import SmartConnect
from pyVmomi import vim
u = urlsplit(os.environ["VCSIM_URL"])
si = SmartConnect(host=u.hostname, port=u.port, user=os.environ["VCSIM_USER"],
                  pwd=os.environ["VCSIM_PASSWORD"], sslContext=ssl._create_unverified_context())
c = si.RetrieveContent()
v = c.viewManager.CreateContainerView(c.rootFolder, [vim.Datastore], True)
print(v.view[0].info.url)')
check "datastore under /dev/shm ($dsdir)" test -d "$dsdir" -a "${dsdir#/dev/shm/}" != "$dsdir"
pid=$VCSIM_PID dir=$VCSIM_DIR
vcsim_stop
check "vcsim_stop ends vcsim" test "$(_vcsim_alive "$pid" && echo alive)" != alive
check "vcsim_stop removes its dir" test ! -e "$dir"
check "vcsim_stop twice" vcsim_stop
check "vcsim removed its datastore dir" test -n "$dsdir" -a ! -e "$dsdir"
if vcsim_start --vms 3 >"$out/t.log" 2>&1; then
	bad "odd --vms refused"
	vcsim_stop
else
	check "odd --vms refused, with a reason" grep -q "must be even" "$out/t.log"
fi

rm -rf "$out"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
