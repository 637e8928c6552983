#!/usr/bin/env bash
# make target: a second run needs no network and downloads nothing; a run
# that cannot download says which package and why, and leaves no
# half-built target behind.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
. target/common.sh

if ! unshare -n true 2>/dev/null; then
	skip "make target offline checks" "unshare -n (a network namespace) is not permitted here"
	exit 0
fi

check "make target builds or finds the target" make -s target
debs_before=$(ls -l --time-style=full-iso "$KMDASH_CACHE/apt/debs")
out=$(unshare -n make -s target 2>&1)
rc=$?
check "a second make target succeeds with no network at all" test "$rc" -eq 0
check "it reports the target up to date" contains "$out" "up to date"
check "it downloads nothing" \
	bash -c '! grep -q downloading <<<"$1"' _ "$out"
check "the package cache is unchanged" \
	test "$debs_before" = "$(ls -l --time-style=full-iso "$KMDASH_CACHE/apt/debs")"

# No cache and no network.
empty=$T_TMP/empty-cache
out=$(KMDASH_CACHE_DIR=$empty unshare -n target/build-target.sh 2>&1)
rc=$?
check "no network and no cache: make target fails" test "$rc" -ne 0
check "... saying it cannot reach the archive" \
	contains "$out" "cannot download the package lists"
check "... and builds no target" \
	bash -c '[ -z "$(ls -A "$1/target" 2>/dev/null | grep -v ^ssh$)" ]' _ "$empty"

# Package lists present, packages not downloaded, network gone.
part=$T_TMP/lists-only
mkdir -p "$part/apt"
cp -a "$KMDASH_CACHE/apt/lists" "$part/apt/"
touch "$part/apt/lists/.updated"
out=$(KMDASH_CACHE_DIR=$part unshare -n target/build-target.sh 2>&1)
rc=$?
kver=$(target_env KVER)
check "a package that cannot be downloaded fails the build" test "$rc" -ne 0
check "... naming the package" contains "$out" "could not download package linux-image-$kver"
check "... with apt's own error" bash -c 'grep -qE "^(E|W|Err):" <<<"$1"' _ "$out"
check "... and leaves no half-built target" \
	bash -c '[ -z "$(ls -A "$1/target" 2>/dev/null | grep -v ^ssh$)" ]' _ "$part"
