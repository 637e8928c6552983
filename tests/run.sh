#!/usr/bin/env bash
# Runs the test suites and ends with one line: "N passed, N failed".
#   tests/run.sh [SUITE...]      default: every suite, in the order below
# A suite is a directory of tests: tests/unit holds cmocka programs (built
# as build/asan/tests/unit/test_*), the others hold shell test files that
# print "ok - NAME" / "not ok - NAME" lines (tests/lib.sh).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD=${BUILD:-build}
all_suites=(style unit fuzz cli target kmod integration tui e2e faults)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=("${all_suites[@]}")
logs=$BUILD/test-logs
rm -rf "$logs"
mkdir -p "$logs"

passed=0 failed=0 skipped=0
failures=()

# count_tap LOG NAME RC: adds the file's ok/not ok lines to the totals.
count_tap()
{
	local log=$1 name=$2 rc=$3 p f s
	# cmocka writes a skipped test as "not ok N # SKIP name"
	p=$(grep -cE '^ok ' "$log")
	s=$(grep -cE '^(not )?ok .*# SKIP' "$log")
	f=$(grep -E '^not ok ' "$log" | grep -cv '# SKIP')
	p=$((p - $(grep -cE '^ok .*# SKIP' "$log")))
	# A crash (sanitizer abort, set -e exit) must never pass silently.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	local mark=PASS
	[ "$f" -gt 0 ] && { mark=FAIL; failures+=("$name"); }
	printf '%s %-40s %3d passed, %d failed%s  (%ss)\n' "$mark" "$name" \
		"$p" "$f" "$([ "$s" -gt 0 ] && echo ", $s skipped")" "$SECONDS_USED"
	if [ "$f" -gt 0 ]; then
		grep -E '^not ok ' "$log" | head -20 | sed 's/^/    /'
		echo "    --- last lines of $log:"
		tail -25 "$log" | sed 's/^/    | /'
	fi
}

run_one()
{
	local name=$1 log=$logs/${1//\//_}.log t0=$SECONDS rc
	shift
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	SECONDS_USED=$((SECONDS - t0))
	count_tap "$log" "$name" "$rc"
}

for suite in "${suites[@]}"; do
	case "$suite" in
	style)
		run_one style/clang-format tests/style.sh
		run_one style/includes tests/includes.sh
		;;
	unit)
		for bin in "$BUILD"/asan/tests/unit/test_*; do
			[ -x "$bin" ] || continue
			CMOCKA_MESSAGE_OUTPUT=TAP \
				run_one "unit/${bin##*/}" "$bin"
		done
		# the ones built without ASan (Makefile VALGRIND_TESTS)
		for bin in "$BUILD"/tests/unit/test_*; do
			[ -x "$bin" ] || continue
			CMOCKA_MESSAGE_OUTPUT=TAP run_one "unit/valgrind/${bin##*/}" \
				valgrind -q --leak-check=full --error-exitcode=1 "$bin"
		done
		;;
	fuzz)
		# the regression corpus and seeds of the libFuzzer harnesses
		run_one fuzz/replay bash tests/fuzz/replay.sh
		;;
	*)
		if [ ! -d "tests/$suite" ]; then
			# Named on the command line: a typo must not pass.
			[ $# -gt 0 ] && { echo "not ok - no suite '$suite'"; failed=$((failed + 1)); }
			continue
		fi
		for t in tests/"$suite"/*.sh; do
			# a suite's lib.sh is what its tests source
			[ -f "$t" ] && [ "${t##*/}" != lib.sh ] || continue
			run_one "$suite/$(basename "$t" .sh)" bash "$t"
		done
		;;
	esac
done

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $logs/)"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
