#!/usr/bin/env bash
# Boot stages come from the console log even when a kernel message cuts
# the ready marker in two (seen on raspi3b). Attaches to a stand-in for
# QEMU: a live process named qemu-system-* and a prepared serial.log.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
# vmdrive takes the configuration's default target: the embedded one.
export XDG_CONFIG_HOME=$T_TMP/no-config

drive="$T_BUILD/asan/tests/integration/vmdrive"
[ -x "$drive" ] || { not_ok "vmdrive is built (make asan)"; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "vm console log" "the embedded target is not built (make target)"
	exit 0
fi
dir=$(vm_dir fake)
mkdir -p -m 700 "$KMDASH_RUNTIME_DIR" "$dir"
(exec -a qemu-system-standin sleep 60) &
track_pid $!
echo $! >"$dir/qemu.pid"
echo 1 >"$dir/port"
printf '%s\r\n' \
	'[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]' \
	'[    2.230916] Run /init as init process' \
	'kmdash-t[    3.574765] Not activating Mandatory Access Control as /sbin/tomoyo-init does not exist.' \
	'arget: ready (ssh on usb0 port 22)' >"$dir/serial.log"
out=$("$drive" --name fake attach wait:marker:5 2>&1)
rc=$?
printf '%s\n' "$out"
check "attach replays the stages from the log" test "$rc" -eq 0
stages=$(grep -oE '^stage [a-z-]+' <<<"$out" | cut -d' ' -f2 | tr '\n' ' ')
check "kernel, init and the cut marker are all seen: $stages" \
	test "$stages" = "started kernel init marker "
