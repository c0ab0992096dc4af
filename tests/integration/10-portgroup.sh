#!/usr/bin/env bash
# The trunk port group end to end against vcsim (issue 2): TLS refusal and pinning,
# login refusal, plan/apply/status, idempotence, updates, drift, special characters,
# name conflicts, unknown switch/datacenter, destroy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"

# A password and a port group name with every XML-special character.
PW='p&ss<w>rd"'"'"'!'
vcsim_start --vms 4 --password "$PW" --trap || exit 1
export VTRUNK_URL=$VCSIM_URL VTRUNK_USERNAME=$VCSIM_USER
unset VTRUNK_PASSWORD VTRUNK_THUMBPRINT VTRUNK_INSECURE GOVC_URL GOVC_INSECURE
PWF=$VCSIM_PASSWORD_FILE
PIN=(--thumbprint "$VCSIM_SHA256" --password-file "$PWF")
P=$T_TMP/plan.json
cat >"$P" <<'J'
{"datacenter": "DC0", "switch": "DVS0",
 "trunk": {"portgroup": "Kasm & <Trunk> \"q\" 'a'", "vlans": "100-200,300", "binding": "static", "ports": 16}}
J
PGNAME="Kasm & <Trunk> \"q\" 'a'"

# --- TLS ---
expect_rc 3 "unpinned run against a self-signed certificate exits 3" vt plan -f "$P" --password-file "$PWF"
expect_in "$T_ERR" "$VCSIM_SHA256" "the refusal prints the server's SHA-256 fingerprint"
expect_in "$T_ERR" "--thumbprint" "the refusal names the flag that pins it"
expect_rc 0 "thumbprint prints the fingerprints" vt thumbprint
expect_in "$T_OUT" "$VCSIM_SHA256" "thumbprint's SHA-256 matches the server's"
expect_in "$T_OUT" "$VCSIM_SHA1" "thumbprint's SHA-1 matches the server's"
expect_rc 3 "a wrong pin exits 3" vt plan -f "$P" --password-file "$PWF" \
	--thumbprint "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"
expect_in "$T_ERR" "does not match the pinned thumbprint" "a wrong pin says so"
expect_rc 4 "pinning by SHA-1 without colons works" vt plan -f "$P" --password-file "$PWF" --thumbprint "$(echo "$VCSIM_SHA1" | tr -d :)"
expect_rc 4 "--insecure works, with a warning" vt plan -f "$P" --password-file "$PWF" --insecure
expect_in "$T_ERR" "WARNING: TLS verification is OFF" "--insecure warns loudly"
expect_rc 2 "a malformed thumbprint is a usage error" vt plan -f "$P" --password-file "$PWF" --thumbprint "xyz"

# --- login ---
printf 'wrong' >"$T_TMP/badpw"; chmod 600 "$T_TMP/badpw"
expect_rc 3 "a wrong password exits 3" vt plan -f "$P" --thumbprint "$VCSIM_SHA256" --password-file "$T_TMP/badpw"
expect_in "$T_ERR" "InvalidLogin" "the refusal names InvalidLogin"
chmod 644 "$T_TMP/badpw"
expect_rc 2 "a password file others can read is refused" vt plan -f "$P" --thumbprint "$VCSIM_SHA256" --password-file "$T_TMP/badpw"
expect_in "$T_ERR" "chmod 600" "and says how to fix it"
run bash -c "printf '%s\n' \"\$1\" | \"$VTRUNK\" plan -f \"$P\" --thumbprint $VCSIM_SHA256 --password-stdin" _ "$PW"
expect_eq "$RC" 4 "--password-stdin with special characters logs in"
expect_rc 4 "VTRUNK_PASSWORD works" env VTRUNK_PASSWORD="$PW" "$VTRUNK" plan -f "$P" --thumbprint "$VCSIM_SHA256"
expect_rc 4 "govc's variables work" env -u VTRUNK_URL -u VTRUNK_USERNAME GOVC_URL="$VCSIM_URL" GOVC_USERNAME="$VCSIM_USER" \
	GOVC_PASSWORD="$PW" GOVC_INSECURE=1 "$VTRUNK" plan -f "$P" -q

# --- plan on a missing port group: exit 4, nothing changed ---
vcsim_reset_stats
expect_rc 4 "plan on a missing port group exits 4" vt plan -f "$P" "${PIN[@]}"
expect_in "$T_OUT" "create" "plan says it would create it"
expect_eq "$(vcsim_count AddDVPortgroup_Task)" 0 "plan sent no AddDVPortgroup_Task"
expect_eq "$(vcsim_pyread portgroup "$PGNAME" | jsons "$(cat)" 'd["exists"]')" False "plan created nothing"

# --- apply creates it with exactly the plan's ranges ---
expect_rc 0 "apply creates the port group" vt apply -f "$P" "${PIN[@]}" -o "$T_TMP/out" --json
cp "$T_OUT" "$T_TMP/apply1.json"
expect_eq "$(json "$T_TMP/apply1.json" 'd["portgroup"]["action"]')" created "the report says created"
expect_eq "$(json "$T_TMP/apply1.json" 'd["changes"]')" 1 "the report counts one change"
vcsim_pyread portgroup "$PGNAME" >"$T_TMP/pg1.json"
expect_eq "$(json "$T_TMP/pg1.json" 'd["ranges"]')" "[[100, 200], [300, 300]]" "pyvmomi reads back exactly the plan's ranges"
expect_eq "$(json "$T_TMP/pg1.json" 'd["vlan_type"]')" trunk "it is a VLAN trunk"
expect_eq "$(json "$T_TMP/pg1.json" 'd["inherited"]')" False "its VLAN spec is not inherited"
expect_eq "$(json "$T_TMP/pg1.json" 'd["binding"]')" earlyBinding "static binding"
expect_eq "$(json "$T_TMP/pg1.json" 'd["num_ports"]')" 16 "the plan's port count"
expect_eq "$(json "$T_TMP/pg1.json" 'd["key"]')" "$(json "$T_TMP/apply1.json" 'd["portgroup"]["key"]')" "the report's key is vCenter's"
KEY=$(json "$T_TMP/pg1.json" 'd["key"]')

# --- a second apply changes nothing and sends no reconfigure ---
vcsim_reset_stats
expect_rc 0 "a second apply succeeds" vt apply -f "$P" "${PIN[@]}" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"]')" unchanged "the second apply reports unchanged"
expect_eq "$(json "$T_OUT" 'd["changes"]')" 0 "with zero changes"
expect_eq "$(vcsim_count ReconfigureDVPortgroup_Task)" 0 "and sends no ReconfigureDVPortgroup_Task"
expect_eq "$(vcsim_count AddDVPortgroup_Task)" 0 "and no AddDVPortgroup_Task"
expect_rc 0 "status is in sync" vt status -f "$P" "${PIN[@]}"

# --- changed ranges update the same port group ---
cat >"$T_TMP/plan2.json" <<'J'
{"datacenter": "DC0", "switch": "DVS0",
 "trunk": {"portgroup": "Kasm & <Trunk> \"q\" 'a'", "vlans": [[100, 150], 400, [401, 410]], "binding": "static", "ports": 16}}
J
expect_rc 4 "plan with new ranges exits 4" vt plan -f "$T_TMP/plan2.json" "${PIN[@]}"
expect_in "$T_OUT" "100-200,300 -> 100-150,400-410" "plan shows the range change"
expect_rc 0 "apply with new ranges" vt apply -f "$T_TMP/plan2.json" "${PIN[@]}" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["portgroup"]["action"]')" updated "the report says updated"
vcsim_pyread portgroup "$PGNAME" >"$T_TMP/pg2.json"
expect_eq "$(json "$T_TMP/pg2.json" 'd["ranges"]')" "[[100, 150], [400, 410]]" "the new ranges are in vCenter"
expect_eq "$(json "$T_TMP/pg2.json" 'd["key"]')" "$KEY" "the same port group (same key)"
expect_eq "$(json "$T_TMP/pg2.json" 'd["name"]')" "$PGNAME" "its name is intact"
expect_eq "$(json "$T_TMP/pg2.json" 'd["binding"]')" earlyBinding "its binding is intact"
expect_eq "$(json "$T_TMP/pg2.json" 'd["num_ports"]')" 16 "its port count is intact"
expect_eq "$(json "$T_TMP/pg2.json" 'd["description"]')" "$(json "$T_TMP/pg1.json" 'd["description"]')" "its description is intact"

# --- drift made by someone else ---
vcsim_pyread set-trunk "$PGNAME" "5-6" >/dev/null
expect_rc 4 "status exits 4 on drift" vt status -f "$T_TMP/plan2.json" "${PIN[@]}"
expect_in "$T_OUT" "drift" "status names the drift"
expect_in "$T_OUT" "5-6" "status shows what vCenter has"
expect_rc 0 "apply repairs the drift" vt apply -f "$T_TMP/plan2.json" "${PIN[@]}" -o "$T_TMP/out"
expect_rc 0 "status is in sync again" vt status -f "$T_TMP/plan2.json" "${PIN[@]}"

# --- names that are taken ---
cat >"$T_TMP/taken.json" <<'J'
{"switch": "DVS0", "trunk": {"portgroup": "DC0_DVPG0", "vlans": "10"}}
J
expect_rc 1 "a name taken by a non-trunk port group exits 1" vt apply -f "$T_TMP/taken.json" "${PIN[@]}" -o "$T_TMP/out"
expect_in "$T_ERR" "not a VLAN trunk" "and says it is not a trunk"
expect_eq "$(vcsim_pyread portgroup DC0_DVPG0 | jsons "$(cat)" 'd["vlan_type"] != "trunk" and d["exists"]')" True "that port group is untouched"
vcsim_pyread add-switch DC0 DVS1 >/dev/null && vcsim_pyread add-portgroup DVS1 Elsewhere --trunk 1-5 >/dev/null
sed 's/DC0_DVPG0/Elsewhere/' "$T_TMP/taken.json" >"$T_TMP/taken2.json"
expect_rc 1 "a name taken on another switch exits 1" vt apply -f "$T_TMP/taken2.json" "${PIN[@]}" -o "$T_TMP/out"
expect_in "$T_ERR" "another switch (DVS1)" "and names that switch"
expect_eq "$(vcsim_pyread portgroup Elsewhere | jsons "$(cat)" 'd["ranges"]')" "[[1, 5]]" "that port group is untouched"
sed 's/DC0_DVPG0/VM Network/' "$T_TMP/taken.json" >"$T_TMP/taken3.json"
expect_rc 1 "a name taken by a standard network exits 1" vt plan -f "$T_TMP/taken3.json" "${PIN[@]}"

# --- unknown switch or datacenter ---
sed 's/"DVS0"/"NoSuchSwitch"/' "$P" >"$T_TMP/nosw.json"
expect_rc 1 "an unknown switch exits 1" vt plan -f "$T_TMP/nosw.json" "${PIN[@]}"
expect_in "$T_ERR" "NoSuchSwitch" "naming it"
sed 's/"DC0"/"NoSuchDC"/' "$P" >"$T_TMP/nodc.json"
expect_rc 1 "an unknown datacenter exits 1" vt plan -f "$T_TMP/nodc.json" "${PIN[@]}"
expect_in "$T_ERR" "NoSuchDC" "naming it"

# --- the debug trace keeps secrets out ---
expect_rc 0 "a run with --debug" vt status -f "$T_TMP/plan2.json" "${PIN[@]}" --debug "$T_TMP/trace.txt"
expect_in "$T_TMP/trace.txt" "RetrievePropertiesEx" "the trace holds the SOAP exchange"
expect_not_in "$T_TMP/trace.txt" "p&amp;ss&lt;w&gt;rd" "the trace does not hold the (escaped) password"
expect_not_in "$T_TMP/trace.txt" "$PW" "the trace does not hold the password"
if grep -q '<returnval><key>[0-9a-f-]\{8,\}' "$T_TMP/trace.txt"; then not_ok "the session key is redacted"; else ok "the session key is redacted"; fi
expect_eq "$(stat -c %a "$T_TMP/trace.txt")" 600 "the trace file is private (0600)"

# --- ls ---
expect_rc 0 "ls portgroups --json" vt ls portgroups --json "${PIN[@]}"
expect_eq "$(json "$T_OUT" '[p["vlans"] for p in d["portgroups"] if p["name"] == "'"Elsewhere"'"][0]')" "1-5" "ls shows each port group's VLAN spec"
expect_rc 0 "ls vms --json" vt ls vms --json "${PIN[@]}"
expect_eq "$(json "$T_OUT" 'len(d["vms"])')" 4 "ls vms lists every VM"
expect_rc 0 "ls switches" vt ls switches "${PIN[@]}"
expect_in "$T_OUT" "DVS1" "ls switches lists the second switch"
expect_rc 2 "ls with an unknown kind exits 2" vt ls nonsense "${PIN[@]}"

# --- destroy ---
expect_rc 0 "destroy --keep-portgroup keeps it" vt destroy -f "$T_TMP/plan2.json" "${PIN[@]}" --keep-portgroup
expect_eq "$(vcsim_pyread portgroup "$PGNAME" | jsons "$(cat)" 'd["exists"]')" True "the port group is still there"
expect_rc 0 "destroy removes the unused port group" vt destroy -f "$T_TMP/plan2.json" "${PIN[@]}"
expect_eq "$(vcsim_pyread portgroup "$PGNAME" | jsons "$(cat)" 'd["exists"]')" False "the port group is gone"
expect_rc 4 "plan after destroy wants to create it again" vt plan -f "$T_TMP/plan2.json" "${PIN[@]}"

t_done
