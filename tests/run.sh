#!/usr/bin/env bash
# run.sh — runs vtrunk's tests and prints one closing line "N passed, N failed".
#   tests/run.sh [--bin build/vtrunk] [--unit DIR] [--only unit|integration|guest]
#                [--fuzz SECONDS]
# Unit tests: every DIR/test_* program (cmocka). Integration tests: every
# tests/integration/*.sh (against vcsim, started by each script), once for each test vCenter
# in VCSIM_KINDS (default "debian async": Debian's vcsim, then the asynchronous one of
# tests/vcsim-async; see tests/lib/vcsim.sh). Guest tests:
# tests/guest/check-*.sh on files rendered by the binary. --fuzz S then runs the fuzz
# targets S seconds each (tests/fuzz/run.sh; `make check` passes FUZZ_SMOKE_SECONDS), one
# count a target, so the closing line is the count of everything that ran.
set -u
cd "$(dirname "$0")/.." || exit 2
bin=build/vtrunk unit=build/tests only="" fuzz=""
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) bin=$2; shift 2 ;;
	--unit) unit=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
export VTRUNK=$PWD/$bin
export TMPDIR=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
# ASan: leaks are errors; UBSan: stop at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
pass=0 fail=0 failed=()
count() { # count LOG NAME RC: adds a script's ok/not ok lines
	local p f
	p=$(grep -c '^ok - ' "$1")
	f=$(grep -c '^not ok - ' "$1")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $2 exited $3" | tee -a "$1"; fi
	pass=$((pass + p)) fail=$((fail + f))
	[ "$f" -eq 0 ] || failed+=("$2")
}
log=$(mktemp)
if [ -z "$only" ] || [ "$only" = unit ]; then
	for t in "$unit"/test_*; do
		[ -x "$t" ] || continue
		echo "== unit: $(basename "$t")"
		"$t" >"$log" 2>&1; rc=$?
		cat "$log"
		# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
		pass=$((pass + p)) fail=$((fail + f))
		[ "$f" -eq 0 ] || failed+=("unit/$(basename "$t")")
	done
fi
if [ -z "$only" ] || [ "$only" = integration ]; then
	for kind in ${VCSIM_KINDS:-debian async}; do
		for t in tests/integration/*.sh; do
			echo "== integration ($kind): $t"
			VCSIM_KIND=$kind bash "$t" >"$log" 2>&1; rc=$?
			cat "$log"
			count "$log" "$t ($kind)" "$rc"
		done
	done
fi
if [ -z "$only" ] || [ "$only" = guest ]; then
	for t in tests/guest/check-*.sh; do
		[ -f "$t" ] || continue
		# The qemu agents (tcg here: 20-25 minutes, the image build 6 more the first time)
		# are part of every run; VTRUNK_AGENTS=0 leaves them out of a quick local one and
		# says so.
		if [ "$t" = tests/guest/check-agents.sh ] && [ "${VTRUNK_AGENTS:-1}" = 0 ]; then
			echo "== guest: $t skipped (VTRUNK_AGENTS=0)"
			continue
		fi
		echo "== guest: $t"
		bash "$t" >"$log" 2>&1; rc=$?
		cat "$log"
		count "$log" "$t" "$rc"
	done
fi
if [ -n "$fuzz" ]; then
	echo "== fuzz: tests/fuzz/run.sh --seconds $fuzz"
	tests/fuzz/run.sh --seconds "$fuzz" >"$log" 2>&1; rc=$?
	cat "$log"
	# Its own closing line is "N passed, N failed", one a target.
	tally=$(tail -n 1 "$log")
	p=$(echo "$tally" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$tally" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	[ -n "$p" ] || p=0 f=1
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass=$((pass + p)) fail=$((fail + f))
	[ "$f" -eq 0 ] || failed+=("fuzz")
fi
rm -f "$log"
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
