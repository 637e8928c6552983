# Sourced by the benchmarks: private runtime dir, cleanup, statistics.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

now() { date +%s.%N; }
# elapsed START: seconds since START, 3 decimals.
elapsed() { awk -v s="$1" -v n="$(now)" 'BEGIN { printf "%.3f", n - s }'; }
# median of the arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# report NAME VALUE UNIT GOAL-TEXT
report() { printf '%-44s %10s %-6s %s\n' "$1" "$2" "$3" "$4"; }
