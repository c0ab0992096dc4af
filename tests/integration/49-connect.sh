#!/usr/bin/env bash
# Connecting as a govc user would (issue 14): GOVC_TLS_CA_CERTS and GOVC_TLS_KNOWN_HOSTS as
# ':'-separated lists, a URL path other than /sdk refused, GOVC_DATACENTER for a plan without
# "datacenter"; and the TLS messages: a missing or unparsable CA file refused before anything
# is sent, an expired pinned certificate accepted with a warning naming its end date,
# --insecure with --thumbprint saying what is checked, VTRUNK_INSECURE with a value that is
# no yes or no refused, a wrong SHA-1 pin answered with the server's SHA-1, a plain-HTTP port
# named as such, and `thumbprint` showing the certificate's subject, issuer and dates.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --gen-cert --trap || exit 1
unset VTRUNK_URL VTRUNK_USERNAME VTRUNK_PASSWORD VTRUNK_THUMBPRINT VTRUNK_INSECURE VTRUNK_CA_FILE
unset GOVC_URL GOVC_USERNAME GOVC_PASSWORD GOVC_INSECURE GOVC_TLS_CA_CERTS GOVC_TLS_KNOWN_HOSTS GOVC_DATACENTER
export VTRUNK_USERNAME=$VCSIM_USER VTRUNK_PASSWORD=$VCSIM_PASSWORD
HOSTPORT=${VCSIM_URL#https://}
HOSTPORT=${HOSTPORT%/sdk}
HOST=${HOSTPORT%:*}
P=$T_TMP/plan.json
cat >"$P" <<'J'
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"}}
J
# Another certificate, that signs nothing the test vCenter presents.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=other \
	-keyout "$T_TMP/other.key" -out "$T_TMP/other.pem" 2>/dev/null

# --- govc's settings ---
export VTRUNK_URL=$VCSIM_URL
expect_rc 0 "GOVC_TLS_CA_CERTS as a list: the test vCenter's certificate second verifies it" \
	env GOVC_TLS_CA_CERTS="$T_TMP/other.pem:$VCSIM_CERT" "$VTRUNK" ls switches
expect_rc 3 "GOVC_TLS_CA_CERTS without the test vCenter's certificate: refused (exit 3)" \
	env GOVC_TLS_CA_CERTS="$T_TMP/other.pem" "$VTRUNK" ls switches
printf '%s %s\n' "other.example:443" "$VCSIM_SHA1" >"$T_TMP/kh1"
printf '%s %s\n' "$HOSTPORT" "$VCSIM_SHA1" >"$T_TMP/kh2"
expect_rc 0 "GOVC_TLS_KNOWN_HOSTS as a list: the host is found in the second file" \
	env GOVC_TLS_KNOWN_HOSTS="$T_TMP/kh1:$T_TMP/missing:$T_TMP/kh2" "$VTRUNK" ls switches
expect_rc 3 "GOVC_TLS_KNOWN_HOSTS without the host: not pinned, refused" \
	env GOVC_TLS_KNOWN_HOSTS="$T_TMP/kh1" "$VTRUNK" ls switches
export VTRUNK_THUMBPRINT=$VCSIM_SHA256
expect_rc 2 "a URL path other than /sdk: refused (exit 2)" vt ls switches --url "https://$HOSTPORT/ui"
expect_in "$T_ERR" "has the path \"/ui\"" "naming the path"
expect_rc 0 "https://host:port/sdk/ is accepted" vt ls switches --url "https://$HOSTPORT/sdk/"
expect_rc 4 "GOVC_DATACENTER=/DC0 for a plan without datacenter: the plan runs" \
	env GOVC_DATACENTER=/DC0 "$VTRUNK" plan -f "$P"
expect_rc 1 "GOVC_DATACENTER naming no datacenter: refused" env GOVC_DATACENTER=DC9 "$VTRUNK" plan -f "$P"
expect_in "$T_ERR" "GOVC_DATACENTER (the plan names no datacenter): \"DC9\" not found" "naming the variable"
printf '{"datacenter": "DC0", "switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"}}\n' >"$T_TMP/dc.json"
expect_rc 4 "the plan's datacenter wins over GOVC_DATACENTER" env GOVC_DATACENTER=DC9 "$VTRUNK" plan -f "$T_TMP/dc.json"
unset VTRUNK_THUMBPRINT

# --- TLS and connection messages ---
vcsim_reset_stats
expect_rc 2 "--ca-file naming a missing file: refused (exit 2)" vt ls switches --ca-file "$T_TMP/missing.pem"
expect_in "$T_ERR" "--ca-file: cannot read the CA file $T_TMP/missing.pem: No such file" "saying so, before curl's words"
expect_rc 2 "--ca-file naming a file without a certificate: refused (exit 2)" vt ls switches --ca-file "$P"
expect_in "$T_ERR" "--ca-file: $P holds no PEM certificate" "saying so"
expect_rc 2 "GOVC_TLS_CA_CERTS with a missing file in its list: refused" \
	env GOVC_TLS_CA_CERTS="$VCSIM_CERT:$T_TMP/missing.pem" "$VTRUNK" ls switches
expect_in "$T_ERR" "GOVC_TLS_CA_CERTS: cannot read the CA file $T_TMP/missing.pem" "naming the variable and the file"
expect_eq "$(vcsim_count)" 0 "nothing reached the test vCenter for those"

expect_rc 2 "VTRUNK_INSECURE=banana: refused (exit 2), not ignored" env VTRUNK_INSECURE=banana "$VTRUNK" ls switches
expect_in "$T_ERR" "VTRUNK_INSECURE=banana: not a yes or no" "naming the variable and its value"
expect_rc 2 "GOVC_INSECURE=maybe: refused too" env GOVC_INSECURE=maybe "$VTRUNK" ls switches
expect_rc 3 "VTRUNK_INSECURE=no wins over GOVC_INSECURE=1: verification stays on" \
	env VTRUNK_INSECURE=no GOVC_INSECURE=1 "$VTRUNK" ls switches
expect_rc 0 "VTRUNK_INSECURE=TRUE turns verification off" env VTRUNK_INSECURE=TRUE "$VTRUNK" ls switches
expect_in "$T_ERR" "TLS verification is OFF" "with the loud warning"

expect_rc 0 "--insecure --thumbprint with the right pin" vt ls switches --insecure --thumbprint "$VCSIM_SHA256"
expect_not_in "$T_ERR" "verification is OFF" "does not claim verification is off"
expect_in "$T_ERR" "the certificate must match the pin" "says what is checked"
expect_rc 3 "--insecure --thumbprint with a wrong pin: still refused" \
	vt ls switches --insecure --thumbprint "$(openssl x509 -in "$T_TMP/other.pem" -noout -fingerprint -sha256 | cut -d= -f2)"
OTHER_SHA1=$(openssl x509 -in "$T_TMP/other.pem" -noout -fingerprint -sha1 | cut -d= -f2)
expect_rc 3 "a wrong SHA-1 pin: refused (exit 3)" vt ls switches --thumbprint "$OTHER_SHA1"
expect_in "$T_ERR" "(SHA-1 $VCSIM_SHA1)" "answered with the server's SHA-1"
expect_in "$T_ERR" "SHA-256 $VCSIM_SHA256" "and its SHA-256"

# A plain-HTTP server on loopback where vCenter's HTTPS was expected.
HTTP_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$T_TMP/www"
(cd "$T_TMP/www" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$HTTP_PORT" >/dev/null 2>&1) &
HTTP_PID=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$HTTP_PORT/" >/dev/null && break; sleep 0.1; done
expect_rc 3 "a plain-HTTP port: exit 3" vt ls switches --url "127.0.0.1:$HTTP_PORT" --thumbprint "$VCSIM_SHA256"
expect_in "$T_ERR" "answered without TLS, most likely in plain HTTP" "saying the server answered plain HTTP"
expect_not_in "$T_ERR" "wrong version number" "not in OpenSSL's words"
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null

iso() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ; }
SUBJECT=$(openssl x509 -in "$VCSIM_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
expect_rc 0 "thumbprint" vt thumbprint
expect_in "$T_OUT" "Subject $SUBJECT" "shows the certificate's subject ($SUBJECT)"
expect_in "$T_OUT" "Issuer  $SUBJECT" "and its issuer (self-signed: the same)"
expect_in "$T_OUT" "Valid   $(iso "$VCSIM_CERT" startdate) to $(iso "$VCSIM_CERT" enddate)" "and its validity dates"
expect_rc 0 "thumbprint --json" vt thumbprint --json
expect_eq "$(json "$T_OUT" 'd["subject"], d["issuer"] == d["subject"], d["not_after"], d["expired"], d["sha1"]')" \
	"('$SUBJECT', True, '$(iso "$VCSIM_CERT" enddate)', False, '$VCSIM_SHA1')" "with subject, issuer, dates and expired"

# An expired certificate: pinned, it is still the one, with a warning naming its end.
mkdir "$T_TMP/ca" && cd "$T_TMP/ca" || exit 1
touch index.txt && echo 01 >serial
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\norganizationName = optional\n' >ca.cnf
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=vtrunk \"old\" test/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout e.key -out e.csr 2>/dev/null
openssl ca -batch -config ca.cnf -selfsign -keyfile e.key -in e.csr -startdate 20200101000000Z \
	-enddate 20200201000000Z -out e.pem -notext >/dev/null 2>&1
cd "$T_TMP" || exit 1
vcsim_stop
vcsim_start --vms 2 --tls-cert "$T_TMP/ca/e.pem" --tls-key "$T_TMP/ca/e.key" --trap || exit 1
export VTRUNK_URL=$VCSIM_URL VTRUNK_PASSWORD=$VCSIM_PASSWORD
HOSTPORT=${VCSIM_URL#https://}
HOSTPORT=${HOSTPORT%/sdk}
E_SUBJECT=$(openssl x509 -in "$T_TMP/ca/e.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
E256=$(openssl x509 -in "$T_TMP/ca/e.pem" -noout -fingerprint -sha256 | cut -d= -f2)
expect_rc 0 "an expired certificate, pinned: accepted" vt ls switches --thumbprint "$E256"
expect_in "$T_ERR" "the pinned certificate of https://$HOSTPORT expired on 2020-02-01T00:00:00Z" "with a warning naming its end date"
expect_rc 0 "and quiet with -q" vt ls switches --thumbprint "$E256" -q
expect_not_in "$T_ERR" "expired" "(-q)"
expect_rc 3 "an expired certificate, verified against itself as CA: refused" vt ls switches --ca-file "$T_TMP/ca/e.pem"
expect_rc 0 "thumbprint of the expired certificate" vt thumbprint
expect_in "$T_OUT" "Valid   2020-01-01T00:00:00Z to 2020-02-01T00:00:00Z (expired)" "says it expired"
expect_in "$T_OUT" "Subject $E_SUBJECT" "the subject as RFC 2253 writes it ($E_SUBJECT)"
expect_rc 0 "thumbprint --json of the expired certificate" vt thumbprint --json
expect_eq "$(json "$T_OUT" 'd["expired"]')" True "expired: true"
expect_eq "$(json "$T_OUT" 'd["subject"]')" "$E_SUBJECT" "the subject, escaped as JSON"

t_done
