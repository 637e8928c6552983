#!/usr/bin/env bash
# A pty pair stands in for a USB serial adapter: socat opens one (openpty)
# and links its slave at a device path, as udev would. Bytes flow both ways
# at the configured baud; removing the device and plugging it in again
# reconnects by itself. The adapter is a raw source: newline mode is on.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

drive="$T_BUILD/asan/tests/integration/consoledrive"
[ -x "$drive" ] || { not_ok "consoledrive is built (make asan)"; exit 1; }
dev=$T_TMP/ttyUSB0
log=$T_TMP/drive.log
got=$T_TMP/adapter.out
: >"$got"

# plug: the adapter appears at $dev; bytes written to fd 7 go down the
# line, bytes the drive sends are appended to $got.
plug()
{
	rm -f "$T_TMP/fifo"
	mkfifo "$T_TMP/fifo"
	socat PTY,link="$dev",rawer STDIO <"$T_TMP/fifo" >>"$got" 2>/dev/null &
	adapter=$!
	track_pid $adapter
	exec 7>"$T_TMP/fifo"
	wait_until 5 test -e "$dev"
}

unplug()
{
	exec 7>&-
	kill "$adapter"
	wait "$adapter" 2>/dev/null
	return 0
}

"$drive" --tty "$dev" --baud 57600 --retry 100 --newline --size 10x40 \
	wait-connected:10 'send:ping\r' wait-screen:pong:20 \
	wait-disconnected:20 wait-connected:20 wait-screen:again:20 dump \
	>"$log" 2>&1 &
dpid=$!
track_pid $dpid

check "before the adapter is plugged in: waiting for the device" \
	wait_until 5 grep -q "serial waiting: waiting for $dev" "$log"
plug
check "plugged in: connected at the configured rate, 8N1" \
	wait_until 10 grep -q "serial connected: connected to $dev at 57600 8N1" "$log"
check "the tty itself is set to 57600 (stty)" \
	test "$(stty -F "$dev" speed 2>/dev/null)" = 57600
check "keyboard bytes reach the adapter unchanged (ping CR)" \
	wait_until 10 grep -q $'^ping\r$' "$got"
printf 'pong\nline2\n' >&7
check "bytes from the adapter reach the screen" \
	wait_until 10 grep -q "screen-has pong" "$log"

unplug
check "unplugged: the source says disconnected" \
	wait_until 10 grep -q "serial disconnected: " "$log"
plug
check "plugged in again: reconnects by itself" \
	wait_until 10 bash -c "[ \$(grep -c 'serial connected' '$log') -ge 2 ]"
printf 'again\n' >&7
wait "$dpid"
rc=$?
cat "$log"
check "the line works after the reconnect" \
	contains "$(cat "$log")" "screen-has again"
check "newline mode: a bare LF starts the next line at column 0" \
	contains "$(cat "$log")" "|line2"
check "the drive ends well" test "$rc" -eq 0
unplug
