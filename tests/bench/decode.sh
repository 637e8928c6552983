#!/usr/bin/env bash
# Decoding a 30-frame trace of the engine's module (storage_hash.ko with
# its test fault hook, as `make fixtures` builds it): the decoder itself
# with the debug info loaded once (per trace: every line parsed, every
# frame resolved to file:line with its inline chain, formatted), the first
# trace after opening the .ko, and `kmdash decode` as a whole process,
# side by side with eu-addr2line and binutils' addr2line resolving the
# same 30 frames (one process each, as a developer runs them). Goal: the
# decode well inside the 200 ms from the trace's last line to the banner
# on screen (the lead's bench measures that end to end).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$T_ROOT"

KO=$T_BUILD/tests/fixtures/kmod_faulty/storage_hash.ko
RUNS=200
make -s fixtures >"$T_TMP/fixtures.log" 2>&1 ||
	{ cat "$T_TMP/fixtures.log" >&2; echo "bench decode: make fixtures failed" >&2; exit 1; }
bench_cc "$T_TMP/decodebench" -I"$T_ROOT" tests/bench/decodebench.c || exit 1

# 30 frames: functions of .text at a third and two thirds of their length,
# with the size kallsyms would print (the distance to the next function).
text=$(aarch64-linux-gnu-readelf -SW "$KO" | sed -nE 's/^ *\[ *([0-9]+)\] \.text .*/\1/p')
aarch64-linux-gnu-readelf -sW "$KO" |
	awk -v t="$text" '$4 == "FUNC" && $7 == t && $3 >= 16 { print $2, $3, $8 }' |
	while read -r hex size name; do echo "$((16#$hex)) $size $name"; done |
	sort -n | awk '
	{ v[NR] = $1; s[NR] = $2; n[NR] = $3 }
	END {
		for (i = 1; i <= NR; i++) {
			span = (i < NR) ? v[i + 1] - v[i] : s[i]
			for (k = 1; k <= 2; k++) {
				off = int(s[i] * k / 3 / 4) * 4
				printf "%s %x %x %x\n", n[i], off, span, v[i] + off
			}
		}
	}' | head -30 >"$T_TMP/frames"
nframes=$(wc -l <"$T_TMP/frames")
[ "$nframes" -eq 30 ] || { echo "bench decode: only $nframes functions in $KO" >&2; exit 1; }
{
	echo "[  100.000000] Call trace:"
	awk '{ printf "[  100.%06d]  %s+0x%s/0x%s [storage_hash]\n", NR, $1, $2, $3 }' "$T_TMP/frames"
	echo "[  100.999999] ---[ end trace 0000000000000000 ]---"
} >"$T_TMP/trace"
mapfile -t symoff < <(awk '{ printf "%s+0x%s\n", $1, $2 }' "$T_TMP/frames")
mapfile -t addrs < <(awk '{ printf "0x%s\n", $4 }' "$T_TMP/frames")

# ms_of CMD...: wall time of one run of CMD, in ms.
ms_of()
{
	local t0
	t0=$(now)
	"$@" >/dev/null 2>&1 || return 1
	awk -v s="$t0" -v n="$(now)" 'BEGIN { printf "%.1f", (n - s) * 1000 }'
}
# runs_of N CMD...: "MEDIAN RUN..." of N runs, in ms.
runs_of()
{
	local n=$1 all=() i
	shift
	for ((i = 0; i < n; i++)); do all+=("$(ms_of "$@")") || return 1; done
	echo "$(median "${all[@]}") ${all[*]}"
}

"$T_TMP/decodebench" "$KO" "$T_TMP/trace" "$RUNS" >"$T_TMP/ours" || exit 1
read -r open_ms first_ms decoded <"$T_TMP/ours"
[ "$decoded" -eq 30 ] || { echo "bench decode: only $decoded of 30 frames decoded" >&2; exit 1; }
tail -n +2 "$T_TMP/ours" | sort -g >"$T_TMP/per_trace"
us=$(median $(cat "$T_TMP/per_trace"))
p10=$(awk -v n="$RUNS" 'NR == int(n * 0.1) + 1' "$T_TMP/per_trace")
p90=$(awk -v n="$RUNS" 'NR == int(n * 0.9)' "$T_TMP/per_trace")
read -r cli cli_all < <(runs_of 10 "$KMDASH" decode --ko "$KO" "$T_TMP/trace")
read -r eu eu_all < <(runs_of 10 eu-addr2line -f -i -e "$KO" "${symoff[@]}")
read -r bu bu_all < <(runs_of 10 aarch64-linux-gnu-addr2line -f -i -e "$KO" -j .text "${addrs[@]}")

report "decode, 30 frames, debug info loaded (median)" "$us" us \
	"p10-p90 $p10-$p90 us over $RUNS traces; goal <= 200 ms end to end: $(goal_max "$us" 200000)"
report "open the .ko (symbols)" "$open_ms" ms "once per deployed .ko"
report "first trace after opening (loads the DWARF)" "$first_ms" ms "once per deployed .ko: $(goal_max "$first_ms" 200)"
report "kmdash decode, whole process (median of 10)" "$cli" ms "all: $cli_all"
report "eu-addr2line -f -i, same 30 frames (median)" "$eu" ms "all: $eu_all"
report "aarch64-linux-gnu-addr2line -f -i -j .text" "$bu" ms "all: $bu_all"
report "eu-addr2line / kmdash decode (both cold)" "$(ratio "$eu" "$cli")" x "no goal: the same work, one process each"
report "binutils addr2line / kmdash decode (cold)" "$(ratio "$bu" "$cli")" x "no goal"
report "eu-addr2line / decode with debug info loaded" "$(ratio "$(awk -v m="$eu" 'BEGIN { print m * 1000 }')" "$us")" x \
	"what loading once per .ko saves per trace"
