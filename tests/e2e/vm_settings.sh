#!/usr/bin/env bash
# A target's vm settings reach the guest: kmdash vm start with a
# configuration (tests/fixtures/vm/small.json) that asks for less memory,
# one CPU and a QEMU argument of its own (the RTC's date), and what the
# guest itself reports: /proc/meminfo, nproc, date.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

KM=$T_BUILD/kmdash
cfg=tests/fixtures/vm/small.json
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "vm settings" "the embedded target is not built (make target)"
	exit 0
fi
# The expected values are the fixture's.
name=$(sed -n 's/.*"name": "\([^"]*\)".*/\1/p' "$cfg")
mem=$(sed -n 's/.*"memory_mb": \([0-9]*\).*/\1/p' "$cfg")
smp=$(sed -n 's/.*"smp": \([0-9]*\).*/\1/p' "$cfg")
year=$(sed -n 's/.*"base=\([0-9]*\)-.*/\1/p' "$cfg")

T_VMS+=("$name")
out=$("$KM" --config "$cfg" vm start 2>&1)
rc=$?
printf '%s\n' "$out"
check "kmdash vm start boots the configured target '$name'" test "$rc" -eq 0
check "... named after it" contains "$out" "$(vm_dir "$name")/ssh_config"

kb=$(vm_ssh "$name" "sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo" </dev/null)
echo "guest MemTotal: ${kb:-?} kB (memory_mb $mem)"
check "the guest has less than memory_mb ($mem MiB) of memory" \
	test "${kb:-0}" -gt 0 -a "${kb:-0}" -le $((mem * 1024))
# The kernel keeps some for itself; most of it is there.
check "... and most of it" test "${kb:-0}" -gt $((mem * 1024 / 2))
check "the guest has smp ($smp) CPUs" \
	test "$(vm_ssh "$name" nproc </dev/null)" = "$smp"
check "extra_args reach QEMU: the guest's clock starts in $year" \
	test "$(vm_ssh "$name" date +%Y </dev/null)" = "$year"

out=$("$KM" --config "$cfg" vm status 2>&1)
check "kmdash vm status sees it" contains "$out" "VM $name: running"
check "kmdash vm stop stops it" "$KM" --config "$cfg" vm stop
check "... and its runtime directory is gone" test ! -e "$(vm_dir "$name")"
