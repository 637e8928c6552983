#!/usr/bin/env bash
# Idle CPU of `kmdash dmesg -f` on the embedded target (its SSH link with
# the 1 Hz RTT probe, the kernel-log stream, nothing logged) against
# OpenSSH `ssh -o ServerAliveInterval=1 target cat /dev/kmsg` (a keepalive
# each second, the same stream), side by side over the same window:
# CPU time from /proc/PID/task/*/schedstat before and after (ns; utime +
# stime from /proc/PID/stat, in 10 ms ticks, beside it), and the context
# switches (wake-ups) per second.
#   KMDASH_BENCH_IDLE_SECS   the window (default 60)
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

SECS=${KMDASH_BENCH_IDLE_SECS:-60}
HZ=$(getconf CLK_TCK)
vm_start qemu >/dev/null || { echo "boot failed"; exit 1; }
cfg=$(vm_dir qemu)/ssh_config
"$KMDASH" dmesg -f >"$T_TMP/k.out" 2>&1 &
kpid=$!
track_pid $kpid
ssh -F "$cfg" -o ServerAliveInterval=1 kmdash-target cat /dev/kmsg >"$T_TMP/o.out" 2>&1 &
opid=$!
track_pid $opid
# Connected, the boot log replayed: then idle.
wait_until 30 test -s "$T_TMP/k.out" || { echo "kmdash dmesg -f printed nothing"; exit 1; }
wait_until 30 test -s "$T_TMP/o.out" || { echo "ssh cat /dev/kmsg printed nothing"; exit 1; }
sleep 3
ctx() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }
kn0=$(cpu_ns $kpid) on0=$(cpu_ns $opid)
k0=$(cpu_ticks $kpid) o0=$(cpu_ticks $opid) kc0=$(ctx $kpid) oc0=$(ctx $opid) t0=$(now)
sleep "$SECS"
kn1=$(cpu_ns $kpid) on1=$(cpu_ns $opid)
k1=$(cpu_ticks $kpid) o1=$(cpu_ticks $opid) kc1=$(ctx $kpid) oc1=$(ctx $opid) t=$(elapsed "$t0")
kill -0 $kpid 2>/dev/null || { echo "kmdash dmesg -f ended early"; cat "$T_TMP/k.out" | tail -5; exit 1; }
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
