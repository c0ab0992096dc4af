#!/usr/bin/env bash
# make install (issue 7): `make install DESTDIR=… PREFIX=/usr` puts the binary, the man
# page and the bash completion in place with their modes; the installed binary runs; the
# installed page renders without a warning and documents every command and option that
# `vtrunk help` and `vtrunk COMMAND --help` print, and every key the plan loader accepts;
# the completion offers the right words. No vCenter is needed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/assert.sh"
root=$(cd "$here/../.." && pwd)
D=$T_TMP/destdir
BIN=$D/usr/bin/vtrunk
MAN=$D/usr/share/man/man1/vtrunk.1
COMP=$D/usr/share/bash-completion/completions/vtrunk

# --- make install ---------------------------------------------------------------------
# The Makefile as it is, whatever make (check) this test runs under.
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$root" --no-print-directory install DESTDIR="$D" PREFIX=/usr
if [ "$RC" = 0 ]; then ok "make install DESTDIR=… PREFIX=/usr"; else not_ok "make install DESTDIR=… PREFIX=/usr (exit $RC)"; fi
for f in "$BIN:755" "$MAN:644" "$COMP:644"; do
	path=${f%:*} want=${f##*:}
	got=$(stat -c %a "$path" 2>/dev/null || echo missing)
	expect_eq "$got" "$want" "installed ${path#"$D"} (mode $want)"
done
expect_eq "$(cmp -s "$root/cli/vtrunk.1" "$MAN" && cmp -s "$root/cli/vtrunk.bash" "$COMP" && echo same)" same \
	"the installed page and completion are cli/vtrunk.1 and cli/vtrunk.bash"
expect_rc 0 "the installed binary runs: vtrunk version" "$BIN" version
expect_in "$T_OUT" "vtrunk $(cat "$root/VERSION")" "and prints the version in VERSION"
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$root" --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr
left=$(find "$D" -type f | wc -l)
expect_eq "$RC:$left" "0:0" "make uninstall removes the three files"
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$root" --no-print-directory install DESTDIR="$D" PREFIX=/usr

# --- the man page ---------------------------------------------------------------------
run man --warnings -l "$MAN"
if [ "$RC" = 0 ] && [ ! -s "$T_ERR" ] && grep -q "GLOBAL OPTIONS" "$T_OUT"; then
	ok "man --warnings -l renders the installed page without a warning"
else
	not_ok "man --warnings -l renders the installed page without a warning (exit $RC)"
fi
run groff -man -Tutf8 -ww -z "$MAN"
if [ "$RC" = 0 ] && [ ! -s "$T_ERR" ]; then ok "groff -ww finds nothing to warn about"; else not_ok "groff -ww finds nothing to warn about"; fi
if command -v mandoc >/dev/null 2>&1; then
	run mandoc -Tlint -W warning "$MAN"
	if [ "$RC" = 0 ]; then ok "mandoc -Tlint: no warning"; else not_ok "mandoc -Tlint: no warning"; fi
fi

# The page as a reader sees it: rendered wide, without hyphenation (and any word broken
# by a hyphen all the same joined again), so that options and keys stay whole.
PAGE=$T_TMP/page.txt
LC_ALL=C.UTF-8 MANWIDTH=200 MANROFFOPT=-rHY=0 man -l "$MAN" 2>/dev/null | LC_ALL=C.UTF-8 col -bx |
	LC_ALL=C.UTF-8 sed -e ':a' -e '/‐$/{N;s/‐\n *//;ba' -e '}' >"$PAGE"
# section NAME: the text of one section of the rendered page
section() { awk -v s="$1" '/^[A-Z]/ {on = ($0 == s); next} on' "$PAGE"; }
# clear_out: the checks below compare text, not the last command's output (not_ok shows that)
clear_out() { : >"$T_OUT"; : >"$T_ERR"; }
# has_word TEXT WORD: WORD (an option, a key) appears in TEXT as a whole token
has_word() { printf '%s\n' "$1" | grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|$)"; }

# Every command `vtrunk help` lists (its "Commands:" block) has its entry under COMMANDS.
HELP=$T_TMP/help.txt
run vt help
cp "$T_OUT" "$HELP"
clear_out
# A long synopsis has its description on the next line, indented further: not a command.
mapfile -t cmds < <(awk '/^Commands:/ {on = 1; next} on && /^$/ {exit} on && /^  [^ ]/ {print $1}' "$HELP")
case " ${cmds[*]} " in
*" plan "*" help "*) ok "vtrunk help lists the commands: ${cmds[*]}" ;;
*) not_ok "vtrunk help lists the commands (found: ${cmds[*]})" ;;
esac
commands_text=$(section COMMANDS)
missing=""
for c in "${cmds[@]}"; do
	printf '%s\n' "$commands_text" | grep -qE "^ {7}vtrunk $c( |$)" || missing="$missing $c"
done
expect_eq "${missing:-none}" none "the page has an entry under COMMANDS for each of the ${#cmds[@]} commands"

# Every option any help text prints: `vtrunk help` and `vtrunk COMMAND --help`.
for c in "${cmds[@]}"; do
	run vt "$c" --help
	cat "$T_OUT" >>"$HELP"
	cp "$T_OUT" "$T_TMP/help-$c.txt"
done
clear_out
# long_options FILE: every --option the text in FILE mentions, one a line
long_options() { grep -oE -- '(^|[^A-Za-z0-9-])--[a-z][a-z0-9-]*' "$1" | sed 's/^[^-]*//' | sort -u; }
mapfile -t longs < <(long_options "$HELP")
mapfile -t shorts < <(grep -oE -- '^ +-[A-Za-z],' "$HELP" | tr -d ' ,' | sort -u)
text=$(cat "$PAGE")
missing=""
for o in "${longs[@]}" "${shorts[@]}"; do has_word "$text" "$o" || missing="$missing $o"; done
expect_eq "${missing:-none}" none \
	"the page mentions all ${#longs[@]} long and ${#shorts[@]} short options of the help texts"
expect_eq "$(printf '%s\n' "${longs[@]}" | grep -cE -- '^--(file|keep-portgroup|password-file)$')" 3 \
	"(the options were found in the help texts)"

# Every key the plan loader accepts (the keys[] lists in cli/cli_plan*.c) is in PLAN FILE.
mapfile -t keys < <(cat "$root"/cli/cli_plan*.c | tr '\n' ' ' | grep -oE 'keys\[\] *= *\{[^}]*\}' |
	grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
plan_text=$(section "PLAN FILE")
missing=""
for k in "${keys[@]}"; do has_word "$plan_text" "$k" || missing="$missing $k"; done
expect_eq "${missing:-none}" none "PLAN FILE describes all ${#keys[@]} keys of the plan loader"
expect_eq "$(printf '%s\n' "${keys[@]}" | grep -cE '^(switch|agent_prefix|mgmt_address)$')" 3 \
	"(the keys were found in cli/cli_plan*.c)"

# --- bash completion ------------------------------------------------------------------
# complete WORD...: what the installed completion offers for the last WORD, one a line.
# shellcheck disable=SC2016 # the script is for the inner bash
complete_words() {
	env -i HOME="$T_TMP" PATH="$PATH" bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_vtrunk
		printf "%s\n" "${COMPREPLY[@]}"' complete "$COMP" "$@" 2>&1
}
# shellcheck disable=SC2016 # the script is for the inner bash
expect_eq "$(env -i bash --norc --noprofile -c '. "$1" && complete -p vtrunk' x "$COMP" 2>&1)" \
	"complete -F _vtrunk vtrunk" "the completion registers _vtrunk for vtrunk"
expect_eq "$(complete_words vtrunk ap)" apply "vtrunk ap<TAB> offers apply"
expect_eq "$(complete_words vtrunk destroy --ke)" --keep-portgroup "vtrunk destroy --ke<TAB> offers --keep-portgroup"
expect_eq "$(complete_words vtrunk plan --ke)" "" "vtrunk plan --ke<TAB> offers nothing"
expect_eq "$(complete_words vtrunk -f x.json --ke)" --keep-portgroup "before the command every option is offered"
expect_eq "$(complete_words vtrunk '' | sort | xargs)" "$(printf '%s\n' "${cmds[@]}" | sort | xargs)" \
	"vtrunk <TAB> offers every command vtrunk help lists"
expect_eq "$(complete_words vtrunk help st | xargs)" "status" "vtrunk help st<TAB> offers status"
expect_eq "$(complete_words vtrunk ls '' | sort | xargs)" "portgroups switches vms" "vtrunk ls <TAB> offers switches, portgroups, vms"
expect_eq "$(complete_words vtrunk render --url)" "" "render takes no connection option"
expect_eq "$(complete_words vtrunk version --jso)" "--json" "version --jso<TAB> offers --json"
# Every option a command's help prints is offered for it: its own options for each command
# (the "Options:" block), and every option of the help text for plan and apply, which take them all.
missing=""
for c in "${cmds[@]}"; do
	awk '/^Options:/ {on = 1; next} on && /^$/ {exit} on' "$T_TMP/help-$c.txt" >"$T_TMP/own-$c.txt"
	case $c in plan | apply) cp "$T_TMP/help-$c.txt" "$T_TMP/own-$c.txt" ;; esac
	offered=$(complete_words vtrunk "$c" --)
	while read -r o; do
		printf '%s\n' "$offered" | grep -qxF -- "$o" || missing="$missing $c:$o"
	done < <(long_options "$T_TMP/own-$c.txt")
done
expect_eq "${missing:-none}" none "each command's --help options are offered for it"
# Values: files after -f, --password-file, --ca-file and --debug; directories after -o.
mkdir -p "$T_TMP/c/dir" && : >"$T_TMP/c/plan.json"
missing=""
for o in -f --file --password-file --ca-file --debug; do
	got=$(cd "$T_TMP/c" && complete_words vtrunk apply "$o" '' | sort | xargs)
	[ "$got" = "dir plan.json" ] || missing="$missing $o"
done
expect_eq "${missing:-none}" none "file names after -f, --file, --password-file, --ca-file, --debug"
expect_eq "$(cd "$T_TMP/c" && complete_words vtrunk apply -o '' | xargs)" dir "directories only after -o"
expect_eq "$(cd "$T_TMP/c" && complete_words vtrunk apply --file = pl | xargs)" plan.json "--file=pl<TAB> completes the file"
t_done
