#!/usr/bin/env bash
# vCenter tags over the REST API (issue 7): "tags" in the plan makes the category and tag
# when missing and attaches the tag to the port group and every agent; destroy detaches it;
# `ls --tag` lists what carries it. Read back independently through vcsim's REST API
# (pyread.py tag, with its own session). REST failures go through tests/proxy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
. "$here/../lib/proxy.sh"
vcsim_start --vms 4 --trap || exit 1
proxy_start --upstream "$VCSIM_URL" --trap || exit 1
vcsim_env
A=DC0_H0_VM0 B=DC0_C0_RP0_VM0
P=$T_TMP/tags.json
cat >"$P" <<J
{"switch": "DVS0", "trunk": {"portgroup": "Kasm-Trunk", "vlans": "100-200"},
 "management": {"network": "VM Network"},
 "vlans": [{"id": 150, "subnet": "10.150.0.0/22", "gateway": "10.150.0.1", "agent_prefix": 25}],
 "agents": [{"vm": "$A", "mgmt_address": "10.0.0.5"}, {"vm": "$B", "mgmt_address": "10.0.0.6"}],
 "tags": {"category": "Kasm", "tag": "ipvlan-agent"}}
J
tag() { vcsim_pyread tag Kasm ipvlan-agent; }
actions() { json "$T_OUT" '[a["actions"] for a in d["agents"]]'; }

expect_rc 4 "plan with tags exits 4" vt plan -f "$P" --json
expect_eq "$(json "$T_OUT" '(d["tags"]["category_exists"], d["tags"]["tag_exists"])')" "(False, False)" \
	"and reports category and tag missing"
expect_eq "$(actions)" "[['add-trunk-nic', 'add-mgmt-nic', 'attach-tag'], ['add-trunk-nic', 'add-mgmt-nic', 'attach-tag']]" \
	"and the agents to tag"
expect_eq "$(tag | jsons "$(cat)" 'd["category"]')" False "plan created nothing"

expect_rc 0 "apply with tags" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" '(d["tags"]["created_category"], d["tags"]["created_tag"], d["tags"]["api"])')" \
	"(True, True, 'rest')" "creates category and tag through /rest (vcsim has no /api)"
expect_eq "$(actions)" "[['added-nic', 'added-nic', 'attached-tag'], ['added-nic', 'added-nic', 'attached-tag']]" \
	"and reports each agent tagged"
expect_eq "$(tag | jsons "$(cat)" 'd["attached"]')" \
	"{'DistributedVirtualPortgroup': ['Kasm-Trunk'], 'VirtualMachine': ['$B', '$A']}" \
	"REST reads the tag on the port group and exactly the two agents"
expect_eq "$(tag | jsons "$(cat)" '(d["cardinality"], d["associable_types"])')" \
	"('MULTIPLE', ['DistributedVirtualPortgroup', 'VirtualMachine'])" \
	"the category allows several tags and port groups and VMs"

expect_rc 0 "a second apply" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" 'd["changes"]')" 0 "changes nothing"
expect_eq "$(json "$T_OUT" '(d["tags"]["created_category"], d["tags"]["agents_changed"])')" "(False, 0)" \
	"creates and attaches nothing"
expect_rc 0 "status is in sync" vt status -f "$P"
expect_in "$T_OUT" "tag Kasm/ipvlan-agent: on the port group yes and 2 of 2 agents" "and says where the tag is"

# Drift: someone detaches it from one agent.
vcsim_pyread untag Kasm ipvlan-agent "$B" >/dev/null
expect_rc 4 "status exits 4 when an agent lost the tag" vt status -f "$P" --json
expect_eq "$(actions)" "[['in-sync'], ['missing-tag']]" "naming that agent"
expect_rc 0 "apply puts it back" vt apply -f "$P" -o "$T_TMP/out" --json
expect_eq "$(actions)" "[['unchanged'], ['attached-tag']]" "on that agent alone"
expect_eq "$(tag | jsons "$(cat)" 'd["attached"]["VirtualMachine"]')" "['$B', '$A']" "both agents carry it again"

# ls --tag
expect_rc 0 "ls vms --tag" vt ls vms --tag ipvlan-agent --json
expect_eq "$(json "$T_OUT" 'sorted(v["name"] for v in d["vms"])')" "['$B', '$A']" "lists exactly the two agents"
expect_rc 0 "ls portgroups --tag CATEGORY/TAG" vt ls portgroups --tag Kasm/ipvlan-agent --json
expect_eq "$(json "$T_OUT" '[p["name"] for p in d["portgroups"]]')" "['Kasm-Trunk']" "lists the port group alone"
expect_rc 1 "ls --tag of an unknown tag exits 1" vt ls vms --tag no-such-tag
expect_in "$T_ERR" "no-such-tag" "naming it"

# A large tag inventory (issue 15: one GET per category made `ls --tag` cost 20000 requests):
# 200 more categories of 2 tags, 2 of those on a VM that is no agent. A lookup asks which
# tags the objects carry (list-attached-tags-on-objects) and reads those, not every
# category; counted through the proxy (login is 2 requests on vcsim, logout 1).
C=DC0_H0_VM1
expect_eq "$(vcsim_pyread tag-fill 200 --attach-to "$C" --attach-every 100 | jsons "$(cat)" 'd["attached_tags"]')" 2 \
	"200 categories more, 2 of their tags on $C"
via() { proxy_reset; vt "$@" --url "$PROXY_URL" --thumbprint "$PROXY_SHA256"; }
via ls vms --tag Kasm/ipvlan-agent --json >"$T_OUT" 2>"$T_ERR"
expect_eq "$(json "$T_OUT" 'sorted(v["name"] for v in d["vms"])')" "['$B', '$A']" \
	"ls vms --tag CATEGORY/TAG among 203 categories lists the two agents"
expect_eq "$(($(proxy_count REST) <= 12))" 1 "in at most 12 REST requests ($(proxy_count REST); one a category: 200+)"
via ls vms --tag ipvlan-agent --json >"$T_OUT" 2>"$T_ERR"
expect_eq "$(json "$T_OUT" 'sorted(v["name"] for v in d["vms"])')" "['$B', '$A']" "ls vms --tag TAG too"
expect_eq "$(($(proxy_count REST) <= 12))" 1 "in at most 12 REST requests ($(proxy_count REST); one a tag: 400+)"
via status -f "$P" --json >"$T_OUT" 2>"$T_ERR"
expect_eq "$(json "$T_OUT" '[a["actions"] for a in d["agents"]]')" "[['in-sync'], ['in-sync']]" "status finds the tag on both agents"
expect_eq "$(($(proxy_count REST) <= 12))" 1 "in at most 12 REST requests ($(proxy_count REST))"
via ls vms --tag Fill0100/t1 --json >"$T_OUT" 2>"$T_ERR"
expect_eq "$(json "$T_OUT" '[v["name"] for v in d["vms"]]')" "['$C']" "a filler tag lists the VM that carries it"
expect_rc 0 "a tag on nothing listed (the long way)" vt ls vms --tag Fill0001/t2 --json
expect_eq "$(json "$T_OUT" 'len(d["vms"])')" 0 "lists nothing"
expect_rc 1 "ls --tag of a category that does not exist exits 1" vt ls vms --tag No-such/ipvlan-agent
expect_in "$T_ERR" "No-such" "naming it"

# The same tag name in a second category: TAG alone still means the one on the objects
# listed; once both are on listed objects, ls asks which.
vcsim_pyread make-tag Other ipvlan-agent >/dev/null
expect_rc 0 "ls --tag of a name in two categories, one of them on nothing" vt ls vms --tag ipvlan-agent --json
expect_eq "$(json "$T_OUT" 'sorted(v["name"] for v in d["vms"])')" "['$B', '$A']" "lists the one on the VMs"
vcsim_pyread attach Other ipvlan-agent "$C" >/dev/null
expect_rc 2 "ls --tag of a name in two categories, both on VMs, exits 2" vt ls vms --tag ipvlan-agent
expect_in "$T_ERR" "CATEGORY/TAG" "asking for CATEGORY/TAG"
expect_in "$T_ERR" '"Other"' "naming the categories"
expect_rc 0 "CATEGORY/TAG picks one" vt ls vms --tag Other/ipvlan-agent --json
expect_eq "$(json "$T_OUT" '[v["name"] for v in d["vms"]]')" "['$C']" "(the other one, on $C)"
vcsim_pyread make-tag Third ipvlan-agent >/dev/null
expect_rc 2 "ls switches --tag: several of that name, none on a switch (the long way), exits 2" vt ls switches --tag ipvlan-agent
expect_in "$T_ERR" "3 categories" "naming all three"
expect_rc 2 "ls --tag is not taken by plan" vt plan -f "$P" --tag x

# An existing category is used, not made again (here a SINGLE one made by someone else).
vcsim_pyread make-tag Team kasm --cardinality SINGLE >/dev/null
sed 's/"category": "Kasm", "tag": "ipvlan-agent"/"category": "Team", "tag": "kasm"/' "$P" >"$T_TMP/team.json"
expect_rc 0 "apply with an existing category and tag" vt apply -f "$T_TMP/team.json" -o "$T_TMP/out" --json
expect_eq "$(json "$T_OUT" '(d["tags"]["created_category"], d["tags"]["created_tag"])')" "(False, False)" \
	"makes neither"
expect_eq "$(vcsim_pyread tag Team kasm | jsons "$(cat)" '(d["cardinality"], d["attached"]["VirtualMachine"])')" \
	"('SINGLE', ['$B', '$A'])" "leaves it as it was and attaches its tag"

# REST failing before any change: nothing is changed (through the proxy).
expect_rc 0 "destroy detaches one tag" vt destroy -f "$P" --json
expect_eq "$(vcsim_pyread tag Team kasm | jsons "$(cat)" 'd["attached"]["VirtualMachine"]')" "['$B', '$A']" \
	"and leaves the other plan's tag alone"
expect_rc 0 "destroy of the other plan detaches its tag" vt destroy -f "$T_TMP/team.json" --json
# (The port group it was on is gone already; vcsim, unlike vCenter, keeps the association
# of a deleted object, so only the VMs are looked at.)
expect_eq "$(vcsim_pyread tag Team kasm | jsons "$(cat)" 'd["attached"].get("VirtualMachine", [])')" "[]" \
	"from every agent"
vcsim_reset_stats >/dev/null
proxy_rule 'REST:*:503'
expect_rc 1 "apply when REST answers 503 exits 1" vt apply -f "$P" -o "$T_TMP/out2" --url "$PROXY_URL" --thumbprint "$PROXY_SHA256"
expect_in "$T_ERR" "503" "saying what REST answered"
expect_eq "$(vcsim_count ReconfigVM_Task)" 0 "before any reconfigure"
# (DIR itself is made and probed before anything is sent: it is there, empty.)
expect_eq "$(ls -A "$T_TMP/out2" 2>/dev/null | head -c 200)" "" "and before any guest file"
proxy_reset

# REST failing after the NICs: the NICs and files are done, the tag reported failed, and a
# re-run finishes. A read-only run through the proxy counts the REST calls before the first
# change (login, lookup; its last call is the logout), so the rule breaks exactly the attach.
vt plan -f "$P" --url "$PROXY_URL" --thumbprint "$PROXY_SHA256" >/dev/null
n=$(proxy_count REST)
proxy_reset
proxy_rule "REST:$n+:503"
expect_rc 1 "apply when the attach gets 503 exits 1" vt apply -f "$P" -o "$T_TMP/out3" --url "$PROXY_URL" --thumbprint "$PROXY_SHA256" --json
expect_eq "$(actions)" "[['added-nic'], ['added-nic']]" "after adding the trunk NICs"
expect_in "$T_OUT" '"error":' "the report carries the tag's error"
expect_eq "$(json "$T_OUT" 'd["tags"]["error"] is not None')" True "under tags"
expect_eq "$([ -f "$T_TMP/out3/$A/docker-networks.sh" ] && echo written || echo none)" written "the guest files are written"
proxy_reset
expect_rc 0 "a re-run finishes" vt apply -f "$P" -o "$T_TMP/out3" --json
expect_eq "$(actions)" "[['attached-tag'], ['attached-tag']]" "attaching the tag"
expect_eq "$(tag | jsons "$(cat)" 'd["attached"]')" \
	"{'DistributedVirtualPortgroup': ['Kasm-Trunk'], 'VirtualMachine': ['$B', '$A']}" "to the port group and both agents"

# destroy detaches (tag and category stay).
expect_rc 0 "destroy" vt destroy -f "$P" --json
expect_eq "$(actions)" "[['removed-nic', 'detached-tag'], ['removed-nic', 'detached-tag']]" "detaches the agents"
expect_eq "$(tag | jsons "$(cat)" '(d["category"], d["tag"], d["attached"])')" "(True, True, {})" \
	"REST reads the tag on nothing; it and its category remain"
expect_rc 0 "destroy again" vt destroy -f "$P" --json
expect_eq "$(json "$T_OUT" 'd["tags"]["agents_changed"]')" 0 "has nothing to detach"
t_done
