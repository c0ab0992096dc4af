#!/usr/bin/env bash
# Faults between vtrunk and vCenter (issue 5), through tests/proxy: a lost ReconfigVM_Task
# answer, an expired session, 503s, a stall past the timeout, a dropped keep-alive
# connection. Each run must end with every agent holding exactly one trunk NIC; hostile
# answers must give a clear message and the right exit code.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/proxy.sh"
vcsim_start --vms 8 --trap || exit 1
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
proxy_vtrunk_env
P=$T_TMP/plan.json
proxy_plan8 "$P"

# one_trunk_nic: every agent has exactly one NIC on Kasm-Trunk (read by pyvmomi, not vtrunk).
one_trunk_nic() {
	local key
	key=$(vcsim_pyread portgroup Kasm-Trunk | jsons "$(cat)" 'd.get("key")')
	vcsim_pyread vms | jsons "$(cat)" \
		'sorted(set(sum(1 for n in v["nics"] if n.get("portgroup_key") == "'"$key"'") for v in d))'
}
# fresh: forget the port group and the trunk NICs between scenarios.
fresh() {
	VTRUNK_URL=$VCSIM_URL VTRUNK_THUMBPRINT=$VCSIM_SHA256 vt destroy -f "$P" -q >/dev/null 2>&1
	proxy_reset
	vcsim_reset_stats
}

# --- a lost ReconfigVM_Task answer, on a fresh connection and on a kept-alive one ---
for par in 8 1; do
	fresh
	proxy_rule ReconfigVM_Task:3:drop
	expect_rc 0 "lost ReconfigVM_Task answer (--parallel $par): apply still ends well" vt apply -f "$P" -o "$T_TMP/out" --parallel "$par"
	expect_in "$T_ERR" "gave no clear answer or changed meanwhile; re-reading" "it re-reads instead of re-sending blindly"
	expect_eq "$(one_trunk_nic)" "[1]" "every agent has exactly one trunk NIC (--parallel $par)"
	expect_eq "$(vcsim_count ReconfigVM_Task)" 8 "vCenter saw exactly one ReconfigVM_Task per VM: none re-sent blindly"
done

# --- an expired session in mid-run: one new login, the refused call again ---
fresh
proxy_rule RetrievePropertiesEx:2:expire ReconfigVM_Task:4:notauth
expect_rc 0 "an expired session in mid-run: apply ends well" vt apply -f "$P" -o "$T_TMP/out" -v
expect_eq "$(proxy_count Login)" 3 "two new logins (one per refusal), plus the first"
expect_eq "$(one_trunk_nic)" "[1]" "every agent has exactly one trunk NIC"
# refused again right after the new login: stop with exit 3
fresh
proxy_rule 'RetrievePropertiesEx:1+:notauth'
expect_rc 3 "a session refused again after a new login exits 3" vt plan -f "$P"
expect_in "$T_ERR" "refused the session again" "saying so"
expect_eq "$(proxy_count Logout)" 1 "and still logs out"

# --- 503s: retried with backoff ---
fresh
proxy_rule RetrieveServiceContent:1:503 RetrievePropertiesEx:1:503 ReconfigVM_Task:2-3:503 AddDVPortgroup_Task:1:503
expect_rc 0 "503s on reads, on the port group task and on two ReconfigVM_Task: apply ends well" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(one_trunk_nic)" "[1]" "every agent has exactly one trunk NIC"
expect_eq "$(vcsim_pyread portgroup Kasm-Trunk | jsons "$(cat)" 'd["exists"]')" True "and the port group exists once"

# --- a stall past --timeout: reads are retried, a stalled task call is re-read ---
fresh
proxy_rule WaitForUpdatesEx:1:stall:30 ReconfigVM_Task:5:stall:30 RetrievePropertiesEx:3:stall:30
expect_rc 0 "stalls past --timeout 3: apply ends well" vt apply -f "$P" -o "$T_TMP/out" --timeout 3
expect_eq "$(one_trunk_nic)" "[1]" "every agent has exactly one trunk NIC"

# --- a cut answer and a reset connection on a task call ---
fresh
proxy_rule ReconfigVM_Task:2:truncate ReconfigVM_Task:6:reset
expect_rc 0 "a truncated answer and a reset on ReconfigVM_Task: apply ends well" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(one_trunk_nic)" "[1]" "every agent has exactly one trunk NIC"

# --- a lost answer on the port group task ---
fresh
proxy_rule AddDVPortgroup_Task:1:drop
expect_rc 0 "a lost AddDVPortgroup_Task answer: apply ends well" vt apply -f "$P" -o "$T_TMP/out"
expect_eq "$(vcsim_count AddDVPortgroup_Task)" 1 "vCenter saw one AddDVPortgroup_Task: not re-sent blindly"
expect_eq "$(vcsim_pyread switches | jsons "$(cat)" '[s["portgroups"].count("Kasm-Trunk") for s in d if s["name"] == "DVS0"][0]')" 1 \
	"one port group, not two"
expect_eq "$(one_trunk_nic)" "[1]" "every agent has exactly one trunk NIC"

# --- hostile answers: a clear message, the right exit code, no crash ---
fresh
proxy_rule 'RetrieveServiceContent:1+:html'
expect_rc 1 "an HTML page instead of SOAP exits 1" vt plan -f "$P"
expect_in "$T_ERR" "HTML page" "naming what came back"
expect_in "$T_ERR" "SOAP envelope was expected" "and what was expected"
proxy_reset
proxy_rule 'RetrievePropertiesEx:1+:big:200M'
# 200 MiB of small objects in one answer: a streamed page is not held to 16 MiB (a server
# that ignores maxObjects sends a whole large inventory so), but the read's bound on
# objects (vs_page.h, 250000) applies inside the page too.
expect_rc 1 "an endless answer exits 1" vt plan -f "$P"
expect_in "$T_ERR" "more than 250000 objects in one read; stopped reading it" "saying it stopped reading"
proxy_reset
proxy_rule 'RetrievePropertiesEx:1+:big:200M'
# Memory is measured on the optimised build: ASan's own bookkeeping would swamp it. What is
# held is the 250000 objects read (about 160 MiB here), not the 200 MiB answer.
expect_rc 1 "the same with the optimised build" /usr/bin/time -f '%M' -o "$T_TMP/rss" "$VTRUNK_PLAIN" plan -f "$P"
expect_in "$T_ERR" "more than 250000 objects in one read; stopped reading it" "saying it stopped reading"
rss=$(tail -n 1 "$T_TMP/rss")
if [ "$rss" -lt 327680 ]; then ok "memory stayed bounded (${rss} KiB for a 200 MiB answer)"; else not_ok "memory ${rss} KiB for a 200 MiB answer"; fi
proxy_reset
proxy_rule 'RetrievePropertiesEx:1+:truncate'
expect_rc 1 "answers that are always cut exit 1" vt plan -f "$P"
expect_in "$T_ERR" "RetrievePropertiesEx" "naming the call"
proxy_reset
proxy_rule 'CreateContainerView:1+:reset'
expect_rc 3 "a connection that is always reset exits 3" vt plan -f "$P"
proxy_reset
expect_rc 4 "after the faults, plan works again" vt plan -f "$P"
t_done
