#!/usr/bin/env bash
# A Raspberry Pi OS image made a target (tests/fixtures/rpi_image's
# layout-identical image):
#   kmdash image prepare on a 2.7 GB image (the size of Raspberry Pi OS
#   Lite unpacked: the test image grown with holes), time and disk space
#   of the copy, beside cp --sparse=always of the same file (median of 3);
#   the prepared image on raspi3b, boot to SSH ready, beside the QEMU
#   guide's "2-3 minutes" (median of 3 boots).
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/fixtures/rpi_image/lib.sh"
cd "$T_ROOT"

RUNS=${KMDASH_BENCH_RUNS:-3}
rpi_images || { echo "the test images cannot be built"; exit 1; }
export KMDASH_CACHE_DIR=$T_TMP/cache
# 2.7 GB, whole sectors
BIG=$(((2700000000 + 511) / 512 * 512))
big=$T_TMP/raspios-size.img
cp --sparse=always "$RPI_IMG" "$big"
truncate -s "$BIG" "$big"
data_kb=$(du -k "$big" | cut -f1)

prep=() space=() cps=() cpspace=()
for i in $(seq "$RUNS"); do
	sync
	t0=$(now)
	"$KMDASH" image prepare "$big" --name "big$i" >"$T_TMP/prep.log" 2>&1 ||
		{ echo "image prepare failed:"; cat "$T_TMP/prep.log"; exit 1; }
	prep+=("$(elapsed "$t0")")
	space+=("$(du -k "$KMDASH_CACHE_DIR/image/big$i/sd.img" | cut -f1)")
	t0=$(now)
	cp --sparse=always "$big" "$T_TMP/cp$i.img"
	cps+=("$(elapsed "$t0")")
	cpspace+=("$(du -k "$T_TMP/cp$i.img" | cut -f1)")
	rm -f "$T_TMP/cp$i.img"
	rm -rf "$KMDASH_CACHE_DIR/image/big$i"
done
p=$(median "${prep[@]}") c=$(median "${cps[@]}")
s=$(median "${space[@]}") cs=$(median "${cpspace[@]}")
echo "a $((BIG / 1000000)) MB image holding $((data_kb / 1024)) MB of data (the test image grown with holes); median of $RUNS"
report "kmdash image prepare, 2.7 GB image" "$p" s "goal <= 10 s: $(goal_max "$p" 10); all: ${prep[*]}"
report "cp --sparse=always of the same file" "$c" s "all: ${cps[*]}"
report "prepare vs cp --sparse=always" "$(ratio "$p" "$c")" x "no goal: prepare copies, then edits and grows the copy to 4 GiB"
r=$(ratio "$s" "$data_kb")
report "disk space of the prepared copy" "$((s / 1024))" MB "$r x the data ($((data_kb / 1024)) MB), goal <= 1.1x: $(goal_max "$r" 1.1)"
report "disk space of cp --sparse=always" "$((cs / 1024))" MB "$(ratio "$cs" "$data_kb") x the data"

# Boot: the prepared layout-identical image on raspi3b, to SSH ready.
export XDG_CONFIG_HOME=$T_TMP/config
"$KMDASH" image prepare "$RPI_IMG" --name rpi >/dev/null 2>&1 || { echo "prepare failed"; exit 1; }
T_VMS+=(rpi)
boots=() roots=()
for i in $(seq "$RUNS"); do
	out=$("$KMDASH" vm start --target rpi 2>&1) || { echo "boot $i failed:"; echo "$out"; exit 1; }
	boots+=("$(sed -n 's/^ready after \([0-9.]*\) s$/\1/p' <<<"$out")")
	"$KMDASH" vm stop --target rpi >/dev/null 2>&1
done
b=$(median "${boots[@]}")
report "Raspberry Pi OS layout on raspi3b, boot to SSH ready" "$b" s \
	"goal <= 30 s: $(goal_max "$b" 30); the QEMU guide: 120-180 s ($(ratio 120 "$b")x-$(ratio 180 "$b")x faster); all: ${boots[*]}"
