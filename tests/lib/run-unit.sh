#!/bin/sh
# run-unit.sh BIN... — runs each cmocka unit-test program; prints "N passed, N failed"
# counting programs, and fails when any failed.
pass=0; fail=0
for t in "$@"; do
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
