#!/usr/bin/env bash
# kbuild's recorded plan (core/module/kbplan.h) with the real kbuild, the
# embedded target's headers and the cross-compiler, on watch mode's
# fixture module (no VM): the first build records the plan; later builds
# skip the top-level Makefile, and still rebuild what a change of the
# included header or of a flag in the Kbuild needs; a change of the
# environment or of the kernel tree's makefiles records the plan again,
# and the module is compiled with what changed.
. "$(dirname "$0")/../lib.sh"

KDIR=$(target_env KDIR 2>/dev/null)
if [ ! -d "$KDIR" ]; then
	skip "kbuild's plan" "the embedded target is not built (make target)"
	exit 0
fi
KM=$T_BUILD/kmdash
export XDG_CONFIG_HOME=$T_TMP/config XDG_STATE_HOME=$T_TMP/state
private_cache
PLANS=$KMDASH_CACHE_DIR/kbuild-plans
SKIPPED="kbuild's top-level Makefile skipped"

MOD=$T_TMP/src/watchmod
mkdir -p "$T_TMP/src"
cp -r "$T_ROOT/tests/fixtures/kmod_watch" "$MOD"
WORD=$(sed -n 's/^#define WATCH_WORD "\(.*\)"$/\1/p' "$MOD/watchmod.h")
FLAG=$(sed -n 's/.*-DWATCH_FLAG=\([0-9]*\)$/\1/p' "$MOD/Kbuild")

# build [CONFIG]: kmdash run build; its output in $T_TMP/out, the build's
# own lines (the journal's build.log) in $T_TMP/log
build()
{
	"$KM" ${1:+--config "$1"} --module "$MOD" run build >"$T_TMP/out" 2>&1
	local rc=$?
	cp "$(sed -n 's/^journal: //p' "$T_TMP/out")/build.log" "$T_TMP/log"
	return $rc
}
out_dir() { dirname "$(ls "$KMDASH_CACHE_DIR"/build/*/watchmod-*/watchmod.ko)"; }
plans() { ls "$PLANS"/*.plan 2>/dev/null | wc -l; }
replayed() { grep -qF "$SKIPPED" "$T_TMP/log"; }
not() { ! "$@"; }
cmd_has() { grep -qF -- "$1" "$(out_dir)/.watchmod.o.cmd"; }
ko_has() { grep -qaF -- "$1" "$(out_dir)/watchmod.ko"; }

check "the first build succeeds" build
check "... and runs kbuild's top-level Makefile" not replayed
check "... recording one plan" test "$(plans)" -eq 1

check "the next build succeeds" build
check "... skipping the top-level Makefile, and says so" replayed
check "... and shows the kernel tree it stands for" \
	grep -qF "Entering directory '$(realpath "$KDIR")'" "$T_TMP/log"

sleep 1 # an mtime kbuild's make can tell from the last build's
sed -i "s/^#define WATCH_WORD .*/#define WATCH_WORD \"${WORD}x\"/" "$MOD/watchmod.h"
check "a change of the included header builds" build
check "... from the plan" replayed
check "... a module with the header's change" ko_has "${WORD}x"

sed -i "s/-DWATCH_FLAG=$FLAG/-DWATCH_FLAG=$((FLAG + 1))/" "$MOD/Kbuild"
check "a change of a flag in the Kbuild builds" build
check "... from the plan" replayed
check "... compiling with the new flag" cmd_has "-DWATCH_FLAG=$((FLAG + 1))"

export KCFLAGS=-DKBPLAN_ENV_PROBE
check "a build in another environment succeeds" build
check "... records the plan again (the top-level runs)" not replayed
check "... compiling with what the environment added" cmd_has -DKBPLAN_ENV_PROBE
check "... keeping both plans" test "$(plans)" -eq 2
unset KCFLAGS

# a kernel tree of the test's own: the embedded one's, its scripts link
# made absolute (cp -a keeps it relative to where it was)
TREE=$T_TMP/kdir
cp -a "$KDIR" "$TREE"
ln -sfn "$(realpath "$KDIR/scripts")" "$TREE/scripts"
cat >"$T_TMP/tree.json" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" }, "build": { "kdir": "$TREE" } } ] }
EOF
check "a build against another kernel tree succeeds" build "$T_TMP/tree.json"
check "... records its plan" not replayed
check "the next one skips its top-level Makefile" build "$T_TMP/tree.json"
check "... and says so" replayed
sleep 1
echo 'KBUILD_CFLAGS_MODULE += -DKBPLAN_TREE_PROBE' >>"$TREE/Makefile"
check "after a change of the tree's Makefile a build succeeds" build "$T_TMP/tree.json"
check "... recording the plan again" not replayed
check "... compiling with what the tree's Makefile added" cmd_has -DKBPLAN_TREE_PROBE

# the choice is the user's
cat >"$T_TMP/off.json" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" }, "build": { "kbuild_plan": false } } ] }
EOF
check "with build.kbuild_plan false a build succeeds" build "$T_TMP/off.json"
check "... and runs the top-level Makefile" not replayed

# A cancel during the recording (SIGTERM to the build's process group, as
# c and a save during the build send): the runner ends by that signal,
# with its group, and leaves no recording behind.
PLANS2=$T_TMP/cancel-plans
touch "$(out_dir)/watchmod.c"
setsid "$KM" __kbuild "$PLANS2" -- make -C "$KDIR" M="$(out_dir)" ARCH=arm64 \
	CROSS_COMPILE=aarch64-linux-gnu- modules >"$T_TMP/cancel.out" 2>&1 &
rpid=$!
track_pid $rpid
recording() { compgen -G "$PLANS2/rec.*" >/dev/null; }
check "a recording build starts" wait_until 20 recording
kill -TERM -- -"$rpid"
wait "$rpid"
check "... a cancel ends it by SIGTERM" test $? -eq 143
group_gone() { ! pgrep -g "$rpid" >/dev/null; }
check "... and its group with it" wait_until 10 group_gone
check "... and no recording left behind" not recording
check "... nor a plan" test -z "$(ls "$PLANS2")"
