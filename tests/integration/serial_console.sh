#!/usr/bin/env bash
# A console round trip through core/console/serial + core/console/console: keys typed into
# the guest's shell over QEMU's serial socket, the shell's output read back
# from the screen cells; the shell's cursor queries (ESC[6n) are answered.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

drive="$T_BUILD/asan/tests/integration/consoledrive"
[ -x "$drive" ] || { not_ok "consoledrive is built (make asan)"; exit 1; }
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "serial console" "the embedded target is not built (make target)"
	exit 0
fi
vm_start con >/dev/null || { not_ok "the guest boots"; exit 1; }
sock=$(vm_dir con)/serial.sock

# $((6*7)) is computed by the guest's shell: 42 on the screen proves the
# keys reached it and its output came back (the echo of the typed line
# shows only the expression).
out=$("$drive" --unix "$sock" wait-connected:10 'send:\r' \
	'send:echo hi-$((6*7))\r' wait-screen:hi-42:30 \
	'send:printf "\\033[1;31mRED\\033[0m\\n"\r' wait-screen:RED:30 \
	sleep:300 dump 2>&1)
rc=$?
printf '%s\n' "$out"
check "the console drive runs through" test "$rc" -eq 0
check "the serial source connects to the QEMU socket" \
	contains "$out" "serial connected: connected to $sock"
check "typed 'echo hi-\$((6*7))' shows 'hi-42' in the screen cells" \
	contains "$out" "screen-has hi-42"
check "the prompt is on the screen" contains "$out" "|kmdash-target:/# "
answered=$(sed -n 's/^bytes [0-9]* answered \([0-9]*\) .*/\1/p' <<<"$out")
check "the shell's ESC[6n queries are answered on the line ($answered bytes)" \
	test "${answered:-0}" -ge 7
