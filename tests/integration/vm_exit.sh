#!/usr/bin/env bash
# How a VM went, when kmdash did not ask it to (through
# tests/integration/vmdrive attached to it, as a dashboard would be): the
# guest powered off, or QEMU was killed (kill -9: no word from it).
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
export XDG_CONFIG_HOME=$T_TMP/no-config

drive="$T_BUILD/asan/tests/integration/vmdrive"
[ -x "$drive" ] || { not_ok "vmdrive is built (make asan)"; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "vm exit" "the embedded target is not built (make target)"
	exit 0
fi

name=vmexit
T_VMS+=("$name")
# watch: vmdrive attached until the VM exits, its output in $T_TMP/watch
watch()
{
	"$drive" --name "$name" attach wait:ssh-ready:30 wait:exited:60 \
		>"$T_TMP/watch" 2>&1 &
	WATCH=$!
	track_pid $WATCH
	wait_until 30 grep -q 'stage ssh-ready' "$T_TMP/watch"
}

check "the VM boots" vm_start "$name"
watch
vm_ssh "$name" poweroff </dev/null
wait "$WATCH"
out=$(cat "$T_TMP/watch")
check "a poweroff in the guest: the exit is seen" contains "$out" "stage exited"
check "... said as the guest powering off" contains "$out" "reason: the guest powered off"

check "the VM boots again" vm_start "$name"
watch
kill -KILL "$(cat "$(vm_dir "$name")/qemu.pid")"
wait "$WATCH"
out=$(cat "$T_TMP/watch")
check "QEMU killed -9: the exit is seen" contains "$out" "stage exited"
check "... said as QEMU killed" contains "$out" "was killed (a signal or a crash"
