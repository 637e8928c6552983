#!/usr/bin/env bash
# kmdash bench report for a long history: 1,000 sets of runs (the module
# and the user-space baseline, R = 3 each, 10 samples a run; 6,000 runs)
# over 200 commits and three YCSB workloads, one set in ten a sweep.
# Goals: <= 1 s and an HTML file <= 1 MB. Next to it: the same history
# exported by bench history --csv (reading it, no charts), as a ratio.
# The history is synthetic (tests/bench/benchhist.py), in the format
# kmdash writes (core/module/bench.c); no target is needed.
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

SETS=${REPORT_BENCH_SETS:-1000}
RUNS=5
hist=$XDG_STATE_HOME/kmdash/qemu/bench-history.jsonl
mkdir -p "${hist%/*}"
python3 tests/bench/benchhist.py "$SETS" >"$hist" || exit 1
echo "history: $SETS sets, $(grep -vc '"type":"set"' "$hist") runs," \
	"$(du -k "$hist" | cut -f1) KiB; median of $RUNS"

# timed OUT CMD...: "wall cpu" seconds of CMD (cpu: user + sys) to OUT;
# the machine is shared, so the CPU time says what the wall time may not.
timed()
{
	local out=$1 t
	shift
	t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>"$T_TMP/err"; } 2>&1) ||
		{ cat "$T_TMP/err"; return 1; }
	awk '{ printf "%s %.3f", $1, $2 + $3 }' <<<"$t" >"$out"
}
rep=() repcpu=() csv=()
for i in $(seq "$RUNS"); do
	timed "$T_TMP/t" "$KMDASH" bench report -o "$T_TMP/report.html" ||
		{ echo "bench report failed"; exit 1; }
	read -r w c <"$T_TMP/t"
	rep+=("$w") repcpu+=("$c")
	timed "$T_TMP/t" "$KMDASH" bench history --csv || exit 1
	read -r w c <"$T_TMP/t"
	csv+=("$w")
done
kb=$(($(stat -c %s "$T_TMP/report.html") / 1024))
svgs=$(grep -o '<svg' "$T_TMP/report.html" | wc -l)
m=$(median "${rep[@]}")
mc=$(median "${repcpu[@]}")
c=$(median "${csv[@]}")
report "bench report, $SETS sets (median, wall)" "$m" s \
	"goal <= 1 s: $(goal_max "$m" 1); all: ${rep[*]}; load average $(cut -d' ' -f1 /proc/loadavg)"
report "... its CPU time, user + sys (median)" "$mc" s "all: ${repcpu[*]}"
report "... the HTML file" "$kb" KiB \
	"goal <= 1024 KiB: $(goal_max "$kb" 1024); $svgs SVG charts"
report "bench history --csv, same history (median)" "$c" s "all: ${csv[*]}"
report "report / history export" "$(ratio "$m" "$c")" x \
	"what the charts and the table cost over reading the history"
