#!/usr/bin/env bash
# vtrunk-apply.sh --from-guestinfo --wait SECONDS (issue 16): Kasm's startup script for an
# autoscaled clone runs before `vtrunk watch` has written the clone's guestinfo, so it waits
# for it. No vCenter needed: vmware-rpctool is a stand-in serving a JSON file that this test
# fills in while the script waits.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
vt render -f "$here/../../fixtures/plans/autoscale.json" -o "$T_TMP/out" >/dev/null || { not_ok "render"; t_done; exit; }
S=$T_TMP/out/DC0_H0_VM0/vtrunk-apply.sh
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/vmware-rpctool" <<'SH'
#!/bin/sh
case $1 in
"info-get "*) exec /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = sys.argv[2]
if k not in d:
    sys.exit("No value found")
print(d[k])' "$GI_JSON" "${1#info-get }" ;;
*) echo "Unknown command" >&2; exit 1 ;;
esac
SH
chmod +x "$T_TMP/bin/vmware-rpctool"
GI=$T_TMP/gi.json
echo '{}' >"$GI"
/usr/bin/python3 - "$T_TMP/out/DC0_H0_VM0" >"$T_TMP/full.json" <<'PY'
import base64, json, sys
d = sys.argv[1]
b = lambda p: base64.b64encode(open(d + p, "rb").read()).decode()
print(json.dumps({"guestinfo.vtrunk.netplan": b("/etc/netplan/60-vtrunk.yaml"), "guestinfo.vtrunk.netplan.encoding": "base64",
                  "guestinfo.vtrunk.docker": b("/docker-networks.sh"), "guestinfo.vtrunk.docker.encoding": "base64"}))
PY
gia() { env PATH="$T_TMP/bin:$PATH" GI_JSON="$GI" bash "$S" "$@"; }

expect_rc 2 "--wait without --from-guestinfo is a usage error" gia --wait 5 --root "$T_TMP/r0"
expect_rc 2 "--wait takes whole seconds" gia --from-guestinfo --wait 5s --root "$T_TMP/r0"
expect_rc 1 "no guestinfo within --wait 1: exit 1" gia --from-guestinfo --wait 1 --root "$T_TMP/r0"
expect_in "$T_ERR" "no guestinfo after 1 s" "saying it waited"
# The guestinfo appears two seconds after the script started.
( sleep 2; cp "$T_TMP/full.json" "$GI" ) &
expect_rc 0 "--from-guestinfo --wait 30 waits for the guestinfo, then installs" gia --from-guestinfo --wait 30 --root "$T_TMP/r1"
wait
expect_in "$T_OUT" "waiting up to 30 s" "saying it waits"
if cmp -s "$T_TMP/r1/etc/netplan/60-vtrunk.yaml" "$T_TMP/out/DC0_H0_VM0/etc/netplan/60-vtrunk.yaml"; then
	ok "the installed netplan file is the one from guestinfo"
else
	not_ok "the installed netplan file is the one from guestinfo"
fi
t_done
