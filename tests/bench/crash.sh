#!/usr/bin/env bash
# The crash figures (issue: "When the module breaks"), side by side:
#   a 30-frame oops, from its last line reaching the host (the serial
#     console here, no link: nothing else to wait for) to the decoded
#     banner on the screen (goal <= 200 ms), vs binutils' addr2line
#     resolving the same frames by hand;
#   R after an oops to the module loaded again with its load line shown
#     (goal <= 8 s), vs the same by hand: stop QEMU, start it, scp,
#     ssh insmod, dmesg.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "$KMDASH" ] || { echo "bench crash: $KMDASH missing: run 'make'" >&2; exit 1; }
make -s -C "$T_ROOT" fixtures >/dev/null 2>&1 || { echo "bench crash: make fixtures failed" >&2; exit 1; }
FAULTY=$T_BUILD/tests/fixtures/kmod_faulty/storage_hash.ko
PTYRUN=$T_TMP/ptyrun
cc -O2 -Wall -o "$PTYRUN" "$T_ROOT/tests/bench/ptyrun.c" -lutil || exit 1
export TERM=xterm-256color LANG=C.UTF-8
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

# --- the banner --------------------------------------------------------------
# The captured ioctl oops as the console prints it, its call trace grown
# to 30 frames (the module's three, repeated: 30 frames to decode).
awk -F';' '
	{ split($1, h, ","); t = substr($0, length($1) + 2) }
	t == "Call trace:" { print_line(h[3], t); in_trace = 1; next }
	in_trace && t ~ /^ / { frames[++n] = t; next }
	in_trace {
		for (i = 1; i <= 30; i++) print_line(h[3], frames[(i - 1) % 3 + 1])
		in_trace = 0
	}
	{ print_line(h[3], t) }
	function print_line(us, text) { printf "[%5d.%06d] %s\r\n", us / 1000000, us % 1000000, text }
' "$T_ROOT/tests/fixtures/traces/ioctl_oops.kmsg" >"$T_TMP/oops30.txt"
frames=$(grep -c '^\[.*\]  sh_' "$T_TMP/oops30.txt")

S=$T_TMP/serial.sock
CFG=$T_TMP/config.json
cat >"$CFG" <<EOC
{ "targets": [ { "name": "bench", "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
                 "serial": { "socket": "$S" },
                 "module": { "name": "storage_hash", "ko": "$FAULTY" } } ] }
EOC
runs=()
for i in 1 2 3 4 5 6 7; do
	# a serial line of its own per run: one reader, nothing left over
	mkfifo "$T_TMP/line$i"
	exec 8<>"$T_TMP/line$i"
	socat UNIX-LISTEN:"$S",unlink-early PIPE:"$T_TMP/line$i"\!\!OPEN:/dev/null &
	track_pid $!
	wait_until 5 test -S "$S"
	read -r _ ms < <("$PTYRUN" 200 50 stream "Kernel log" "cat $T_TMP/oops30.txt >$T_TMP/line$i" \
		"OOPS in storage_hash at" -- "$KMDASH" --config "$CFG")
	exec 8>&-
	runs+=("$ms")
done
m=$(median "${runs[@]}")

# By hand: each module frame through addr2line, as decode_stacktrace.sh does.
readelf_syms=$(aarch64-linux-gnu-readelf -sW "$FAULTY")
by_hand()
{
	grep -o ' sh_[a-z_]*+0x[0-9a-f]*' "$T_TMP/oops30.txt" | while read -r f; do
		sym=${f%%+*}
		off=$((${f#*+}))
		val=$(awk -v s="$sym" '$8 == s { print $2 }' <<<"$readelf_syms" | head -1)
		aarch64-linux-gnu-addr2line -f -i -p -e "$FAULTY" -j .text \
			"$(printf '0x%x' $((0x$val + off)))" >/dev/null
	done
}
hand=()
for _ in 1 2 3; do
	t0=$(date +%s%N)
	by_hand
	hand+=("$((($(date +%s%N) - t0) / 1000000))")
done
h=$(median "${hand[@]}")
report "oops ($frames frames) -> decoded banner" "$m" ms \
	"spread $(spread "${runs[@]}") ms; goal <= 200 ms: $(ratio "$m" 200)x of it; by hand with addr2line (decoding only, no screen): $h ms, ratio $(ratio "$m" "$h")"

# --- R after an oops ------------------------------------------------------------
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	echo "bench crash: the embedded target is not built: the reset figure is skipped" >&2
	exit 0
fi
T_VMS+=(qemu)
OOPS_CFG=$T_TMP/oops.json
cat >"$OOPS_CFG" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
                 "module": { "ko": "$FAULTY", "params": ["fault=oops", "fault_after=1"] } } ] }
EOC
# oops_now: the faulty engine loaded, then a GET: the module oopses.
oops_now()
{
	"$KMDASH" --config "$OOPS_CFG" run reload >/dev/null 2>&1 || return 1
	vm_ssh qemu '/tmp/kmdash/sectl get k >/dev/null 2>&1; true' </dev/null
}
"$KMDASH" run cycle >/dev/null 2>&1 || { echo "bench crash: the first cycle failed" >&2; exit 1; }
r_runs=() h_runs=()
for _ in 1 2 3; do
	oops_now || { echo "bench crash: no oops" >&2; exit 1; }
	t0=$(date +%s%N)
	"$KMDASH" vm reset >/dev/null 2>&1
	out=$("$KMDASH" run deploy load 2>&1)
	grep -q 'storage_hash: loaded' <<<"$out" || { echo "bench crash: R: no load line: $out" >&2; exit 1; }
	r_runs+=("$(awk -v n="$((($(date +%s%N) - t0) / 1000000))" 'BEGIN { printf "%.2f", n / 1000 }')")

	oops_now || { echo "bench crash: no oops" >&2; exit 1; }
	dir=$(vm_dir qemu)
	t0=$(date +%s%N)
	"$KMDASH" vm stop >/dev/null 2>&1
	vm_start qemu >/dev/null 2>&1
	scp -q -F "$(vm_dir qemu)/ssh_config" "$T_BUILD/kmod/storage_hash.ko" kmdash-target:/tmp/ &&
		vm_ssh qemu 'insmod /tmp/storage_hash.ko && dmesg | grep -q "storage_hash: loaded"' </dev/null ||
		{ echo "bench crash: by hand: the load failed" >&2; exit 1; }
	h_runs+=("$(awk -v n="$((($(date +%s%N) - t0) / 1000000))" 'BEGIN { printf "%.2f", n / 1000 }')")
	"$KMDASH" run unload >/dev/null 2>&1
done
rm=$(median "${r_runs[@]}")
hm=$(median "${h_runs[@]}")
report "R after an oops -> module loaded again" "$rm" s \
	"spread $(spread "${r_runs[@]}") s; goal <= 8 s: $(ratio "$rm" 8)x of it; by hand (stop, start, scp, insmod): $hm s (spread $(spread "${h_runs[@]}")), ratio $(ratio "$rm" "$hm")"
