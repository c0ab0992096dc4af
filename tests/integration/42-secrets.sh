#!/usr/bin/env bash
# Secrets at the edges (issue 15): the --debug file (no symbolic link followed, nothing but a
# regular file of the user's, made 0600 before it is written, a refused file left as it was);
# a password inside --url, VTRUNK_URL or GOVC_URL never printed (refused port, TLS failure,
# wrong login, success, with --json and --debug); the session key of a Login answer masked
# in the trace when it differs from the cookie (the asynchronous test vCenter only: its
# realism layer gives opaque cookies, as a real vCenter does); a session refused again after
# a new login exits 3 even once changes were made (through tests/proxy).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/proxy.sh"
# The password as vcsim knows it, and as a URL carries it (percent-encoded). "S3cr3t" is in
# both: no output may contain it.
PW='S3cr3t-pw!' PW_URL='S3cr3t-pw%21' SECRET=S3cr3t
vcsim_start --vms 4 --password "$PW" --trap || exit 1
HOSTPORT=${VCSIM_URL#https://}
HOSTPORT=${HOSTPORT%/sdk}
USER_URL=${VCSIM_USER/@/%40} # admin%40vsphere.local
D=$T_TMP/debug.log

# no_secret DESC FILE...: none of the files holds the secret.
no_secret() {
	local desc=$1 hits
	shift
	hits=$(cat "$@" 2>/dev/null | grep -c -- "$SECRET")
	if [ "$hits" = 0 ]; then ok "$desc"; else not_ok "$desc ($hits lines with the password in $*)"; fi
}
mode() { stat -c %a "$1"; }

# --- the --debug file ---
vcsim_env
export VTRUNK_PASSWORD=$PW
mkdir "$T_TMP/dbg" && cd "$T_TMP/dbg" || exit 1
printf 'precious\n' >target
chmod 644 target
ln -s target link
expect_rc 2 "--debug on a symbolic link: refused (exit 2)" vt ls --debug link
expect_in "$T_ERR" "is a symbolic link" "saying why"
expect_eq "$(cat target):$(mode target)" "precious:644" "the link's target is untouched (content and mode)"

printf 'old trace\n' >open.log
chmod 644 open.log
expect_rc 0 "--debug on an existing 0644 file" vt ls --debug open.log
expect_eq "$(mode open.log)" 600 "the file is now 0600"
expect_not_in open.log "old trace" "and was emptied before the trace went in"
expect_in open.log "> POST https://" "and holds the trace"
(umask 022 && vt ls --debug new.log >/dev/null 2>&1)
expect_eq "$(mode new.log)" 600 "a new file is 0600 under umask 022"

mkfifo fifo
run timeout 20 ${VTRUNK_WRAP:-} "$VTRUNK" ls --debug fifo
expect_eq "$RC" 2 "--debug on a FIFO without a reader: refused at once (exit 2, not blocked)"
expect_in "$T_ERR" "is a FIFO, not a regular file" "saying why"
timeout 20 cat fifo >fifo.out &
reader=$!
run timeout 20 ${VTRUNK_WRAP:-} "$VTRUNK" ls --debug fifo
expect_eq "$RC" 2 "--debug on a FIFO with a reader: refused too"
wait "$reader"
expect_eq "$(wc -c <fifo.out)" 0 "and nothing was written into it"
mkdir dir
expect_rc 2 "--debug on a directory: refused" vt ls --debug dir
printf 'other\n' >linked
ln linked hardlink
expect_rc 2 "--debug on a file with a second hard link: refused" vt ls --debug hardlink
expect_eq "$(cat linked)" other "and not emptied"
if [ "$(id -u)" = 0 ]; then
	printf 'theirs\n' >theirs
	chown 65534 theirs
	expect_rc 2 "--debug on another user's file: refused" vt ls --debug theirs
	expect_in "$T_ERR" "belongs to another user" "saying why"
	expect_eq "$(cat theirs)" theirs "and not emptied"
fi
expect_rc 0 "--debug /dev/null: a character device is written to as it is" vt ls --debug /dev/null
expect_rc 0 "--debug /dev/stderr: vtrunk's own stderr" vt ls --debug /dev/stderr
expect_in "$T_ERR" "> POST https://" "the trace is on stderr"
cd "$here" || exit 1

# --- a password inside the URL ---
unset VTRUNK_URL VTRUNK_USERNAME VTRUNK_THUMBPRINT GOVC_URL GOVC_USERNAME GOVC_PASSWORD
# The user name as vCenter users write it (with its "@") and the password after it: the
# user-info ends at the last "@". VTRUNK_PASSWORD (which wins over the URL's) stays set, so
# that each run gets as far as it can; the runs that log in with the URL's password empty it.
export VTRUNK_PASSWORD=$PW
RAW="$VCSIM_USER:$PW_URL"
expect_rc 3 "refused port, password in --url: exit 3" \
	vt ls --json --debug "$D" --url "https://$RAW@127.0.0.1:1/sdk" --thumbprint "$VCSIM_SHA256"
expect_in "$T_ERR" "cannot talk to https://127.0.0.1:1" "the message names the host alone"
no_secret "and nothing shows the password (stderr, stdout, trace)" "$T_ERR" "$T_OUT" "$D"

VTRUNK_URL="https://$RAW@$HOSTPORT/sdk" expect_rc 3 "TLS verification failure, password in VTRUNK_URL: exit 3" \
	vt ls --json --debug "$D"
expect_in "$T_ERR" "could not be verified" "the TLS failure is reported"
no_secret "and nothing shows the password" "$T_ERR" "$T_OUT" "$D"

VTRUNK_PASSWORD='' GOVC_URL="https://$VCSIM_USER:$SECRET-wrong@$HOSTPORT/sdk" expect_rc 3 "wrong password in GOVC_URL: exit 3" \
	vt ls --json --debug "$D" --thumbprint "$VCSIM_SHA256"
expect_in "$T_ERR" "refused by https://$HOSTPORT (InvalidLogin)" "login refused, naming the host alone"
expect_in "$D" "> POST https://$HOSTPORT/sdk" "the trace names the host alone"
no_secret "and nothing shows the password" "$T_ERR" "$T_OUT" "$D"

VTRUNK_PASSWORD='' expect_rc 0 "the password from the URL (user and password percent-encoded) logs in" \
	vt ls vms --json --debug "$D" -v --url "https://$USER_URL:$PW_URL@$HOSTPORT/sdk" --thumbprint "$VCSIM_SHA256"
expect_eq "$(json "$T_OUT" 'len(d["vms"])')" 4 "and lists the VMs"
expect_in "$D" "LoginResponse" "the trace holds the login"
no_secret "nothing shows the password (--json, -v, the trace)" "$T_ERR" "$T_OUT" "$D"
VTRUNK_PASSWORD='' GOVC_URL="$VCSIM_USER:$PW@$HOSTPORT" expect_rc 0 "GOVC_URL with the password unencoded after an unencoded user name logs in" \
	vt ls --debug "$D" -v --thumbprint "$VCSIM_SHA256"
no_secret "and nothing shows the password" "$T_ERR" "$T_OUT" "$D"
expect_rc 0 "VTRUNK_PASSWORD wins over a password in the URL" \
	vt ls --json --debug "$D" --url "https://$VCSIM_USER:$SECRET-unused@$HOSTPORT" --thumbprint "$VCSIM_SHA256"
no_secret "and the URL's password shows nowhere" "$T_ERR" "$T_OUT" "$D"
expect_rc 0 "thumbprint --json with a password in the URL" \
	vt thumbprint --json --url "https://$RAW@$HOSTPORT/sdk"
expect_eq "$(json "$T_OUT" 'd["url"]')" "https://$HOSTPORT" "its url is the host alone"
no_secret "and nothing shows the password" "$T_ERR" "$T_OUT"

expect_rc 2 "plain http with a password: exit 2" vt ls --url "http://$RAW@$HOSTPORT/sdk"
expect_in "$T_ERR" "\"http://$HOSTPORT/sdk\" is plain http" "the URL is shown without its user-info"
no_secret "and without the password" "$T_ERR" "$T_OUT"
VTRUNK_USERNAME=$VCSIM_USER expect_rc 2 "a password without its \"@\" (it would read as a port): exit 2" vt ls --url "admin:$PW_URL/x"
expect_in "$T_ERR" "of host \"admin\" has a port that is not a number" "naming the host alone"
no_secret "and not the password" "$T_ERR" "$T_OUT"

# --- the session key (the asynchronous test vCenter: its cookie is not the key) ---
if vcsim_async; then
	n0=$(grep -c '^VCSIM_SESSION ' "$VCSIM_DIR/stdout")
	VTRUNK_URL="$VCSIM_URL" VTRUNK_USERNAME="$VCSIM_USER" VTRUNK_PASSWORD="$PW" VTRUNK_THUMBPRINT="$VCSIM_SHA256" \
		expect_rc 0 "ls --debug on a vCenter whose session key differs from the cookie" vt ls --debug "$D"
	line=$(grep '^VCSIM_SESSION ' "$VCSIM_DIR/stdout" | sed -n "$((n0 + 1))p")
	key=$(sed -n 's/.* key=\([^ ]*\) .*/\1/p' <<<"$line") cookie=${line##* cookie=}
	if [ -n "$key" ] && [ -n "$cookie" ] && [ "$key" != "$cookie" ]; then
		ok "vCenter gave vtrunk's session a key and a different cookie"
	else
		not_ok "vCenter gave vtrunk's session a key and a different cookie (\"$line\")"
	fi
	expect_in "$D" "<LoginResponse" "the trace holds the Login answer"
	expect_in "$D" "<key>(redacted)</key>" "with its key masked"
	expect_not_in "$D" "$key" "the session key appears nowhere in the trace"
	expect_not_in "$D" "$cookie" "nor the cookie"
	# The layer itself, read by pyvmomi: currentSession.key is the key printed, the cookie
	# is another value, and the key sent as the cookie does not authenticate.
	out=$(/usr/bin/python3 - <<'PY'
import os, ssl
from urllib.parse import urlsplit
from pyVim.connect import SmartConnect
u = urlsplit(os.environ["VCSIM_URL"])
si = SmartConnect(host=u.hostname, port=u.port, user=os.environ["VCSIM_USER"], pwd=os.environ["VCSIM_PASSWORD"],
                  sslContext=ssl._create_unverified_context())
print(si.RetrieveContent().sessionManager.currentSession.key, si._stub.cookie.split('"')[1])
PY
	)
	read -r pykey pycookie <<<"$out"
	expect_eq "$(grep -c "^VCSIM_SESSION key=$pykey cookie=$pycookie\$" "$VCSIM_DIR/stdout")" 1 \
		"pyvmomi reads its session's key as currentSession.key, and its cookie is the other value"
	soap='<?xml version="1.0"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime></Body></Envelope>'
	as_cookie() { curl -sk -H "Cookie: vmware_soap_session=\"$1\"" -H 'Content-Type: text/xml' -d "$soap" "$VCSIM_URL"; }
	as_cookie "$pycookie" >"$T_OUT"
	expect_in "$T_OUT" "CurrentTimeResponse" "the cookie authenticates a call"
	as_cookie "$pykey" >"$T_OUT"
	expect_in "$T_OUT" "NotAuthenticated" "the session key sent as the cookie does not"
fi

# --- a session refused again right after a new login: exit 3, after changes too ---
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
export VTRUNK_URL=$PROXY_URL VTRUNK_USERNAME=$VCSIM_USER VTRUNK_PASSWORD=$PW VTRUNK_THUMBPRINT=$PROXY_SHA256
P=$T_TMP/plan.json
cat >"$P" <<'J'
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "VM Network"},
 "agents": [{"vm": "DC0_H0_VM0", "mgmt_address": "10.0.0.5"}, {"vm": "DC0_C0_RP0_VM0", "mgmt_address": "10.0.0.6"}]}
J
fresh() {
	VTRUNK_URL=$VCSIM_URL VTRUNK_THUMBPRINT=$VCSIM_SHA256 vt destroy -f "$P" -q >/dev/null 2>&1
	proxy_reset
}
# RetrievePropertiesEx 1 and 2 are the first read (every VM's cheap properties, the agents'
# devices): 3+ refuses the reads after the port group is made.
for rule in 'ReconfigVM_Task:1+:notauth' 'RetrievePropertiesEx:3+:notauth'; do
	fresh
	proxy_rule "$rule"
	expect_rc 3 "$rule: apply exits 3 although the port group was made" vt apply -f "$P" -o "$T_TMP/out" --json
	expect_eq "$(vcsim_pyread portgroup Kasm-Trunk | jsons "$(cat)" 'd["exists"]')" True "(pyvmomi reads the port group)"
	expect_in "$T_OUT" "refused the session again right after a new login" "the report says the session was refused after a new login"
	expect_eq "$(json "$T_OUT" 'd["errors"] > 0')" True "and counts the errors"
	expect_eq "$(proxy_count Logout)" 1 "and vtrunk logged out"
done
fresh
proxy_rule 'Destroy_Task:1+:notauth'
VTRUNK_URL=$VCSIM_URL VTRUNK_THUMBPRINT=$VCSIM_SHA256 vt apply -f "$P" -o "$T_TMP/out" -q >/dev/null 2>&1
expect_rc 3 "Destroy_Task:1+:notauth: destroy exits 3 after removing the NICs" vt destroy -f "$P"
expect_in "$T_ERR" "refused the session again right after a new login" "saying so"
expect_eq "$(proxy_count ReconfigVM_Task)" 2 "(the two NIC removals went out first)"

t_done
