#!/usr/bin/env bash
# Idle CPU of `kmdash dmesg -f` on the embedded target (its SSH link with
# the 1 Hz RTT probe, the kernel-log stream, nothing logged) against
# OpenSSH `ssh -o ServerAliveInterval=1 target cat /dev/kmsg` (a keepalive
# each second, the same stream), side by side over the same window:
# CPU time from /proc/PID/task/*/schedstat before and after (ns; utime +
# stime from /proc/PID/stat, in 10 ms ticks, beside it), and the context
# switches (wake-ups) per second. In the same window, the dashboard
# (release build, in a 160x45 tmux window) open on the same target with
# the module loaded and watch mode on (w), nothing changing, at rest (the
# window starts ui.rest_after_ms after the last key): goal <= 1.5x
# the CPU of kmdash dmesg -f (issue 12). tmux's own CPU for drawing is
# not counted (it is the terminal's).
#   KMDASH_BENCH_IDLE_SECS   the window (default 60)
#   KMDASH_BENCH_BEFORE      another kmdash binary: its dashboard too
#   KMDASH_BENCH_IDLE_PERF   a file: perf's profile of the dashboard over
#                            the window (perf report -i FILE)
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
cd "$T_ROOT"

SECS=${KMDASH_BENCH_IDLE_SECS:-60}
HZ=$(getconf CLK_TCK)
vm_start qemu >/dev/null || { echo "boot failed"; exit 1; }
cfg=$(vm_dir qemu)/ssh_config
# The module loaded, then the dashboard on it, watching its sources.
private_cache
cp -r kmod "$T_TMP/mod"
"$KMDASH" --module "$T_TMP/mod" run build reload >"$T_TMP/load.log" 2>&1 || { cat "$T_TMP/load.log"; exit 1; }
# open_dash NAME KMDASH: that dashboard in tmux session NAME, watching;
# its PID in $dash_pid.
open_dash()
{
	dash_run "$1" 160 45 "KMDASH_CACHE_DIR=$KMDASH_CACHE_DIR" "$2" --module "$T_TMP/mod"
	wait_screen "$1" "link UP" 60 >/dev/null || { echo "$1: the dashboard's link did not come up"; return 1; }
	wait_screen "$1" "storage_hash loaded" 30 >/dev/null || { echo "$1: the dashboard does not show the module loaded"; return 1; }
	keys "$1" w
	w_at=$(now)
	wait_screen "$1" "watching mod/ (reload)" 10 >/dev/null || { echo "$1: w did not start watch mode"; return 1; }
	# the pane runs a shell (tmux.sh), whose child is kmdash
	dash_pid=$(ps --ppid "$(tm display-message -p -t "$1" '#{pane_pid}')" -o pid= | tr -d ' ')
	[ -n "$dash_pid" ] || { echo "$1: no dashboard process"; return 1; }
}
open_dash idle "$KMDASH" || exit 1
dpid=$dash_pid
# KMDASH_BENCH_BEFORE=path: another kmdash's dashboard (an older commit's
# build) in the same window, for a before/after of the same run.
bpid=
if [ -n "${KMDASH_BENCH_BEFORE:-}" ]; then
	open_dash before "$KMDASH_BENCH_BEFORE" || exit 1
	bpid=$dash_pid
fi
"$KMDASH" dmesg -f >"$T_TMP/k.out" 2>&1 &
kpid=$!
track_pid $kpid
ssh -F "$cfg" -o ServerAliveInterval=1 kmdash-target cat /dev/kmsg >"$T_TMP/o.out" 2>&1 &
opid=$!
track_pid $opid
# Connected, the boot log replayed: then idle.
wait_until 30 test -s "$T_TMP/k.out" || { echo "kmdash dmesg -f printed nothing"; exit 1; }
wait_until 30 test -s "$T_TMP/o.out" || { echo "ssh cat /dev/kmsg printed nothing"; exit 1; }
# Idle is nobody at the keys: the window starts when the dashboard is at
# rest (ui.rest_after_ms after its last key, w), as it is when left open.
REST_S=$("$KMDASH" config --print | python3 -c 'import json, sys; print(json.load(sys.stdin)["ui"]["rest_after_ms"] / 1000)')
rest_left=$(awk -v r="$REST_S" -v e="$(elapsed "$w_at")" 'BEGIN { d = r - e + 1; print (d > 3 ? d : 3) }')
echo "the window starts ${rest_left} s from now: the dashboard at rest (${REST_S} s after its last key)"
sleep "$rest_left"
# wake-ups: the voluntary switches (a sleep that ended); preemptions by a
# busy machine are not the process's doing.
ctx() { awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }
kn0=$(cpu_ns $kpid) on0=$(cpu_ns $opid) dn0=$(cpu_ns $dpid) dc0=$(ctx $dpid)
[ -z "$bpid" ] || bn0=$(cpu_ns $bpid) bc0=$(ctx $bpid)
k0=$(cpu_ticks $kpid) o0=$(cpu_ticks $opid) kc0=$(ctx $kpid) oc0=$(ctx $opid) t0=$(now)
if [ -n "${KMDASH_BENCH_IDLE_PERF:-}" ]; then
	perf record -q -F 4999 --call-graph dwarf,16384 -p "$dpid" \
		-o "$KMDASH_BENCH_IDLE_PERF" -- sleep "$SECS" >/dev/null 2>&1
else
	sleep "$SECS"
fi
kn1=$(cpu_ns $kpid) on1=$(cpu_ns $opid) dn1=$(cpu_ns $dpid) dc1=$(ctx $dpid)
[ -z "$bpid" ] || bn1=$(cpu_ns $bpid) bc1=$(ctx $bpid)
k1=$(cpu_ticks $kpid) o1=$(cpu_ticks $opid) kc1=$(ctx $kpid) oc1=$(ctx $opid) t=$(elapsed "$t0")
kill -0 $kpid 2>/dev/null || { echo "kmdash dmesg -f ended early"; cat "$T_TMP/k.out" | tail -5; exit 1; }
kill -0 $dpid 2>/dev/null || { echo "the dashboard ended early"; screen idle | tail -5; exit 1; }
screen idle | grep -qF "watching mod/ (reload)" || { echo "the dashboard stopped watching"; screen idle; exit 1; }
pct() { awk -v d="$1" -v hz="$HZ" -v t="$t" 'BEGIN { printf "%.3f", 100 * d / hz / t }'; }
pctn() { awk -v d="$1" -v t="$t" 'BEGIN { printf "%.4f", 100 * d / 1e9 / t }'; }
kp=$(pctn $((kn1 - kn0))) op=$(pctn $((on1 - on0)))
wk=$(awk -v d=$((kc1 - kc0)) -v t="$t" 'BEGIN { printf "%.1f", d / t }')
wo=$(awk -v d=$((oc1 - oc0)) -v t="$t" 'BEGIN { printf "%.1f", d / t }')
met=$(goal_max "$kp" 0.1)
echo "idle for ${t} s, embedded target (virt guest), nothing logged"
report "kmdash dmesg -f + link probe, CPU" "$kp" "%core" "goal <= 0.1%: $met; $(((kn1 - kn0) / 1000000)) ms CPU ($((k1 - k0)) ticks of 1/$HZ s), $wk wake-ups/s"
report "OpenSSH ssh cat /dev/kmsg, keepalive 1 s" "$op" "%core" "$(((on1 - on0) / 1000000)) ms CPU ($((o1 - o0)) ticks), $wo wake-ups/s"
report "kmdash / OpenSSH ssh, CPU" "$(ratio "$kp" "$op")" x ""
dp=$(pctn $((dn1 - dn0)))
wd=$(awk -v d=$((dc1 - dc0)) -v t="$t" 'BEGIN { printf "%.1f", d / t }')
report "dashboard watching, module loaded, CPU" "$dp" "%core" "$(((dn1 - dn0) / 1000000)) ms CPU, $wd wake-ups/s"
report "dashboard watching / kmdash dmesg -f, CPU" "$(ratio "$dp" "$kp")" x "goal <= 1.5x: $(goal_max "$(ratio "$dp" "$kp")" 1.5)"
if [ -n "$bpid" ]; then
	bp=$(pctn $((bn1 - bn0)))
	wb=$(awk -v d=$((bc1 - bc0)) -v t="$t" 'BEGIN { printf "%.1f", d / t }')
	report "before ($KMDASH_BENCH_BEFORE), CPU" "$bp" "%core" "$(((bn1 - bn0) / 1000000)) ms CPU, $wb wake-ups/s; / kmdash dmesg -f: $(ratio "$bp" "$kp")x; / after: $(ratio "$bp" "$dp")x"
fi
