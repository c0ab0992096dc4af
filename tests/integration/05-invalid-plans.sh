#!/usr/bin/env bash
# Invalid plans and bad usage exit 2 before anything is sent (issue 2): every plan in
# fixtures/plans/invalid/ is refused with the message its .err file holds, and vcsim
# counts no request at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/vcsim.sh"
vcsim_start --vms 2 --trap || exit 1
vcsim_env
vcsim_reset_stats
n=0 bad=0
for plan in "$here"/../../fixtures/plans/invalid/*.json; do
	want=$(cat "${plan%.json}.err")
	run vt apply -f "$plan" -o "$T_TMP/out"
	n=$((n + 1))
	if [ "$RC" != 2 ] || ! grep -qF -- "$want" "$T_ERR"; then
		bad=$((bad + 1))
		echo "    $(basename "$plan"): exit $RC, stderr: $(head -c 300 "$T_ERR")"
	fi
done
expect_eq "$bad" 0 "all $n invalid plans exit 2 naming the field"
expect_eq "$(vcsim_count)" 0 "and not one request reached vCenter"
expect_eq "$([ -e "$T_TMP/out" ] && echo written || echo none)" none "and no guest file was written"
expect_rc 2 "a missing plan file exits 2" vt plan -f "$T_TMP/nope.json"
expect_in "$T_ERR" "nope.json" "naming it"
expect_rc 2 "malformed JSON exits 2" vt plan -f <(printf '{"switch": "DVS0",, }')
expect_in "$T_ERR" "malformed JSON" "saying so"
expect_rc 2 "an unknown option exits 2" vt plan --bogus
expect_rc 2 "an unknown command exits 2" vt frobnicate
expect_rc 2 "plan without -f exits 2" vt plan
expect_rc 2 "render without -o exits 2" vt render -f "$here/../../fixtures/plans/demo.json"
expect_rc 2 "an option the command does not take exits 2" vt ls --keep-portgroup
expect_rc 2 "--parallel out of range exits 2" vt plan -f "$here/../../fixtures/plans/demo.json" --parallel 0
expect_eq "$(vcsim_count)" 0 "still no request reached vCenter"
expect_rc 3 "an unreachable vCenter exits 3" vt plan -f "$here/../../fixtures/plans/demo.json" --url 127.0.0.1:1 --timeout 5
expect_in "$T_ERR" "cannot talk to https://127.0.0.1:1" "naming it"
for c in plan apply status destroy render ls thumbprint version help; do
	run vt "$c" --help
	if [ "$RC" = 0 ] && grep -q "Usage: vtrunk $c" "$T_OUT"; then ok "$c --help answers"; else not_ok "$c --help answers"; fi
done
expect_rc 0 "help lists every command" vt help
for c in plan apply status destroy render ls thumbprint version; do
	grep -q "^  $c" "$T_OUT" || not_ok "help lists $c"
done
ok "help lists every command by name"
expect_rc 0 "version" vt version
expect_in "$T_OUT" "vtrunk" "prints the name and version"
t_done
