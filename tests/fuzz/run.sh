#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer harness of tests/fuzz/ in turn, on the
# seeds (tests/fuzz/seeds.sh) and the corpus earlier runs grew
# ($BUILD/fuzz/work/NAME, kept), and prints per harness the executions
# per second, the executions, the coverage (libFuzzer's cov and ft) and
# the crashes. A crash, leak, timeout or sanitizer report is copied into
# tests/fuzz/regress/NAME/, which `make test` replays: commit it with the
# fix.
#   tests/fuzz/run.sh [NAME...]        NAME: kmsg, qmp, ... (default: all)
#   FUZZ_SECONDS=60   time per harness, or
#   FUZZ_RUNS=N       that many executions per harness instead (both:
#                     whichever comes first)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BUILD=${BUILD:-build}
bin=${FUZZ_BIN_DIR:-$BUILD/fuzz/tests/fuzz} # vterm.sh brings its own
logs=$BUILD/fuzz/logs

# The longest input per harness: the longest thing it reads in one go.
declare -A max_len=(
	[kmsg]=1048576 [console]=1048576 [diag]=1048576 [bench]=1048576
	[qmp]=1048576 # line-oriented streams: 1 MB
	[config]=65536 [theme]=65536 [sshconfig]=65536 [knownhosts]=65536
	[modsrc]=65536
	[modexplain]=65536 # files a person writes, one command's output
	[modinfo]=262144   # a whole (stripped) .ko, .modinfo and all
	[trace]=1048576 [decode]=1048576 # kernel log text
)

# The dictionary of tokens per harness: tests/fuzz/NAME.dict unless named.
declare -A dict_of=([config]=json [theme]=json [decode]=trace)

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for b in "$bin"/fuzz_*; do
		[ -x "$b" ] && names+=("${b##*/fuzz_}")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no harness built in $bin" >&2; exit 1; }

tests/fuzz/seeds.sh "$BUILD/fuzz/corpus" >/dev/null || exit 1
# fuzz_decode resolves frames against the modules `make fixtures` builds
case "$BUILD" in /*) abs=$BUILD ;; *) abs=$PWD/$BUILD ;; esac
export KMDASH_FUZZ_KO_DIR=$abs/tests/fixtures
mkdir -p "$logs"
if [ -n "${FUZZ_RUNS:-}" ] && [ -n "${FUZZ_SECONDS:-}" ]; then
	# the acceptance run on a busy machine: the count, or the time, if less
	budget=(-runs="$FUZZ_RUNS" -max_total_time="$FUZZ_SECONDS")
	echo "fuzz: ${FUZZ_RUNS} executions per harness, at most $FUZZ_SECONDS s"
elif [ -n "${FUZZ_RUNS:-}" ]; then
	budget=(-runs="$FUZZ_RUNS")
	echo "fuzz: ${FUZZ_RUNS} executions per harness"
else
	budget=(-max_total_time="${FUZZ_SECONDS:-60}")
	echo "fuzz: ${FUZZ_SECONDS:-60} s per harness"
fi
printf '%-12s %10s %12s %7s %8s %8s\n' harness execs/s execs cov ft crashes
total_execs=0 total_crashes=0 bad=0

for name in "${names[@]}"; do
	exe=$bin/fuzz_$name
	if [ ! -x "$exe" ]; then
		echo "fuzz: no harness $exe (make $exe)" >&2
		bad=1
		continue
	fi
	if [ -z "${max_len[$name]:-}" ]; then
		echo "fuzz: no max_len for '$name' in $0" >&2
		bad=1
		continue
	fi
	if [ "$name" = decode ] && ! [ -f "$KMDASH_FUZZ_KO_DIR/kmod_crash/crashmod.ko" ]; then
		echo "fuzz: decode skipped: no fixture modules in $KMDASH_FUZZ_KO_DIR (make fixtures)" >&2
		continue
	fi
	# FUZZ_TAG (vterm.sh): logs and scratch of their own, the corpus shared
	tag=$name${FUZZ_TAG:+-$FUZZ_TAG}
	log=$logs/$tag.log
	work=$BUILD/fuzz/work/$name crashes=$BUILD/fuzz/crashes/$tag/
	tmp=$BUILD/fuzz/tmp/$tag
	rm -rf "$crashes" "$tmp"
	mkdir -p "$work" "$crashes" "$tmp"
	dict=()
	d=tests/fuzz/${dict_of[$name]:-$name}.dict
	[ -f "$d" ] && dict=(-dict="$d")
	TMPDIR=$PWD/$tmp "$exe" "${budget[@]}" -max_len="${max_len[$name]}" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes" "${dict[@]}" \
		"$work" "$BUILD/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	rm -rf "$tmp"

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	found=$(find "$crashes" -type f | wc -l)
	[ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1
	printf '%-12s %10s %12s %7s %8s %8s\n' "$name" "${rate:-?}" \
		"${execs:-?}" "${cov:-?}" "${ft:-?}" "$found"
	total_execs=$((total_execs + ${execs:-0}))
	total_crashes=$((total_crashes + found))
	if [ "$found" -gt 0 ]; then
		grep -m3 -E '^SUMMARY|ERROR: (Address|Leak|libFuzzer|UndefinedBehavior)|runtime error|broken promise' "$log" |
			sed 's/^/    /'
		mkdir -p "tests/fuzz/regress/$name"
		for f in "$crashes"*; do
			[ -f "$f" ] || continue
			cp "$f" "tests/fuzz/regress/$name/"
			echo "    new regression input: tests/fuzz/regress/$name/${f##*/} (log: $log)"
		done
	fi
done
printf '%-12s %10s %12s %7s %8s %8s\n' total '' "$total_execs" '' '' "$total_crashes"
[ "$total_crashes" -eq 0 ] && [ "$bad" -eq 0 ]
