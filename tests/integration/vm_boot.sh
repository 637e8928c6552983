#!/usr/bin/env bash
# core/vm/vm boots the embedded guest (through tests/integration/vmdrive):
# the boot stages in order, SSH through the files it writes (the
# layout `make vm-start` uses too), QMP status, a reset that comes back to the
# ready marker, and quit: exit seen through the pidfd, no QEMU left.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
# vmdrive boots the configuration's default target: the embedded one.
export XDG_CONFIG_HOME=$T_TMP/no-config

drive="$T_BUILD/asan/tests/integration/vmdrive"
[ -x "$drive" ] || { not_ok "vmdrive is built (make asan)"; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "vm boot" "the embedded target is not built (make target)"
	exit 0
fi

name=vmboot
T_VMS+=("$name")
out=$("$drive" --name "$name" start wait:ssh-ready:60 status info 2>&1)
rc=$?
printf '%s\n' "$out"
check "vmdrive boots the guest to ssh-ready" test "$rc" -eq 0
stages=$(grep -oE '^stage [a-z-]+' <<<"$out" | cut -d' ' -f2 | tr '\n' ' ')
check "the stages come in order: $stages" \
	test "$stages" = "launching started kernel init marker ssh-ready "
check "QMP query-status says running" contains "$out" "status running"
pid=$(sed -n 's/^info pid \([0-9]*\) .*/\1/p' <<<"$out")
dir=$(vm_dir "$name")
check "the runtime directory is private (0700)" \
	test "$(stat -c %a "$dir")" = 700
check "the pid file names the running QEMU" \
	test "$(cat "$dir/qemu.pid" 2>/dev/null)" = "$pid"
check "ssh with the written ssh_config and known_hosts (strict)" \
	vm_ssh "$name" true
out=$(vm status --name "$name" 2>&1)
check "kmdash vm status sees the VM as its own" contains "$out" "running, pid $pid"
check "the console log holds the ready marker" \
	grep -q "$(target_env READY_MARKER)" "$dir/serial.log"

# A second start of the same name is refused in one line.
out=$("$drive" --name "$name" start 2>&1)
check "starting a running VM again is refused" \
	contains "$out" "error: start: VM '$name' is already running (pid $pid"

# Attach (as a later kmdash would), reset, then quit.
out=$("$drive" --name "$name" attach wait:ssh-ready:30 reset \
	wait-event:RESET:10 wait:marker:60 wait:ssh-ready:30 status quit \
	wait:exited:15 2>&1)
rc=$?
printf '%s\n' "$out"
check "attach, reset and quit run through" test "$rc" -eq 0
check "system_reset is observed as a RESET event" contains "$out" "event RESET"
after=$(sed -n '/^event RESET/,$p' <<<"$out")
check "after the reset the guest boots again (kernel banner)" \
	contains "$after" "stage kernel"
check "... and comes back to the ready marker" contains "$after" "stage marker"
check "... and to ssh" contains "$after" "stage ssh-ready"
check "quit gives the SHUTDOWN event" contains "$out" "event SHUTDOWN"
check "the exit is detected (pidfd)" contains "$out" "stage exited"
check "... as asked for" contains "$out" "reason: asked to quit"
# The pidfd fires at exit; init reaps the daemon a moment later.
check "no QEMU left" wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"
check "the runtime directory is removed" test ! -e "$dir"
