#!/usr/bin/env bash
# run.sh — runs the libFuzzer targets (built by `make fuzz-build` into build/fuzz/) and
# prints, per target, the executions, the corpus and the coverage, then one closing line
# "N passed, N failed" (one count a target).
#   tests/fuzz/run.sh [--seconds S] [--jobs J] [--report] [TARGET...]  (TARGET: soap inventory ...)
# Each target first replays its committed crash inputs (tests/fuzz/crashes/<target>/, kept
# as regression seeds), then fuzzes for S seconds (default 20) with J targets at a time
# (default: the number of CPUs). The seed corpora are written from fixtures/ into
# build/fuzz/corpus/<target>/ on every run; inputs libFuzzer adds there are kept between
# runs. A crash, leak, UBSan report, timeout (-timeout, 10 s an input) or out-of-memory
# fails the target; libFuzzer's artifact goes to build/fuzz/artifacts/<target>/.
# --report prints the summary of the last run from its logs (build/fuzz/logs) only.
# Nothing is sent over the network and nothing is written outside build/fuzz.
set -u
cd "$(dirname "$0")/../.." || exit 2
seconds=20 jobs=$(nproc 2>/dev/null || echo 2) targets=() report_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--report) report_only=1; shift ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(soap inventory task plan vlan rest names url)
out=build/fuzz
# Same order as fuzz_methods[] in tests/fuzz/fuzz_common.h (selector bits 0-3).
METHODS=(RetrieveServiceContent Login Logout CreateContainerView RetrievePropertiesEx
	ContinueRetrievePropertiesEx CreateFilter WaitForUpdatesEx AddDVPortgroup_Task
	ReconfigureDVPortgroup_Task CreateDVPortgroup_Task ReconfigVM_Task Destroy_Task
	DestroyPropertyFilter DestroyView RetrieveProperties)

# The method a fixture answers, by its file name (the longest name it starts with);
# RetrievePropertiesEx (4) when none does.
method_index() {
	local base best=4 bestlen=0 i
	base=$(basename "$1")
	for i in "${!METHODS[@]}"; do
		case "$base" in
		"${METHODS[$i]}"*) [ ${#METHODS[$i]} -gt $bestlen ] && best=$i bestlen=${#METHODS[$i]} ;;
		esac
	done
	echo "$best"
}

# seed DIR NAME SELECTOR FILE: one input, the selector byte then the file.
seed() {
	{ printf "\\$(printf %03o "$3")"; cat "$4"; } >"$1/seed-$2"
}

write_seeds() { # write_seeds TARGET DIR
	local t=$1 dir=$2 f i n
	case "$t" in
	soap|inventory|task)
		while IFS= read -r f; do
			n=$(echo "${f#fixtures/soap/}" | tr '/' '_')
			i=$(method_index "$f")
			case "$t" in
			soap) seed "$dir" "$n" "$i" "$f"; seed "$dir" "$n-500" $((i | 16)) "$f" ;;
			inventory)
				[ "$i" -eq 5 ] && i=1 || i=0
				seed "$dir" "$n" "$i" "$f"; seed "$dir" "$n-500" $((i | 16)) "$f"
				seed "$dir" "$n-2pages" $((i | 128)) "$f" ;;
			task)
				# bit 7: read the answer for the method the selector names.
				[ "$i" -ne 7 ] && i=$((i | 128))
				seed "$dir" "$n" "$i" "$f"; seed "$dir" "$n-500" $((i | 16)) "$f" ;;
			esac
		done < <(find fixtures/soap -type f | sort)
		;;
	plan)
		for f in fixtures/plans/*.json fixtures/plans/invalid/*.json fixtures/golden/*.plan.json; do
			[ -f "$f" ] && cp "$f" "$dir/seed-$(echo "${f#fixtures/}" | tr '/' '_')"
		done
		;;
	rest)
		# Both flavors of every captured or documented answer, as 200 and as 400.
		while IFS= read -r f; do
			n=$(echo "${f#fixtures/rest/}" | tr '/' '_')
			seed "$dir" "$n-api" 0 "$f"; seed "$dir" "$n-rest" 1 "$f"
			seed "$dir" "$n-rest-400" 17 "$f"
		done < <(find fixtures/rest -type f \( -name '*.json' -o -name '*.txt' \) | sort)
		;;
	names)
		# VM, port group and network name, NUL-separated: the payloads of issue 15
		# (U+2028/U+0085 line breaks, a C1 CSI, bidi overrides, quotes, newlines).
		i=0
		for s in 'kasm-agent-01\0Kasm-Trunk\0VM Network' \
			'a\342\200\250  addresses: ["6.6.6.6/8"]\0T\0N' 'a\302\205- 6.6.6.6/8\0T\0N' \
			'x\302\23331m\0T\0N' 'evil\342\200\256gpj.exe\0T\0N' "it's\n\"x\"\\\\\0a'b\0\$(id)" \
			'\377\376bad\0\300\257\0\355\240\200' '\357\273\277bom\342\201\246\0T\0\342\200\251'; do
			printf "$s" >"$dir/seed-$i"
			i=$((i + 1))
		done
		;;
	url)
		i=0
		for s in 'vc.example.com' 'https://vc:443/sdk' 'administrator@vsphere.local:S3cr3t@vc' \
			'https://admin%40vsphere.local:p%21w@vc/sdk' 'http://vc' 'ftp://vc' 'https://u:pw@' \
			'https://u:pw@vc:pw' 'https://[::1]:8443/sdk' 'u@d:p@ss@vc' 'https://vc:443/other/path'; do
			printf '%s' "$s" >"$dir/seed-$i"
			i=$((i + 1))
		done
		;;
	vlan)
		i=0
		for s in "100-200,300" " 1 - 5 , 7" "0-4094" "4094" "0" "10,11,12,13" "300,100-200,150-250" \
			"5-1" "4095" "1,,2" "abc" "99999999999999999999" "100 -200" " " "1-2-3" "007-0010" \
			"1,2,3,4,5,6,7,8,9,10,4000-4094,20-30,25-35"; do
			printf '%s' "$s" >"$dir/seed-$i"
			i=$((i + 1))
		done
		;;
	esac
}

dict_of() {
	case "$1" in
	soap|inventory|task) echo tests/fuzz/soap.dict ;;
	plan) echo tests/fuzz/plan.dict ;;
	vlan) echo tests/fuzz/vlan.dict ;;
	rest) echo tests/fuzz/rest.dict ;;
	names) echo tests/fuzz/names.dict ;;
	url) echo tests/fuzz/url.dict ;;
	esac
}

export UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1}

run_one() { # run_one TARGET: regression inputs, then the timed run; log in $out/logs
	local t=$1 bin=$out/fuzz_$1 corpus=$out/corpus/$1 art=$out/artifacts/$1/ log=$out/logs/$1.log
	local dict rc=0 crashes=()
	mkdir -p "$corpus" "$art" "$out/logs"
	: >"$log"
	rm -f "$out/logs/$t.why"
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin missing (make fuzz-build)" >>"$log"
		echo 2 >"$out/logs/$t.rc"
		return
	fi
	write_seeds "$t" "$corpus"
	dict=$(dict_of "$t")
	if [ -d "tests/fuzz/crashes/$t" ]; then
		mapfile -t crashes < <(find "tests/fuzz/crashes/$t" -type f ! -name '*.txt' ! -name '*.md' | sort)
	fi
	# One process an input, so a leak is blamed on the input that made it.
	for f in ${crashes[@]+"${crashes[@]}"}; do
		local frc=0
		echo "== regression: $f" >>"$log"
		"$bin" -timeout=10 "$f" >>"$log" 2>&1 || frc=$?
		if [ "$frc" -ne 0 ]; then
			rc=$frc
			echo "committed input $f still fails (exit $frc)" >>"$out/logs/$t.why"
		fi
	done
	if [ "$rc" -eq 0 ]; then
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-dict="$dict" -artifact_prefix="$art" "$corpus" >>"$log" 2>&1 || rc=$?
	fi
	echo "$rc" >"$out/logs/$t.rc"
}

# At most $jobs targets at a time.
running=0
[ "$report_only" -eq 1 ] && targets_run=() || targets_run=("${targets[@]}")
for t in "${targets_run[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	echo "== fuzz_$t: ${seconds}s" >&2
	run_one "$t" &
	running=$((running + 1))
done
wait

pass=0 fail=0
for t in "${targets[@]}"; do
	log=$out/logs/$t.log
	rc=$(cat "$out/logs/$t.rc" 2>/dev/null || echo 2)
	# "#123 DONE cov: 1 ft: 2 corp: 3/4Kb lim: 5 exec/s: 6 rss: 7Mb"
	last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	files=$(find "$out/corpus/$t" -type f 2>/dev/null | wc -l)
	line="fuzz_$t: ${execs:-?} execs (${rate:-?}/s), corpus ${corp:-?} (${files} files on disk), cov ${cov:-?} ft ${ft:-?}, peak RSS ${rss:-?} MB"
	if [ "$rc" -eq 0 ]; then
		echo "ok - $line"
		pass=$((pass + 1))
	else
		echo "not ok - $line; exit $rc, log $log"
		[ -f "$out/logs/$t.why" ] && sed 's/^/#   /' "$out/logs/$t.why"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz check failed|.*runtime error|artifact_prefix|Test unit written|ALARM|==.*(timeout|out-of-memory))' "$log" | head -n 12 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
