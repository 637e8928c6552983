#!/usr/bin/env bash
# core/vm/vm with bad surroundings: an occupied port, no QEMU, a stale
# runtime directory, a missing target. One clear line each, or a recovery.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
# vmdrive boots the configuration's default target: the embedded one.
export XDG_CONFIG_HOME=$T_TMP/no-config

drive="$T_BUILD/asan/tests/integration/vmdrive"
[ -x "$drive" ] || { not_ok "vmdrive is built (make asan)"; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "vm errors" "the embedded target is not built (make target)"
	exit 0
fi

# A port already taken on 127.0.0.1.
port=$((30000 + RANDOM % 20000))
socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork /dev/null &
track_pid $!
wait_until 3 bash -c "ss -Hltn 'sport = :$port' | grep -q ."
out=$("$drive" --name busy --port "$port" start 2>&1)
rc=$?
check "an occupied port fails the start" test "$rc" -ne 0
check "... naming the port and what to do" contains "$out" \
	"error: start: port $port on 127.0.0.1 is in use: choose another, or leave the port unset"
check "... in one line" test "$(wc -l <<<"$out")" -eq 1
check "... and no runtime directory is left" test ! -e "$(vm_dir busy)"

# No QEMU binary.
out=$(QEMU=qemu-system-aarch64-missing "$drive" --name noqemu start 2>&1)
rc=$?
check "a missing QEMU fails the start" test "$rc" -ne 0
check "... telling to run make deps" contains "$out" \
	"qemu-system-aarch64-missing not found: run 'make deps'"
check "... in one line" test "$(wc -l <<<"$out")" -eq 1

# No target.env.
out=$(KMDASH_CACHE_DIR=$T_TMP/nothing "$drive" --name x start 2>&1)
check "a missing target says to run make target" contains "$out" \
	"the embedded target is not built ($T_TMP/nothing/target/current/target.env"
check "... in one line" test "$(wc -l <<<"$out")" -eq 1

# QEMU refusing its arguments: its own first line comes through.
fake=$T_TMP/fakeqemu
printf '#!/bin/sh\necho "qemu: cannot do that today" >&2\nexit 1\n' >"$fake"
chmod +x "$fake"
out=$(QEMU=$fake "$drive" --name fake start wait:started:10 2>&1)
check "a QEMU that fails to start is reported with its message" \
	contains "$out" "QEMU failed to start: qemu: cannot do that today"

# A runtime dir left by a crashed run: its pid file names a live process
# that is not QEMU (this shell).
stale=$(vm_dir stale)
mkdir -p -m 700 "$KMDASH_RUNTIME_DIR" "$stale"
echo $$ >"$stale/qemu.pid"
echo 1 >"$stale/port"
: >"$stale/serial.sock"
T_VMS+=(stale)
out=$("$drive" --name stale start wait:ssh-ready:60 quit wait:exited:15 2>&1)
rc=$?
check "a stale runtime directory does not block a start" test "$rc" -eq 0
check "... and the start says it removed it" contains "$out" \
	"notice: removed the stale runtime directory of a VM that is gone ($stale)"
