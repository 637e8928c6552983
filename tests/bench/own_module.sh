#!/usr/bin/env bash
# A user's own module, from cd into its (new) directory to it loaded on
# the embedded target: kmdash init --yes && kmdash run build deploy load,
# the VM's boot counted (median of 5, each from a cold VM and a new
# build). Next to it, the setup guides' way as far as it runs here: boot
# the VM, scp the module (built beforehand, not counted), ssh insmod; the
# guides' make on the target cannot run here (the guest has neither a
# compiler nor headers).
. "$(dirname "$0")/lib.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	echo "the embedded target is not built (make target)"
	exit 1
fi
private_cache
T_VMS+=(qemu)
RUNS=5

ours=()
for i in $(seq "$RUNS"); do
	mod=$T_TMP/src$i/twofile
	mkdir -p "${mod%/*}"
	cp -r "$T_ROOT/tests/fixtures/kmod_twofile" "$mod"
	rm -rf "$XDG_CONFIG_HOME"
	t0=$(now)
	(cd "$mod" && "$KMDASH" init --yes >/dev/null 2>&1 &&
		"$KMDASH" run build deploy load >"$T_TMP/run$i.log" 2>&1) ||
		{ echo "run $i failed:"; tail -5 "$T_TMP/run$i.log"; exit 1; }
	ours+=("$(elapsed "$t0")")
	grep -q 'twofile: loaded' "$T_TMP/run$i.log" ||
		{ echo "run $i: no load line"; exit 1; }
	vm stop --name qemu >/dev/null
done

# By hand: boot, scp the .ko built above, ssh insmod.
ko=$(ls "$KMDASH_CACHE_DIR"/build/qemu/twofile-*/twofile.ko | head -1)
hand=()
for i in $(seq "$RUNS"); do
	t0=$(now)
	vm_start hand >/dev/null || { echo "boot $i failed"; exit 1; }
	cfg=$(vm_dir hand)/ssh_config
	scp -q -F "$cfg" "$ko" kmdash-target:/tmp/twofile.ko &&
		ssh -F "$cfg" kmdash-target insmod /tmp/twofile.ko ||
		{ echo "scp + insmod $i failed"; exit 1; }
	hand+=("$(elapsed "$t0")")
	vm stop --name hand >/dev/null
done

m=$(median "${ours[@]}")
h=$(median "${hand[@]}")
report "cd to module loaded, boot counted (median)" "$m" s \
	"goal <= 15 s: $(goal_max "$m" 15); kmdash init --yes && kmdash run build deploy load; all $RUNS: ${ours[*]}"
report "by hand: boot, scp, ssh insmod (median)" "$h" s \
	"the .ko built beforehand, not counted; all $RUNS: ${hand[*]}"
report "kmdash / by hand (kmdash also builds)" "$(ratio "$m" "$h")" x \
	"not measurable here: make on the target (no compiler or headers in the guest)"
report "setup guides: boot 2-3 min + deploy ~30 s" "150" s \
	"kmdash $(awk -v m="$m" 'BEGIN { printf "%.0fx", 150 / m }') faster (their figures, not measured here)"
