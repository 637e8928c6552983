#!/usr/bin/env bash
# A user's module benchmarked in the dashboard: its own benchmark program
# (a shell script printing kmod/README.md's JSON lines,
# tests/fixtures/bench/twofile_bench.sh) goes with the module, and the
# bench pane draws what it printed. Without one configured, the bench pane
# and B say how to add one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "a user's benchmark in the bench pane" "the embedded target is not built (make target)"
	exit 0
fi
T_VMS+=(qemu) # kmdash run boots it; stopped at the end
private_cache
MOD=$T_TMP/twofile
cp -r "$T_ROOT/tests/fixtures/kmod_twofile" "$MOD"
PROG=$T_ROOT/tests/fixtures/bench/twofile_bench.sh
# What the program's summary says, as its source marks it.
TOTAL=$(sed -n 's/^# the summary line: total \([0-9]*\) ops\/s$/\1/p' "$PROG")
[ -n "$TOTAL" ] || { not_ok "the bench fixture marks its summary"; exit 1; }
CFG=$T_TMP/xdg/kmdash/config.json
mkdir -p "${CFG%/*}"
config() # BENCH-JSON: the embedded target with the module (and a bench)
{
	cat >"$CFG" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
	"module": { "dir": "$MOD" }$1 } ] }
EOC
}

config ""
out=$(XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state \
	"$KMDASH" run build deploy load 2>&1)
check "the module is built, deployed and loaded" test $? -eq 0 ||
	{ echo "$out"; exit 1; }

dash_run nob 200 50 "$KMDASH"
check "no bench configured: the bench pane says how to get one" \
	wait_screen nob "no benchmark configured: B says how to add one" 30
check "... the link comes up" wait_screen nob "link UP" 30
keys nob B
check "B says how to add one" wait_screen nob "no benchmark for twofile: add" 5
check "... naming the config key" wait_screen nob '"bench": { "argv":' 1
check "the dashboard quits" quits nob

config ', "bench": { "argv": ["'"$PROG"'", "3"] }'
dash_run ben 200 50 "$KMDASH"
check "with a bench program: the link comes up" wait_screen ben "link UP" 30
# a: the program is uploaded with the module, then run
keys ben a
check "a runs the cycle to its end" wait_screen ben "last: cycle ok" 60
# The bench pane alone: focused (5) and zoomed (z); the status bar (the
# first line, which names the module) left out.
keys ben 5 z
bench_pane() { screen ben | sed 1d | sed -n '/5 Bench/,$p'; }
shows() { bench_pane | grep -qF -- "$1" || { bench_pane >&2; return 1; }; }
check "the bench pane draws the program's summary ($TOTAL ops/s)" shows "$TOTAL"
check "... and names its engine" shows "twofile"
# no user-space baseline: one series, and nothing pretends otherwise
lacks() { ! bench_pane | grep -qE -- "$1" || { bench_pane >&2; return 1; }; }
check "... one series: no user row" lacks "(^|[│| ])user "
check "... and no ratio" lacks "/user"
check "the dashboard quits" quits ben
