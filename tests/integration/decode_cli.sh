#!/usr/bin/env bash
# `kmdash decode`: a trace captured from the embedded target, pasted on
# stdin or named as a file, comes back with the marked source line of the
# fixture under its frame; what cannot be decoded says why; bytes from the
# input never reach the terminal raw. Needs `make fixtures`.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
export XDG_CONFIG_HOME=$T_TMP/config XDG_STATE_HOME=$T_TMP/state

KO=$T_BUILD/tests/fixtures/kmod_crash/crashmod.ko
TRACE=tests/fixtures/traces/init_oops.kmsg
SRC=tests/fixtures/kmod_crash/crashmod_faults.c
if [ ! -f "$KO" ]; then
	not_ok "the fixture module is built ($KO missing: run 'make fixtures')"
	exit 1
fi
line=$(grep -n 'kmdash-test: init_oops \*/' "$SRC" | cut -d: -f1)
want="-> crashmod_init_oops at $SRC:$line"

out=$("$T_BUILD/kmdash" decode --ko "$KO" <"$TRACE" 2>&1)
check "decode exits 0 when every module frame is decoded" test $? -eq 0
check "the pc frame decodes to the marked line" contains "$out" "$want"
check "it names the file it decoded with and its build id" \
	contains "$out" "crashmod: decoded with $KO (build id "
check "the trace itself is shown" contains "$out" "Call trace:"

out=$("$T_BUILD/kmdash" decode --ko "$KO" "$TRACE" 2>&1)
check "a trace file given as an argument decodes the same" contains "$out" "$want"

# The default target's module is storage_hash, not crashmod; no kept copy.
out=$("$T_BUILD/kmdash" decode "$TRACE" 2>&1)
check "decode exits 1 when module frames cannot be decoded" test $? -eq 1
check "a frame that cannot be decoded says why" \
	contains "$out" "-> not decoded: "
check "and names the way out" contains "$out" "give its .ko with --ko FILE"

out=$(printf 'evil \033]0;title\007\n crashmod_init+0x4c/0xf4 [crashmod]\n' |
	"$T_BUILD/kmdash" decode --ko "$KO" 2>&1)
check "control bytes of the input are escaped" contains "$out" 'evil \x1b]0;title\x07'
check "no raw escape byte reaches the terminal" \
	bash -c '! grep -q $'"'"'\x1b'"'"' <<<"$1"' _ "$out"

"$T_BUILD/kmdash" decode --ko >/dev/null 2>&1
check "a usage error exits 2" test $? -eq 2
out=$("$T_BUILD/kmdash" decode --ko /nonexistent.ko "$TRACE" 2>&1)
check "a missing --ko file is named" contains "$out" "cannot open /nonexistent.ko"
