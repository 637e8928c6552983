#!/usr/bin/env bash
# Boots, stops and reaches the embedded target under QEMU (TCG; KVM is never
# needed). Everything of a running VM lives in a 0700 runtime directory:
#   $KMDASH_RUNTIME/vm-NAME/{qemu.pid,serial.sock,serial.log,qmp.sock,
#                            port,known_hosts,ssh_config,qemu.log}
#
#   vm.sh start [--machine virt|raspi3b] [--name NAME] [--port PORT]
#               [--initrd-extra CPIO] [--append ARGS]
#   vm.sh stop  [--name NAME]
#   vm.sh ssh   [--name NAME] [-- COMMAND...]
#   vm.sh status [--name NAME]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=target/common.sh
. "$here/common.sh"

cmd=${1:-}
[ $# -gt 0 ] && shift
machine=${MACHINE:-virt}
name=${VM_NAME:-qemu}
port=${PORT:-}
initrd_extra=
append_extra=
while [ $# -gt 0 ]; do
	case "$1" in
	--machine) machine=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--initrd-extra) initrd_extra=$2; shift 2 ;;
	--append) append_extra=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option '$1' (see the head of $0)" ;;
	esac
done

case "$machine" in
virt | raspi3b) ;;
*) die "unknown machine '$machine': use virt or raspi3b" ;;
esac
run=$KMDASH_RUNTIME/vm-$name
qemu=${QEMU:-qemu-system-aarch64}

load_target()
{
	[ -f "$KMDASH_TARGET_ENV" ] ||
		die "the embedded target is not built ($KMDASH_TARGET_ENV missing): run 'make target'"
	# shellcheck disable=SC1090
	. "$KMDASH_TARGET_ENV"
}

# 0 if the pid file names a live QEMU.
vm_alive()
{
	local pid
	[ -f "$run/qemu.pid" ] || return 1
	pid=$(cat "$run/qemu.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		grep -q qemu-system "/proc/$pid/cmdline" 2>/dev/null
}

port_free()
{
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# 0 if an SSH server answers on 127.0.0.1:PORT. (QEMU accepts the TCP
# connection itself before the guest does: only the banner counts.)
ssh_banner()
{
	timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 4 <&3' _ "$1" \
		2>/dev/null | grep -q '^SSH-'
}

write_ssh_files()
{
	local p=$1
	printf '[127.0.0.1]:%s %s\n' "$p" "$(cut -d' ' -f1,2 "$HOST_KEY_PUB")" \
		>"$run/known_hosts"
	cat >"$run/ssh_config" <<EOF
# The embedded target '$name': ssh -F $run/ssh_config kmdash-target
Host kmdash-target
	HostName 127.0.0.1
	Port $p
	User root
	IdentityFile $SSH_KEY
	IdentitiesOnly yes
	UserKnownHostsFile $run/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	LogLevel ERROR
EOF
}

qemu_argv()
{
	local p=$1 initrd=$2
	local fwd="user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$p-:22"
	local chardev="socket,id=ser0,path=$run/serial.sock,server=on,wait=off,logfile=$run/serial.log"
	argv=("$qemu" -display none -monitor none -nodefaults
		-kernel "$IMAGE" -initrd "$initrd"
		-chardev "$chardev"
		-qmp "unix:$run/qmp.sock,server=on,wait=off"
		-pidfile "$run/qemu.pid" -daemonize -netdev "$fwd")
	case "$machine" in
	virt)
		argv+=(-M virt -cpu cortex-a53 -m 1G -smp 2
			-serial chardev:ser0
			-device virtio-net-pci,netdev=n0,romfile=
			-append "console=ttyAMA0 nokaslr kmdash.modules=${VIRT_NET_MODULES// /,} $append_extra")
		;;
	raspi3b)
		# The Pi 3's console is its second UART; the NIC is usb-net.
		argv+=(-M raspi3b -m 1G -dtb "$DTB_RASPI3B"
			-serial null -serial chardev:ser0
			-device usb-net,netdev=n0
			-append "console=ttyS1,115200 nokaslr kmdash.modules=${RASPI_NET_MODULES// /,} $append_extra")
		;;
	esac
}

start()
{
	load_target
	command -v "$qemu" >/dev/null ||
		die "$qemu not found: run 'make deps' (installs qemu-system-arm)"
	private_dir "$KMDASH_RUNTIME"
	if vm_alive; then
		die "VM '$name' is already running (pid $(cat "$run/qemu.pid"), port $(cat "$run/port")): 'make vm-ssh' to use it, 'make vm-stop' to stop it"
	fi
	if [ -e "$run" ]; then
		say "removing the stale runtime directory of a VM that is gone ($run)"
		rm -rf "$run"
	fi
	private_dir "$run"

	local initrd=$INITRD
	if [ -n "$initrd_extra" ]; then
		# The kernel unpacks concatenated cpio archives in order: the
		# extra one overrides files of the base initramfs. An
		# uncompressed archive must start 4-byte aligned; the kernel
		# skips the zero padding.
		local pad=$(((4 - $(stat -c %s "$INITRD") % 4) % 4))
		{ cat "$INITRD"; head -c "$pad" /dev/zero; cat "$initrd_extra"; } \
			>"$run/initrd.gz"
		initrd=$run/initrd.gz
	fi

	local tries=0 p err
	while :; do
		if [ -n "$port" ]; then
			p=$port
			port_free "$p" ||
				die "port $p on 127.0.0.1 is in use: choose another with PORT=N, or leave PORT unset to get a free one"
		else
			p=$((20000 + RANDOM % 40000))
			port_free "$p" || continue
		fi
		qemu_argv "$p" "$initrd"
		: >"$run/serial.log"
		date +%s.%N >"$run/started"
		if "${argv[@]}" >"$run/qemu.log" 2>&1; then
			break
		fi
		err=$(head -3 "$run/qemu.log")
		tries=$((tries + 1))
		# A port taken between our check and QEMU's bind: try another.
		if [ -z "$port" ] && [ $tries -lt 5 ] &&
			grep -q 'host forwarding' <<<"$err"; then
			continue
		fi
		die "QEMU failed to start: $err"
	done
	printf '%s\n' "$p" >"$run/port"
	printf '%s\n' "$machine" >"$run/machine"
	write_ssh_files "$p"

	local timeout=${BOOT_TIMEOUT:-60} t0=$SECONDS
	say "booting $machine (pid $(cat "$run/qemu.pid"), ssh port $p), waiting for '$READY_MARKER'"
	# The marker, or (a kernel message can cut the marker in two on the
	# console) an SSH banner on the forwarded port once init runs.
	until grep -q "$READY_MARKER" "$run/serial.log" 2>/dev/null ||
		{ grep -q 'Run /init as init process' "$run/serial.log" 2>/dev/null &&
			ssh_banner "$p"; }; do
		if ! vm_alive; then
			tail -5 "$run/serial.log" >&2 || true
			die "QEMU exited during boot (console log: $run/serial.log)"
		fi
		if [ $((SECONDS - t0)) -ge "$timeout" ]; then
			tail -5 "$run/serial.log" >&2 || true
			die "no ready marker after ${timeout}s (console log: $run/serial.log); 'make vm-stop' to clean up"
		fi
		sleep 0.05
	done
	say "ready after $(awk -v s="$(cat "$run/started")" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')s"
	say "connect: ssh -F $run/ssh_config kmdash-target   (or: make vm-ssh)"
	say "console: socat -,raw,echo=0 UNIX-CONNECT:$run/serial.sock   (log: $run/serial.log)"
}

stop()
{
	if ! vm_alive; then
		if [ -e "$run" ]; then
			rm -rf "$run"
			say "VM '$name' was not running; removed its stale runtime directory"
		else
			say "VM '$name' is not running"
		fi
		return 0
	fi
	local pid
	pid=$(cat "$run/qemu.pid")
	say "stopping VM '$name' (pid $pid) over QMP"
	printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' |
		timeout 5 socat -t 2 - "UNIX-CONNECT:$run/qmp.sock" >/dev/null 2>&1 ||
		true
	local i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "QEMU did not quit over QMP; killing pid $pid"
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$run"
}

status()
{
	if vm_alive; then
		printf 'VM %s: running, pid %s, machine %s, ssh port %s, runtime %s\n' \
			"$name" "$(cat "$run/qemu.pid")" "$(cat "$run/machine")" \
			"$(cat "$run/port")" "$run"
	else
		printf 'VM %s: not running\n' "$name"
		return 1
	fi
}

ssh_to()
{
	vm_alive || die "VM '$name' is not running: start it with 'make vm-start'"
	exec ssh -F "$run/ssh_config" kmdash-target "$@"
}

case "$cmd" in
start) start ;;
stop) stop ;;
status) status ;;
ssh) ssh_to "$@" ;;
*) die "usage: $0 start|stop|status|ssh [options]" ;;
esac
