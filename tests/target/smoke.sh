#!/usr/bin/env bash
# The embedded target end to end: boot, serial console, strict SSH, a
# cross-built module loaded and unloaded, QMP shutdown, no QEMU left; and a
# guest whose host key changed is refused.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

out=$T_BUILD/tests/fixtures/kmod_hello
check "fixture module cross-builds with the kmod machinery" \
	make -s kmod KMOD_SRC=tests/fixtures/kmod_hello KMOD_OUT="$out"
ko=$out/kmod_hello.ko
check "kmod_hello.ko is an arm64 ELF module" \
	bash -c "file -b '$ko' 2>/dev/null | grep -q aarch64 || od -An -tx1 -j18 -N2 '$ko' | grep -q 'b7 00'"

log=$T_TMP/start.log
if ! vm_start smoke >"$log" 2>&1; then
	not_ok "VM boots to its ready marker"; cat "$log"; exit 1
fi
ok "VM boots to its ready marker"
run=$(vm_dir smoke)
qpid=$(cat "$run/qemu.pid")
check "runtime directory is private (0700)" \
	test "$(stat -c %a "$run")" = 700

# The console socket is live: a command typed into it is echoed back.
word=serial-$RANDOM$RANDOM
serial_out=$( (sleep 0.3; printf 'echo %s\r' "$word"; sleep 1.5) |
	timeout 5 socat -t 1 - "UNIX-CONNECT:$run/serial.sock" 2>&1)
check "serial console socket answers a typed command" \
	contains "$serial_out" "$word"
check "serial log holds the kernel banner" \
	grep -q 'Linux version' "$run/serial.log"

check "ssh with the generated key and strict host-key checking" \
	vm_ssh smoke true
check "known_hosts holds the target's key for its forwarded port" \
	grep -q "^\[127.0.0.1\]:$(cat "$run/port") ssh-ed25519 " "$run/known_hosts"

upload() { sftp -F "$run/ssh_config" -b - kmdash-target <<<"put $1 $2" >/dev/null; }
check "sftp upload of the module" upload "$ko" /tmp/kmod_hello.ko
tag=t$RANDOM
check "insmod succeeds" vm_ssh smoke insmod /tmp/kmod_hello.ko tag=$tag
kmsg=$(vm_ssh smoke 'timeout 1 cat /dev/kmsg' 2>/dev/null)
check "the module's load line is in /dev/kmsg" \
	contains "$kmsg" "kmod_hello: loaded, tag=$tag"
check "lsmod lists the module" \
	contains "$(vm_ssh smoke lsmod)" kmod_hello
check "rmmod succeeds" vm_ssh smoke rmmod kmod_hello
kmsg=$(vm_ssh smoke 'timeout 1 cat /dev/kmsg' 2>/dev/null)
check "the module's unload line is in /dev/kmsg" \
	contains "$kmsg" "kmod_hello: unloaded, tag=$tag"

check "vm-stop shuts the VM down over QMP" vm stop --name smoke
check "no QEMU process is left" \
	wait_until 5 bash -c "! kill -0 $qpid 2>/dev/null"
check "the runtime directory is removed" test ! -e "$run"
no_qemu_left() { ! pgrep -f "qemu-system-aarch64 .*$KMDASH_RUNTIME_DIR" >/dev/null; }
check "no QEMU of this test runs any more" no_qemu_left

# A guest with another host key: the strict client must refuse it.
keys=$T_TMP/newkey
mkdir -p "$keys/root/etc/dropbear"
ssh-keygen -q -t ed25519 -N '' -f "$keys/key"
dropbearconvert openssh dropbear "$keys/key" \
	"$keys/root/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1
(cd "$keys/root" && fakeroot -- sh -c \
	'find . | cpio -o -H newc --quiet') >"$keys/override.cpio"
if vm_start changed --initrd-extra "$keys/override.cpio" >"$log" 2>&1; then
	ok "VM with a changed host key boots"
	err=$(vm_ssh changed true 2>&1)
	rc=$?
	check "ssh to a changed host key fails" test "$rc" -ne 0
	check "the refusal names the changed key" \
		contains "$err" "REMOTE HOST IDENTIFICATION HAS CHANGED"
	vm stop --name changed >/dev/null
else
	not_ok "VM with a changed host key boots"
	cat "$log"
fi
