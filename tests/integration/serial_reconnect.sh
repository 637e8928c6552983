#!/usr/bin/env bash
# The serial source reconnects by itself when QEMU restarts: the socket
# goes away with the old QEMU and comes back with the new one.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

drive="$T_BUILD/asan/tests/integration/consoledrive"
[ -x "$drive" ] || { not_ok "consoledrive is built (make asan)"; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "serial reconnect" "the embedded target is not built (make target)"
	exit 0
fi
vm_start rec >/dev/null || { not_ok "the guest boots"; exit 1; }
sock=$(vm_dir rec)/serial.sock
log=$T_TMP/drive.log
"$drive" --unix "$sock" wait-connected:10 wait-disconnected:60 \
	wait-connected:90 'wait-screen:kmdash-target:/#:90' \
	'send:echo back-$((40+2))\r' \
	wait-screen:back-42:30 >"$log" 2>&1 &
dpid=$!
track_pid $dpid

check "connected to the first QEMU" \
	wait_until 10 grep -q "serial connected" "$log"
vm stop --name rec >/dev/null
check "QEMU stopped: the source says so" \
	wait_until 20 grep -q "serial disconnected: disconnected: EOF" "$log"
vm_start rec >/dev/null
check "QEMU started again: the source reconnects by itself" \
	wait_until 30 bash -c "[ \$(grep -c 'serial connected' '$log') -ge 2 ]"
# Keys typed before the guest's shell runs are dropped by the guest: the
# drive waits for the new boot's prompt before typing.
wait "$dpid"
rc=$?
cat "$log"
check "the console works after the reconnect (back-42 on the screen)" \
	contains "$(cat "$log")" "screen-has back-42"
check "the drive ends well" test "$rc" -eq 0
check "two connections were made" contains "$(cat "$log")" "connects 2"
