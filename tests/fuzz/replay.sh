#!/usr/bin/env bash
# The fuzz regression corpus (tests/fuzz/regress/NAME/: every input that
# once crashed, leaked or broke a promise) and the seed corpora
# (tests/fuzz/seeds.sh), replayed through each harness's
# LLVMFuzzerTestOneInput() in the gcc ASan+UBSan build: one check per
# harness, no clang needed. tests/run.sh runs it as the suite "fuzz".
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$T_ROOT" || exit 1

tests/fuzz/seeds.sh "$T_TMP/corpus" >/dev/null ||
	not_ok "fuzz seeds: tests/fuzz/seeds.sh failed"
# fuzz_decode resolves frames against the modules `make fixtures` builds
export KMDASH_FUZZ_KO_DIR=$T_BUILD/tests/fixtures
for src in tests/fuzz/fuzz_*.c; do
	name=${src#tests/fuzz/fuzz_}
	name=${name%.c}
	exe=$T_BUILD/asan/tests/fuzz/fuzz_$name
	if [ ! -x "$exe" ]; then
		not_ok "fuzz replay $name: no $exe (make asan)"
		continue
	fi
	if [ "$name" = decode ] && ! [ -f "$KMDASH_FUZZ_KO_DIR/kmod_crash/crashmod.ko" ]; then
		skip "fuzz replay decode" "no fixture modules in $KMDASH_FUZZ_KO_DIR (make fixtures)"
		continue
	fi
	inputs=()
	for d in "tests/fuzz/regress/$name" "$T_TMP/corpus/$name"; do
		[ -d "$d" ] && inputs+=("$d")
	done
	if [ ${#inputs[@]} -eq 0 ]; then
		not_ok "fuzz replay $name: no regression input and no seed"
		continue
	fi
	mkdir -p "$T_TMP/tmp-$name"
	if out=$(TMPDIR=$T_TMP/tmp-$name "$exe" "${inputs[@]}" 2>&1); then
		ok "fuzz replay $name: $(tail -1 <<<"$out")"
	else
		not_ok "fuzz replay $name"
		grep -E '^replay ' <<<"$out" | tail -1 | sed 's/^/    last input: /'
		grep -E 'ERROR:|SUMMARY:|runtime error|broken promise|^ +#[0-9]+ ' \
			<<<"$out" | head -16 | sed 's/^/    /'
	fi
done
