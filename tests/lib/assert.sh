# assert.sh — tiny assertion helpers for the integration tests (bash).
# Each check prints "ok - …" or "not ok - …"; t_done prints the count and sets the exit code.
# $VTRUNK is the binary under test; $VTRUNK_WRAP (e.g. valgrind) runs in front of it.
T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vtrunk-test.XXXXXX")
T_OUT=$T_TMP/stdout
T_ERR=$T_TMP/stderr
: "${VTRUNK:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/vtrunk}"
# The optimised build, for measurements that a sanitizer build would distort (memory).
: "${VTRUNK_PLAIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/vtrunk}"

vt() { ${VTRUNK_WRAP:-} "$VTRUNK" "$@"; }
ok() { echo "ok - $*"; T_PASS=$((T_PASS + 1)); }
not_ok() {
	echo "not ok - $*"
	T_FAIL=$((T_FAIL + 1))
	if [ -s "$T_ERR" ]; then sed 's/^/    stderr: /' "$T_ERR" | head -n 15; fi
	if [ -s "$T_OUT" ]; then sed 's/^/    stdout: /' "$T_OUT" | head -n 15; fi
}

# run CMD...: runs it with stdout/stderr captured in $T_OUT/$T_ERR; sets $RC.
run() { "$@" >"$T_OUT" 2>"$T_ERR"; RC=$?; }

# expect_rc WANT DESC CMD...
expect_rc() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$RC" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $RC, wanted $want)"; fi
}

# expect_in FILE PATTERN DESC — fixed-string search
expect_in() {
	if grep -qF -- "$2" "$1"; then ok "$3"; else not_ok "$3 (\"$2\" not in $(basename "$1"))"; fi
}

expect_not_in() {
	if grep -qF -- "$2" "$1"; then not_ok "$3 (\"$2\" found in $(basename "$1"))"; else ok "$3"; fi
}

# expect_eq GOT WANT DESC
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got \"$1\", wanted \"$2\")"; fi
}

# jq-like: json FILE EXPR — evaluates a Python expression over the document `d`.
json() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# Same on a string.
jsons() { printf '%s' "$1" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

t_done() {
	rm -rf "$T_TMP"
	echo "# $(basename "$0"): $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
