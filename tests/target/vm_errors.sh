#!/usr/bin/env bash
# vm.sh with bad surroundings: a port in use, no QEMU, a stale runtime
# directory left by a crashed run. One clear line each, or a clean recovery.
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
	contains "$out" "removing the stale runtime directory"
check "... and the new VM answers over ssh" vm_ssh stale true
vm stop --name stale >/dev/null
out=$(vm stop --name stale 2>&1)
check "stopping a VM that is not running is not an error" \
	contains "$out" "is not running"
