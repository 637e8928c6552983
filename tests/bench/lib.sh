# Sourced by the benchmarks: private runtime dir, cleanup, statistics.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

now() { date +%s.%N; }
# elapsed START: seconds since START, 3 decimals.
elapsed() { awk -v s="$1" -v n="$(now)" 'BEGIN { printf "%.3f", n - s }'; }
# median of the arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# spread VALUE...: "min-max" of the values (beside a median).
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
# report NAME VALUE UNIT GOAL-TEXT
report() { printf '%-44s %10s %-6s %s\n' "$1" "$2" "$3" "$4"; }

# kmdash under test: the release build (KMDASH=path for another).
KMDASH=${KMDASH:-$T_BUILD/kmdash}
# Never the user's state or config: journals and history go to the temp dir.
export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/config

# bench_cc OUT SRC...: a bench program against the release libkmcore.a,
# with the flags and libraries the Makefile uses (it says which).
bench_cc()
{
	local out=$1 cflags libs
	shift
	make -s -C "$T_ROOT" "${BUILD:-build}/libkmcore.a" >/dev/null || return 1
	cflags=$(make -s -C "$T_ROOT" print-cflags) || return 1
	libs=$(make -s -C "$T_ROOT" print-libs) || return 1
	# shellcheck disable=SC2086
	${CC:-cc} $cflags -I"$T_ROOT" -o "$out" "$@" "$T_BUILD/libkmcore.a" $libs
}
# goal_min VALUE GOAL / goal_max VALUE GOAL: "goal met" when VALUE is at
# least / at most GOAL, else "goal NOT met".
goal_min() { awk -v v="$1" -v g="$2" 'BEGIN { print (v >= g) ? "goal met" : "goal NOT met" }'; }
goal_max() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g) ? "goal met" : "goal NOT met" }'; }
# ratio A B: A / B, 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# cpu_ticks PID: utime + stime of PID in clock ticks.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# cpu_ns PID: CPU time of all of PID's threads in ns (schedstat: exact,
# where the 10 ms ticks of /proc/PID/stat would read 0 for an idle process).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ n += $1 } END { printf "%.0f", n }'; }
