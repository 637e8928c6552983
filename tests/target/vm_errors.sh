#!/usr/bin/env bash
# `kmdash vm` (make vm-start) with bad surroundings: a port in use, no
# QEMU, an unknown machine, a stale runtime directory left by a crashed
# run. One clear line each, or a clean recovery.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

# A port already taken on 127.0.0.1.
port=$((30000 + RANDOM % 20000))
socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork /dev/null &
track_pid $!
wait_until 3 bash -c "ss -Hltn 'sport = :$port' | grep -q ."
out=$(vm start --name busy --port "$port" 2>&1)
rc=$?
check "an occupied port fails the start" test "$rc" -ne 0
check "... with a message naming the port and what to do" \
	contains "$out" "port $port on 127.0.0.1 is in use"
check "... in one line" test "$(wc -l <<<"$out")" -eq 1

# No QEMU binary.
out=$(QEMU=qemu-system-aarch64-missing vm start --name noqemu 2>&1)
rc=$?
check "a missing QEMU fails the start" test "$rc" -ne 0
check "... telling to run make deps" contains "$out" "run 'make deps'"

# Unknown machine.
out=$(vm start --name odd --machine raspi9 2>&1)
check "an unknown machine is refused by name" \
	contains "$out" "unknown machine 'raspi9'"

# A runtime dir left by a crashed run: its pid file names a process that
# is not QEMU (our own shell: alive, so a naive check would trust it).
stale=$(vm_dir stale)
mkdir -p -m 700 "$KMDASH_RUNTIME_DIR" "$stale"
echo $$ >"$stale/qemu.pid"
echo 1 >"$stale/port"
: >"$stale/serial.sock"
out=$(vm_start stale 2>&1)
rc=$?
check "a stale runtime directory does not block a start" test "$rc" -eq 0
check "... and the start says it cleaned it up" \
	contains "$out" "removed the stale runtime directory of a VM that is gone ($stale)"
check "... and the new VM answers over ssh" vm_ssh stale true

# A second start of a running VM: refused, and the VM is untouched.
pid=$(cat "$stale/qemu.pid")
out=$(vm start --name stale 2>&1)
rc=$?
check "starting a running VM again fails" test "$rc" -eq 1
check "... saying so, with its pid" \
	contains "$out" "VM 'stale' is already running (pid $pid, ssh port $(cat "$stale/port"))"
check "... and how to use or stop it" \
	contains "$out" "'kmdash vm ssh --name stale' to use it, 'kmdash vm stop --name stale' to stop it"
check "... in one line" test "$(wc -l <<<"$out")" -eq 1
check "... and the VM still answers" vm_ssh stale true

vm stop --name stale >/dev/null
out=$(vm stop --name stale 2>&1)
check "stopping a VM that is not running is not an error" \
	contains "$out" "is not running"

# A stale directory is also what stop cleans up.
mkdir -p -m 700 "$stale"
echo $$ >"$stale/qemu.pid"
out=$(vm stop --name stale 2>&1)
check "stop removes the runtime directory of a VM that is gone" \
	test ! -e "$stale"
check "... and says so" contains "$out" "removed its stale runtime directory"

# A guest that stops before its SSH server: the start fails and shows the
# last console lines, where the guest said why.
fix=tests/fixtures/vm/init_stops_early
want=$(sed -n 's/^echo "\(.*\)" # the marked line$/\1/p' "$fix")
mkdir -p "$T_TMP/early"
cp "$fix" "$T_TMP/early/init"
(cd "$T_TMP/early" && fakeroot -- sh -c 'echo init | cpio -o -H newc --quiet') \
	>"$T_TMP/early.cpio"
out=$(vm_start early --initrd-extra "$T_TMP/early.cpio" 2>&1)
rc=$?
check "a boot that never gets to SSH fails the start" test "$rc" -eq 1
check "... showing the guest's last console lines" contains "$out" "$want"
check "... and that the guest powered off, with the console log" \
	contains "$out" "the guest powered off (QEMU pid"
check "... naming the console log" \
	contains "$out" "exited); the console log is $(vm_dir early)/serial.log"
