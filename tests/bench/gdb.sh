#!/usr/bin/env bash
# gdb on the embedded target, side by side (issue: "Live debugging"):
#   g in the dashboard to gdb's prompt, the module's and the kernel's
#     symbols loaded (goal <= 1.5 s), and kmdash gdb from the command line
#     (its own SSH connection), vs the by-hand sequence: QMP gdbserver,
#     three cats over ssh for the section addresses, gdb with
#     add-symbol-file (the module's only: it has no kernel symbols);
#   a breakpoint hit: from the host starting the ioctl's command (in a
#     shell already open on the guest) to gdb printing its stop line
#     (goal <= 100 ms), on the host's clock.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "$KMDASH" ] || { echo "bench gdb: $KMDASH missing: run 'make'" >&2; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	echo "bench gdb: the embedded target is not built: skipped" >&2
	exit 0
fi
command -v gdb-multiarch >/dev/null || { echo "bench gdb: gdb-multiarch missing: make deps" >&2; exit 1; }
PTYRUN=$T_TMP/ptyrun
cc -O2 -Wall -o "$PTYRUN" "$T_ROOT/tests/bench/ptyrun.c" -lutil || exit 1
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
export TERM=xterm-256color LANG=C.UTF-8
T_VMS+=(qemu)
vm_start qemu >/dev/null 2>&1 || { echo "bench gdb: the VM did not start" >&2; exit 1; }
"$KMDASH" run deploy load >/dev/null 2>&1 || { echo "bench gdb: the load failed" >&2; exit 1; }
DIR=$(vm_dir qemu)
KO=$T_BUILD/kmod/storage_hash.ko

# --- g to gdb's prompt ------------------------------------------------------------
# kmdash gdb, once cold (the kernel's symbols fetched and made) and warm.
cli_gdb()
{
	local t0
	t0=$(date +%s%N)
	"$KMDASH" gdb -- -batch -ex 'echo kmdash-bench: ready\n' 2>&1 |
		grep -q 'kmdash-bench: ready' || { echo "bench gdb: kmdash gdb failed" >&2; exit 1; }
	ms_since "$t0"
}
rm -rf "$XDG_STATE_HOME/kmdash/qemu/gdb"
cold=$(cli_gdb)
cli=()
for _ in 1 2 3 4 5; do cli+=("$(cli_gdb)"); done
# g in the dashboard, outside tmux: it steps aside and gdb prompts there
dash=()
for _ in 1 2 3 4 5; do
	# (the status bar colours "link UP" in two pieces: the title is one)
	read -r ms _ < <(env -u TMUX "$PTYRUN" 200 50 latency "Tunnel" g "(gdb) " \
		$'detach\nquit\n' 1 -- "$KMDASH" --no-boot)
	dash+=("${ms%.*}")
	sleep 1
done
# by hand: the stub over QMP, the addresses over ssh, then gdb
hand=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N)
	printf '{"execute":"qmp_capabilities"}\n{"execute":"human-monitor-command","arguments":{"command-line":"gdbserver unix:%s/hand%d.sock,server=on,wait=off"}}\n' \
		"$DIR" "$i" | socat -t1 - UNIX-CONNECT:"$DIR/qmp.sock" >/dev/null
	text=$(ssh -F "$DIR/ssh_config" kmdash-target cat /sys/module/storage_hash/sections/.text)
	data=$(ssh -F "$DIR/ssh_config" kmdash-target cat /sys/module/storage_hash/sections/.data)
	bss=$(ssh -F "$DIR/ssh_config" kmdash-target cat /sys/module/storage_hash/sections/.bss)
	gdb-multiarch -q -nx -batch -ex 'set architecture aarch64' \
		-ex "target remote $DIR/hand$i.sock" \
		-ex "add-symbol-file $KO $text -s .data $data -s .bss $bss" \
		-ex 'echo kmdash-bench: ready\n' </dev/null 2>&1 | grep -q 'kmdash-bench: ready' ||
		{ echo "bench gdb: the by-hand gdb failed" >&2; exit 1; }
	hand+=("$(ms_since "$t0")")
done
# QEMU has one stub: the by-hand gdbserver took it over; it is given back
printf '{"execute":"qmp_capabilities"}\n{"execute":"human-monitor-command","arguments":{"command-line":"gdbserver unix:%s/gdb.sock,server=on,wait=off"}}\n' \
	"$DIR" | socat -t1 - UNIX-CONNECT:"$DIR/qmp.sock" >/dev/null
chmod 600 "$DIR/gdb.sock"
dm=$(median "${dash[@]}")
cm=$(median "${cli[@]}")
hm=$(median "${hand[@]}")
report "g -> gdb's prompt, module + kernel symbols" "$dm" ms \
	"spread $(spread "${dash[@]}") ms; goal <= 1500 ms: $(ratio "$dm" 1500)x of it; by hand (QMP gdbserver, 3 ssh cats, gdb add-symbol-file, no kernel symbols): $hm ms (spread $(spread "${hand[@]}")), ratio $(ratio "$dm" "$hm")"
report "kmdash gdb -> prompt (own SSH connection)" "$cm" ms \
	"spread $(spread "${cli[@]}") ms; goal <= 1500 ms: $(ratio "$cm" 1500)x of it; the first, the kernel's symbols made from kallsyms: $cold ms; ratio to by hand $(ratio "$cm" "$hm")"

# --- a breakpoint hit ----------------------------------------------------------
# sectl stats makes two ioctls (version, stats); sh_ioctl_stats() runs
# for the second alone: one stop per command (a condition on sh_ioctl
# would stop on both, and each step over a breakpoint makes TCG flush
# its translations).
N=9
{
	echo "set pagination off"
	echo "break sh_ioctl_stats"
	echo "python import time"
	for i in $(seq "$N"); do
		echo "echo kmdash-bench: go $i\\n"
		echo "continue"
		echo "python print('kmdash-bench: hit $i %d' % time.time_ns())"
	done
	echo "delete"
	echo "detach"
} >"$T_TMP/hits.gdb"
# a shell on the guest, open before: the command starts at once
mkfifo "$T_TMP/guest"
ssh -F "$DIR/ssh_config" kmdash-target 'cd /tmp/kmdash && exec sh' <"$T_TMP/guest" >"$T_TMP/guest.out" 2>&1 &
track_pid $!
exec 7>"$T_TMP/guest"
# without gdb first: the same command, to its output back on the host
base=()
for i in $(seq "$N"); do
	: >"$T_TMP/guest.out"
	t0=$(date +%s%N)
	echo "./sectl stats >/dev/null; echo kmdash-bench: done $i" >&7
	wait_until 30 grep -q "kmdash-bench: done $i" "$T_TMP/guest.out" ||
		{ echo "bench gdb: the guest's shell does not answer" >&2; exit 1; }
	base+=("$(ms_since "$t0")")
	sleep 1
done
# QEMU's own STOP events (host time) split the figure: the guest's part
# (the command, the ioctl) and gdb's (the stop reported and printed)
(printf '{"execute":"qmp_capabilities"}\n'; sleep 600) |
	socat - UNIX-CONNECT:"$DIR/events.sock" >"$T_TMP/events.out" 2>&1 &
track_pid $!
"$KMDASH" gdb -- -batch -x "$T_TMP/hits.gdb" >"$T_TMP/hits.out" 2>&1 </dev/null &
gdbp=$!
track_pid "$gdbp"
hits=() guest=() gdbpart=()
for i in $(seq "$N"); do
	wait_until 30 grep -q "kmdash-bench: go $i\$" "$T_TMP/hits.out" ||
		{ echo "bench gdb: gdb did not continue" >&2; exit 1; }
	# the continue reaches the stub, TCG translates again after the step
	sleep 1
	t0=$(date +%s%N)
	echo './sectl stats >/dev/null' >&7
	wait_until 30 grep -q "kmdash-bench: hit $i " "$T_TMP/hits.out" ||
		{ echo "bench gdb: no stop" >&2; exit 1; }
	t1=$(sed -n "s/^kmdash-bench: hit $i \\([0-9]*\\)\$/\\1/p" "$T_TMP/hits.out")
	hits+=("$(((t1 - t0) / 1000000))")
	# the first STOP after t0: when QEMU stopped the guest at the breakpoint
	stop=$(python3 -c '
import json, sys
t0 = int(sys.argv[2])
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    ts = e.get("timestamp", {})
    ns = ts.get("seconds", 0) * 10**9 + ts.get("microseconds", 0) * 1000
    if e.get("event") == "STOP" and ns >= t0:
        print(ns)
        break' "$T_TMP/events.out" "$t0")
	if [ -n "$stop" ]; then
		guest+=("$(((stop - t0) / 1000000))")
		gdbpart+=("$(((t1 - stop) / 1000000))")
	fi
done
wait "$gdbp"
exec 7>&-
bm=$(median "${hits[@]}")
bb=$(median "${base[@]}")
report "ioctl started on the host -> gdb's stop line" "$bm" ms \
	"spread $(spread "${hits[@]}") ms over $N; goal <= 100 ms: $(ratio "$bm" 100)x of it (host clock, a shell open on the guest; timed by gdb's python after the stop line); the same command without gdb, to its output back on the host: $bb ms (spread $(spread "${base[@]}")), ratio $(ratio "$bm" "$bb")"
report "... of which the guest's, to QEMU's STOP" "$(median "${guest[@]}")" ms \
	"spread $(spread "${guest[@]}") ms: the command over ssh, exec, the ioctl"
report "... and gdb's, STOP to its stop line" "$(median "${gdbpart[@]}")" ms \
	"spread $(spread "${gdbpart[@]}") ms: the stub, the stop reported, the frame printed"
