# bash completion for vtrunk(1)                                 -*- shell-script -*-
#
# `make install` puts this file in PREFIX/share/bash-completion/completions/vtrunk,
# where bash-completion loads it on the first `vtrunk <TAB>`; without bash-completion,
# `source` it from ~/.bashrc. It needs nothing from bash-completion, and uses its
# _filedir for file names when that is there.
#
# Which command takes which option follows the option table in cli/cli_main.c
# (O_PLAN, O_OUT, O_CONN, O_RUN, O_KEEP, O_STRICT); tests/integration/06-install.sh checks
# it against `vtrunk COMMAND --help`.

_vtrunk_commands="plan apply status destroy watch render ls thumbprint version help"

# Options that take a value (the next word, or --opt=value).
_vtrunk_argopts="-f --file -o --output --parallel --timeout --debug --url --username \
--password-file --thumbprint --ca-file --tag"

# _vtrunk_options COMMAND: prints the options COMMAND takes ("" = no command yet).
_vtrunk_options()
{
	local global="--json -q --quiet -v --verbose -h --help"
	local plan="-f --file" out="-o --output"
	local conn="--url --username --password-file --password-stdin --thumbprint --ca-file --insecure"
	local run="--parallel --timeout --debug"

	case $1 in
	plan) echo "$global $plan $conn $run --strict --guestinfo" ;;
	apply) echo "$global $plan $out $conn $run --strict --guestinfo" ;;
	status) echo "$global $plan $conn $run --strict --guestinfo" ;;
	destroy) echo "$global $plan $conn $run --keep-portgroup --guestinfo --dry-run" ;;
	watch) echo "$global $plan $out $conn $run --strict --guestinfo --resync" ;;
	render) echo "$global $plan $out" ;;
	ls) echo "$global $conn $run --tag" ;;
	thumbprint) echo "$global $conn $run" ;;
	version) echo "$global" ;;
	help) echo "-h --help" ;;
	"") echo "$global -V --version $plan $out $conn $run --keep-portgroup --strict --guestinfo --tag --dry-run" ;;
	esac
}

# _vtrunk_takes_arg WORD: is WORD an option whose value is the next word?
# Short options may be bundled (-qf PLAN); -fPLAN carries its value.
_vtrunk_takes_arg()
{
	local w=$1 k c
	case " $_vtrunk_argopts " in *" $w "*) return 0 ;; esac
	case $w in
	--* | -) return 1 ;;
	-*)
		for ((k = 1; k < ${#w}; k++)); do
			c=${w:k:1}
			if [ "$c" = f ] || [ "$c" = o ]; then
				[ $((k + 1)) -eq ${#w} ]
				return
			fi
		done
		;;
	esac
	return 1
}

# _vtrunk_reply COMPGEN-ARGS...: the words compgen finds for $cur, into COMPREPLY.
_vtrunk_reply()
{
	mapfile -t COMPREPLY < <(compgen "$@" -- "$cur")
}

# _vtrunk_paths -f|-d: file or directory names for $cur into COMPREPLY.
_vtrunk_paths()
{
	local p
	if [ -z "$_vtrunk_prefix" ] && declare -F _filedir >/dev/null 2>&1; then
		if [ "$1" = -d ]; then _filedir -d; else _filedir; fi
		return
	fi
	compopt -o filenames 2>/dev/null
	_vtrunk_reply "$1"
	if [ -n "$_vtrunk_prefix" ]; then
		for p in "${!COMPREPLY[@]}"; do COMPREPLY[p]=$_vtrunk_prefix${COMPREPLY[p]}; done
	fi
}

_vtrunk()
{
	local cur prev cmd="" npos=0 i w _vtrunk_prefix="" words_end=0
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# --opt=value: bash splits it into "--opt" "=" "value" when '=' is in
	# COMP_WORDBREAKS (the default); otherwise it is one word.
	if [ "$cur" = "=" ]; then
		cur=""
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		_vtrunk_prefix=$prev=
		cur=${cur#*=}
	fi

	# The command is the first word that is neither an option nor an option's value
	# (options may stand before or after it).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$words_end" = 0 ] && [ "$w" = "--" ]; then
			words_end=1
			continue
		fi
		if [ "$words_end" = 0 ] && [[ $w == -?* ]]; then
			if _vtrunk_takes_arg "$w"; then
				if [ "${COMP_WORDS[i + 1]}" = "=" ]; then
					i=$((i + 2))
				else
					i=$((i + 1))
				fi
			fi
			continue
		fi
		[ "$w" = "=" ] && continue
		if [ -z "$cmd" ]; then cmd=$w; else npos=$((npos + 1)); fi
	done

	# The value of an option.
	if [ "$words_end" = 0 ] && _vtrunk_takes_arg "$prev" && [[ $prev == -?* ]]; then
		case $prev in
		-f | --file | --password-file | --ca-file | --debug) _vtrunk_paths -f ;;
		-o | --output) _vtrunk_paths -d ;;
		-[!-]*[fo])
			# a bundle such as -qf or -qo
			if [ "${prev: -1}" = o ]; then _vtrunk_paths -d; else _vtrunk_paths -f; fi
			;;
		esac
		return 0
	fi

	if [ "$words_end" = 0 ] && [[ $cur == -* ]]; then
		_vtrunk_reply -W "$(_vtrunk_options "$cmd")"
		return 0
	fi
	if [ -z "$cmd" ]; then
		_vtrunk_reply -W "$_vtrunk_commands"
		return 0
	fi
	case $cmd in
	ls)
		[ "$npos" -eq 0 ] && _vtrunk_reply -W "switches portgroups vms"
		;;
	help)
		[ "$npos" -eq 0 ] && _vtrunk_reply -W "$_vtrunk_commands"
		;;
	*)
		# No positional argument: show the options on an empty word.
		[ -z "$cur" ] && [ "$words_end" = 0 ] && _vtrunk_reply -W "$(_vtrunk_options "$cmd")"
		;;
	esac
	return 0
}

complete -F _vtrunk vtrunk
