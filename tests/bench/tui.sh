#!/usr/bin/env bash
# The dashboard's figures, side by side in one run:
#   start-up to the first full frame (goal <= 50 ms, no VM boot)
#   bytes written to the terminal while the console receives 10 MB of
#     text, and the time until its end shows, vs tmux showing the same
#     stream in a pane of the same size (goal <= 0.5x tmux's bytes, time
#     <= tmux's)
#   idle CPU for 60 s with the dashboard open on the running embedded
#     target (goal <= 0.2% of a core; htop ~1%: measured if installed)
#   key press -> screen latency p99 while the kernel log is flooded
#     (goal <= 20 ms)
# Uses the release build; the terminal is tests/bench/ptyrun.c on a pty.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KMDASH=$T_BUILD/kmdash
[ -x "$KMDASH" ] || { echo "bench tui: $KMDASH missing: run 'make'" >&2; exit 1; }
PTYRUN=$T_TMP/ptyrun
cc -O2 -Wall -o "$PTYRUN" "$T_ROOT/tests/bench/ptyrun.c" -lutil || exit 1
export TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
mkdir -p "$XDG_CONFIG_HOME"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

# --- a target with a serial socket this script feeds, no VM -----------------
S=$T_TMP/serial.sock
CFG=$T_TMP/config.json
cat >"$CFG" <<EOC
{ "targets": [ { "name": "bench", "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
                 "serial": { "socket": "$S" } } ] }
EOC
mkfifo "$T_TMP/line"
exec 8<>"$T_TMP/line"
socat UNIX-LISTEN:"$S",unlink-early,fork PIPE:"$T_TMP/line"\!\!OPEN:/dev/null &
track_pid $!
wait_until 5 test -S "$S"

# start-up
runs=()
for _ in 1 2 3 4 5; do
	runs+=("$("$PTYRUN" 200 50 first Quit -- "$KMDASH" --config "$CFG")")
done
m=$(median "${runs[@]}")
report "start-up to the first full frame (200x50)" "$m" ms "goal <= 50 ms: $(ratio "$m" 50)x of the goal"

# 10 MB through the console: kmdash --pane console at 100x40 shows the
# console in 98x36 cells; tmux gets a 98x36 window (status off).
python3 - "$T_TMP/stream" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    n = 0
    i = 0
    while n < 10 * 1024 * 1024:
        l = "line %07d the quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n" % i
        f.write(l)
        n += len(l)
        i += 1
    f.write("END-OF-STREAM\r\n")
PY
# A line of its own (one reader) for the stream.
S2=$T_TMP/serial2.sock
sed "s|$S|$S2|" "$CFG" >"$T_TMP/config2.json"
mkfifo "$T_TMP/line2"
exec 7<>"$T_TMP/line2"
socat UNIX-LISTEN:"$S2",unlink-early PIPE:"$T_TMP/line2"\!\!OPEN:/dev/null &
track_pid $!
wait_until 5 test -S "$S2"
read -r kb kt < <("$PTYRUN" 100 40 stream Quit "cat $T_TMP/stream >$T_TMP/line2" END-OF-STREAM -- \
	"$KMDASH" --config "$T_TMP/config2.json" --pane console)
TSOCK=$T_TMP/tmux.sock
read -r tb tt < <("$PTYRUN" 98 36 stream READY "socat -u FILE:$T_TMP/stream UNIX-CONNECT:$T_TMP/tmux-line.sock" END-OF-STREAM -- \
	tmux -S "$TSOCK" -f /dev/null new-session "echo READY; socat -u UNIX-LISTEN:$T_TMP/tmux-line.sock,unlink-early - ; sleep 30" \; set status off)
tmux -S "$TSOCK" kill-server 2>/dev/null
report "console 10 MB: bytes to the terminal" "$kb" B "tmux: $tb B; ratio $(ratio "$kb" "$tb") (goal <= 0.5)"
report "console 10 MB: time until the end shows" "$kt" ms "tmux: $tt ms; ratio $(ratio "$kt" "$tt") (goal <= 1)"

# --- the running embedded target ---------------------------------------------
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	echo "bench tui: the embedded target is not built: idle CPU and latency skipped" >&2
	exit 0
fi
vm_start qemu >/dev/null || { echo "bench tui: the VM did not boot" >&2; exit 1; }
idle=$("$PTYRUN" 200 50 idle Quit 60 -- "$KMDASH")
htop_txt="htop not installed: ~1% of a core as commonly measured"
if command -v htop >/dev/null; then
	h=$("$PTYRUN" 200 50 idle "PID" 60 -- htop -d 20)
	htop_txt="htop -d 20 measured: $h%; ratio $(ratio "$idle" "$h")"
fi
report "idle CPU, 60 s, dashboard on the target" "$idle" "%" "goal <= 0.2%: $(ratio "$idle" 0.2)x of the goal; $htop_txt"

# Flood the kernel log from the guest while ? opens and Esc closes help.
vm_ssh qemu 'i=0; while [ $i -lt 200000 ]; do echo "flood line $i" >/dev/kmsg; i=$((i+1)); done' >/dev/null 2>&1 &
FLOOD=$!
track_pid $FLOOD
sleep 1
read -r p50 p99 < <("$PTYRUN" 200 50 latency Quit "?" "kmdash keys" $'\033' 100 -- "$KMDASH")
kill "$FLOOD" 2>/dev/null
report "key -> screen p99, kernel log flooded" "$p99" ms "p50 $p50 ms; goal <= 20 ms: $(ratio "$p99" 20)x of the goal"
