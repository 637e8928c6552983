#!/usr/bin/env bash
# Watch mode on the embedded target, through `kmdash watch --json` on a
# module of its own (tests/fixtures/kmod_watch: its load line names the
# source's generation, its header's word and its Kbuild's flag):
#   a save of the source builds and reloads it, its load line shows;
#   a second save during the build restarts the build: one build result,
#     only the second save's module is ever loaded;
#   a broken save shows the compiler's error, deploys nothing and leaves
#     the module loaded; the fixed save reloads it;
#   editor swap and backup files, and a file outside the module, run
#     nothing (each is written before a save that does: the save event
#     that follows names only that one's file);
#   a change of the included header, and of a flag in the Kbuild, each
#     load a rebuilt module that shows the change.
. "$(dirname "$0")/../lib.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "watch mode" "the embedded target is not built (make target)"
	exit 0
fi
KM=$T_BUILD/kmdash
T_VMS+=(qemu) # kmdash watch boots the target's VM; stopped at the end
export XDG_CONFIG_HOME=$T_TMP/config XDG_STATE_HOME=$T_TMP/state
private_cache

MOD=$T_TMP/src/watchmod
mkdir -p "$T_TMP/src"
cp -r "$T_ROOT/tests/fixtures/kmod_watch" "$MOD"
W=$T_TMP/watch.json
"$KM" --module "$MOD" watch --json >"$W" 2>"$T_TMP/watch.err" &
WPID=$!
track_pid $WPID

# count EVENT-TEXT: lines of the event stream holding it.
count() { grep -cF -- "$1" "$W"; }
at_least() { [ "$(count "$2")" -ge "$1" ]; }
# wait_events N TEXT [SECONDS]: until N lines hold TEXT.
wait_events()
{
	if wait_until "${3:-120}" at_least "$1" "$2"; then
		return 0
	fi
	echo "expected $1 lines with '$2'; the events:" >&2
	tail -20 "$W" >&2
	cat "$T_TMP/watch.err" >&2
	return 1
}
# gen N: a save of the source, its generation N (sed -i: temp + rename).
gen() { sed -i "s/^#define WATCH_GEN .*/#define WATCH_GEN $1/" "$MOD/watchmod.c"; }
loaded() { printf 'watchmod: loaded, gen=%s word=%s flag=%s' "$@"; }
WORD=$(sed -n 's/^#define WATCH_WORD "\(.*\)"$/\1/p' "$MOD/watchmod.h")
FLAG=$(sed -n 's/.*-DWATCH_FLAG=\([0-9]*\)$/\1/p' "$MOD/Kbuild")
DONE='"event":"done","job":"build+reload"'

check "kmdash watch says what it watches and what a save does" \
	wait_events 1 "{\"event\":\"watch\",\"dir\":\"$MOD\",\"do\":\"reload\"}" 10

# 1. a save of the source: build, reload, the load line
gen 1
check "a save of the source starts a build" \
	wait_events 1 '"event":"step","step":"build","state":"running"' 60
check "... the save names the file" \
	wait_events 1 '{"event":"save","files":"watchmod.c"}' 5
check "... then reloads it" wait_events 1 "$DONE,\"state\":\"ok\""
check "... and its load line shows" wait_events 1 "$(loaded 1 "$WORD" "$FLAG")" 10

# 2. a save during the build restarts it
gen 2
wait_events 2 '"event":"step","step":"build","state":"running"' 60
gen 3
check "a save during the build restarts the build" \
	wait_events 1 '{"event":"restart","files":"watchmod.c"}' 60
check "... one job, ok" wait_events 2 "$DONE,\"state\":\"ok\""
builds_ok() { [ "$(count '"step":"build","state":"ok"')" -eq 2 ]; }
check "... one build result for the two saves" builds_ok
check "... the second save's module loads" wait_events 1 "$(loaded 3 "$WORD" "$FLAG")" 10
never_gen2() { [ "$(count "$(loaded 2 "$WORD" "$FLAG")")" -eq 0 ]; }
check "... and the first's never did (no stale .ko)" never_gen2

# 3. a broken save: the compiler's error, nothing deployed
sed -i 's/return 0;/return 0 +;/' "$MOD/watchmod.c"
line=$(grep -n 'return 0 +;' "$MOD/watchmod.c" | cut -d: -f1)
check "a broken save fails the build" wait_events 1 "$DONE,\"state\":\"failed\""
check "... showing the compiler's error at the line" \
	grep -qF "{\"file\":\"$MOD/watchmod.c\",\"line\":$line,\"severity\":\"error\"" "$W"
unload_count() { count '"step":"unload","state":"running"'; }
check "... deploys nothing (no unload after it)" test "$(unload_count)" -eq 2
check "... and the module stays loaded" vm_ssh qemu test -d /sys/module/watchmod

# 4. the fixed save reloads it
sed -i 's/return 0 +;/return 0;/; s/^#define WATCH_GEN .*/#define WATCH_GEN 4/' "$MOD/watchmod.c"
check "the fixed save reloads it" wait_events 3 "$DONE,\"state\":\"ok\""
check "... its load line shows" wait_events 1 "$(loaded 4 "$WORD" "$FLAG")" 10

# 5. swap, backup and outside files do nothing; the header's change does
saves=$(count '"event":"save"')
echo swap >"$MOD/.watchmod.c.swp"
echo backup >"$MOD/watchmod.c~"
: >"$MOD/4913"
echo lock >"$MOD/.#watchmod.h"
echo 'int other;' >"$T_TMP/src/other.c"
sed -i 's/^#define WATCH_WORD .*/#define WATCH_WORD "two"/' "$MOD/watchmod.h"
check "editor files and a file outside the module trigger nothing" \
	wait_events $((saves + 1)) '"event":"save"' 60
only_header() { [ "$(grep -F '"event":"save"' "$W" | tail -1)" = '{"event":"save","files":"watchmod.h"}' ]; }
check "... the next save event is the header's alone" only_header
check "a change of the header loads a module that shows it" \
	wait_events 1 "$(loaded 4 two "$FLAG")"

# 6. a flag in the Kbuild
sed -i "s/-DWATCH_FLAG=$FLAG/-DWATCH_FLAG=$((FLAG + 1))/" "$MOD/Kbuild"
check "a change of a flag in the Kbuild loads a module that shows it" \
	wait_events 1 "$(loaded 4 two $((FLAG + 1)))"
check "... no build was skipped: every save built" \
	test "$(count '"step":"build","state":"running"')" -eq 6
# kbuild's recorded plan (core/module/kbplan.h) did those builds: each
# build says "make: Entering directory" once (make[N] under another
# make, as in make test), the first from kbuild's
# top-level Makefile, which recorded the plan, every later one from it
blog=$(ls -d "$XDG_STATE_HOME"/kmdash/*/2*/ | head -1)build.log
entered() { grep -cE "make(\[[0-9]+\])?: Entering directory" "$blog"; }
replays() { grep -c "kbuild's top-level Makefile skipped" "$blog"; }
all_but_first() { [ "$(entered)" -ge 2 ] && [ "$(replays)" -eq $(($(entered) - 1)) ]; }
check "... and all but the first skipped kbuild's top-level Makefile" all_but_first

kill -INT $WPID
stopped() { ! kill -0 $WPID 2>/dev/null; }
check "Ctrl-C stops kmdash watch" wait_until 15 stopped
wait $WPID
check "... with exit status 0" test $? -eq 0
