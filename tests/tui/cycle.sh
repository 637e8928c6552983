#!/usr/bin/env bash
# Against the embedded target (the dashboard boots it): `a` runs the full
# cycle (the build pane shows the compile and its result, the status bar
# the deploy progress, the kernel log the module's load lines, the bench
# pane a graph and a summary), `u` unloads and the log shows it. The
# session is recorded with --record and the cast is checked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "full cycle in the dashboard" "the embedded target is not built (make target)"
	exit 0
fi
T_VMS+=(qemu) # the dashboard boots it; stopped at the end
CAST=$T_TMP/demo.cast

# The build must compile something: the module's source is newer.
touch "$T_ROOT/kmod/storage_hash.c"
dash_run cyc 160 45 "$KMDASH" --record "$CAST"
check "the dashboard boots the target and the link comes up" \
	wait_screen cyc "link UP" 90
keys cyc a
check "a: the status bar shows the cycle running" wait_screen cyc "cycle > " 10
# Watch the whole cycle, noting the transient states as they show.
seen=" "
deadline=$((SECONDS + 180))
while [ $SECONDS -le $deadline ]; do
	scr=$(screen cyc)
	for w in "> build" "> deploy" "KiB/" "> load" "> bench" "running"; do
		case "$seen" in *"|$w|"*) continue ;; esac
		grep -qF -- "$w" <<<"$scr" && seen="$seen|$w|"
	done
	# the module state as the steps leave it, not at the next query
	if grep -qF -- "> bench" <<<"$scr"; then
		for w in "storage_hash loaded" "storage_hash not loaded"; do
			case "$seen" in *"|bench: $w|"*) continue ;; esac
			grep -qF -- "$w" <<<"$scr" && seen="$seen|bench: $w|"
		done
	fi
	grep -qF "last: cycle" <<<"$scr" && break
	sleep 0.01
done
echo "# seen during the cycle: $seen"
saw() { case "$seen" in *"|$1|"*) return 0 ;; esac; return 1; }
check "the status bar showed the build step" saw "> build"
check "the status bar showed the deploy step" saw "> deploy"
check "the status bar showed the deploy progress in KiB" saw "KiB/"
check "the status bar showed the bench step" saw "> bench"
check "the bench pane showed the run going" saw "running"
check "during the bench the status bar says the module is loaded" \
	saw "bench: storage_hash loaded"
not_saw() { ! saw "$1"; }
check "... and never that it is not" not_saw "bench: storage_hash not loaded"
check "the cycle ends ok" wait_screen cyc "last: cycle ok" 5
check "the build pane shows the result" wait_screen cyc "build ok in"
check "the kernel log shows the module's load lines" \
	wait_screen cyc "storage_hash: loaded"
bench_graph()
{
	# braille dots between the ops/s title and the latency graph
	screen cyc | sed -n '/ops\/s/,/latency/p' | grep -qP '[\x{2801}-\x{28ff}]' && return 0
	screen cyc | tail -20 >&2
	return 1
}
check "the bench pane draws a graph" bench_graph
check "the bench pane shows the summary table" wait_screen cyc "ops/s"
check "the bench summary has p99" wait_screen cyc "p99 us"
# kmod and the user-space baseline side by side: a row each, and the ratio
row_of() { screen cyc | grep -qE "(^|[│| ])$1 +[0-9.]+[kM]? " || { screen cyc | tail -20 >&2; return 1; }; }
check "the bench pane has a row for the module (kmod)" row_of kmod
check "... one for the user-space baseline" row_of user
check "... and their ratio" row_of kmod/user
check "... and the verdict: the first set has no history to judge by" \
	wait_screen cyc "not enough history" 5
# H: the trend, a line per set with its commit (the checkout's: the
# module is the checkout's example)
commit=$(git -C "$T_ROOT" rev-parse --short=7 HEAD)
keys cyc H
check "H: the trend view lists the runs by commit" \
	wait_screen cyc "trend: ops/s by commit" 5
check "... with the module's commit" wait_screen cyc "$commit" 5
keys cyc H
# L: the action log, the last load as the command that does the same
keys cyc L
check "L: the action log shows the command of the last load" \
	wait_screen cyc "kmdash-target 'insmod /tmp/kmdash/storage_hash.ko'" 5
check "... as ssh -F the VM's ssh_config" \
	wait_screen cyc "ssh -F $KMDASH_RUNTIME_DIR/vm-qemu/ssh_config" 5
keys cyc L
# sebench prefilled 10000 keys and leaves them: the live counters say so.
check "the bench pane shows the module's live counters" \
	wait_screen cyc "live  items 10000" 10
# A key stored on the target behind kmdash's back: the live counters
# follow it (asked for while the bench pane shows them, from the shell's
# builtins: deploy_stats()).
vm_ssh qemu /tmp/kmdash/sectl put livekey livevalue
check "... and follow a change made on the target" \
	wait_screen cyc "live  items 10001" 40
# T: wall-clock times; the load line's must be this machine's time now.
wall_time_ok()
{
	local t now
	t=$(screen cyc | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}.{0,40}storage_hash: loaded' | tail -1 | cut -c1-8)
	[ -n "$t" ] || { screen cyc | grep -F 'storage_hash' >&2; return 1; }
	now=$(date +%H:%M:%S)
	# within 5 minutes of now (the cycle took less), across midnight too
	awk -v a="$t" -v b="$now" 'BEGIN { split(a, x, ":"); split(b, y, ":");
		d = (y[1] * 3600 + y[2] * 60 + y[3]) - (x[1] * 3600 + x[2] * 60 + x[3]);
		if (d < 0) d += 86400; exit !(d < 300) }'
}
keys cyc T
check "T: kernel log times are wall-clock times of now" \
	wait_until 5 wall_time_ok
keys cyc T
check "T again: times since boot" wait_screen cyc "kernel log times: since boot" 5
keys cyc u
check "u: the kernel log shows the unload" wait_screen cyc "storage_hash: unloaded" 60
check "u: the status bar says not loaded" wait_screen cyc "storage_hash not loaded" 30
# (said as the unload succeeds: the job itself ends once the log caught up)
check "u: the unload job ends ok" wait_screen cyc "last: unload ok" 30
check "quits" quits cyc

cast_ok()
{
	python3 - "$CAST" "$@" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
h = json.loads(lines[0])
assert h["version"] == 2 and h["width"] == 160 and h["height"] == 45, h
text = ""
last = 0.0
for l in lines[1:]:
    t, kind, data = json.loads(l)
    assert t >= last, (t, last)
    last = t
    if kind == "o":
        text += data
for want in sys.argv[2:]:
    assert want in text, "not in the recording: " + want
pass
PY
}
check "--record: a valid asciicast v2 file with the session in it" \
	cast_ok "1 Console" "storage_hash: loaded" "last: cycle ok"
check "the recording has the compile" cast_ok "CC [M]" "storage_hash.o"
