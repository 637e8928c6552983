#!/usr/bin/env bash
# Watch mode in the dashboard, on the embedded target and a module of its
# own (tests/fixtures/kmod_watch): w starts it (the status bar says
# "watching watchmod/ (reload)"); a save reloads the module and its load
# line shows in the kernel log; a save during the build says it builds
# again and only its module loads; a broken save shows the compiler's error
# in the build pane and the module stays loaded; the fixed save reloads
# it; swap and backup files do nothing (the status bar's last save names
# the header saved after them, not them); w again stops.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "watch mode in the dashboard" "the embedded target is not built (make target)"
	exit 0
fi
T_VMS+=(qemu) # the dashboard boots it; stopped at the end
private_cache
MOD=$T_TMP/src/watchmod
mkdir -p "$T_TMP/src"
cp -r "$T_ROOT/tests/fixtures/kmod_watch" "$MOD"
gen() { sed -i "s/^#define WATCH_GEN .*/#define WATCH_GEN $1/" "$MOD/watchmod.c"; }

dash_run wat 200 50 "KMDASH_CACHE_DIR=$KMDASH_CACHE_DIR" "$KMDASH" --module "$MOD"
check "the dashboard boots the target and the link comes up" \
	wait_screen wat "link UP" 120
keys wat w
check "w: the status bar says what is watched and what a save does" \
	wait_screen wat "watching watchmod/ (reload)" 10
check "... and what a save does, in words" wait_screen wat "watching watchmod/: a save builds and reloads"

gen 1
check "a save: the status bar names it" wait_screen wat "watching watchmod/ (reload), watchmod.c at" 30
check "... the module is built and reloaded: its load line in the kernel log" \
	wait_screen wat "watchmod: loaded, gen=1" 180
check "... the job ends ok" wait_screen wat "last: build+reload ok" 30

gen 2
check "a second save: the build runs" wait_screen wat "build+reload > build" 60
gen 3
check "a save during the build: the message says it builds again" \
	wait_screen wat "watchmod.c saved during the build: building again" 30
check "... the last save's module loads" wait_screen wat "watchmod: loaded, gen=3" 180
no_gen2() { ! screen wat | grep -qF "watchmod: loaded, gen=2"; }
check "... and the stale build's never did" no_gen2

sed -i 's/return 0;/return 0 +;/' "$MOD/watchmod.c"
line=$(grep -n 'return 0 +;' "$MOD/watchmod.c" | cut -d: -f1)
check "a broken save: the build fails" wait_screen wat "last: build+reload failed" 180
check "... the build pane shows the compiler's error at its line" \
	wait_screen wat "watchmod.c:$line:" 10
check "... and the module stays loaded" wait_screen wat "watchmod loaded" 5
check "... on the target too" vm_ssh qemu test -d /sys/module/watchmod

sed -i 's/return 0 +;/return 0;/; s/^#define WATCH_GEN .*/#define WATCH_GEN 4/' "$MOD/watchmod.c"
check "the fixed save reloads it: its load line" \
	wait_screen wat "watchmod: loaded, gen=4" 180
check "... the job ends ok" wait_screen wat "last: build+reload ok" 30

echo swap >"$MOD/.watchmod.h.swp"
echo backup >"$MOD/watchmod.h~"
sed -i 's/^#define WATCH_WORD .*/#define WATCH_WORD "two"/' "$MOD/watchmod.h"
check "swap and backup files do nothing: the last save is the header's" \
	wait_screen wat "watching watchmod/ (reload), watchmod.h at" 30
no_swap() { ! screen wat | grep -qF '.swp at'; }
check "... never the swap file's" no_swap
check "... whose change the reloaded module shows" \
	wait_screen wat "watchmod: loaded, gen=4 word=two" 180

keys wat w
check "w again: not watching" wait_screen wat "not watching watchmod/ any more"
gone() { ! screen wat | grep -qF "watching watchmod/ ("; }
check "... the status bar says no more" wait_until 5 gone
check "q quits" quits wat
