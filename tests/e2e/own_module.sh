#!/usr/bin/env bash
# A user's own module, as a new user brings it: a fresh module directory
# outside the checkout (a hello world of two files with its own Kbuild,
# tests/fixtures/kmod_twofile), cd there, kmdash init --yes, kmdash run
# build deploy load: it loads and its load line shows; kmdash check passes;
# nothing is written into the module's directory. The same from a
# subdirectory of the module, from / with --module, and from a directory
# without a module (an error naming what was looked for).
. "$(dirname "$0")/../lib.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "your own module" "the embedded target is not built (make target)"
	exit 0
fi
KM=$T_BUILD/kmdash
T_VMS+=(qemu) # kmdash run boots the target's VM; stopped at the end
export XDG_CONFIG_HOME=$T_TMP/config XDG_STATE_HOME=$T_TMP/state
private_cache

MOD=$T_TMP/src/twofile
mkdir -p "$T_TMP/src"
cp -r "$T_ROOT/tests/fixtures/kmod_twofile" "$MOD"
# What the module prints when it loads, as its source says.
LOADED=$(sed -n 's/.*the load line the tests look for: \(.*\) \*\/$/\1/p' \
	"$MOD/twofile_main.c")
[ -n "$LOADED" ] || { not_ok "the fixture marks its load line"; exit 1; }
listing() { (cd "$MOD" && find . -printf '%p %y %s %T@\n' | sort); }
before=$(listing)
CONFIG=$XDG_CONFIG_HOME/kmdash/config.json

# run KMDASH-ARGS...: output (stdout and stderr) in $out, status in $rc.
run() { out=$("$KM" "$@" 2>&1); rc=$?; }
status_is() { [ "$rc" -eq "$1" ] || { echo "exit status $rc, expected $1: $out" >&2; return 1; }; }

cd "$MOD" || exit 1
# Without a terminal and without --yes: shown, not written.
run init </dev/null
check "init without a terminal nor --yes: exit 1" status_is 1
check "... prints the config" contains "$out" "\"dir\":	\"$MOD\""
check "... says how to write it" contains "$out" "kmdash init --yes writes it to $CONFIG"
check "... and writes nothing" test ! -e "$CONFIG"
run init --yes
check "init --yes in the module's directory: exit 0" status_is 0
check "... writes the config" test -s "$CONFIG"
check "... for this module's directory" grep -qF "\"dir\":	\"$MOD\"" "$CONFIG"
check "... and checks it: the module and its obj-m" \
	contains "$out" "module    ok: twofile in $MOD (obj-m of Kbuild: twofile)"

run run build deploy load
check "run build deploy load: exit 0" status_is 0
check "... the build ran kbuild for the module against the target" \
	contains "$out" "M=$KMDASH_CACHE_DIR/build/qemu/twofile-"
check "... and it loads" contains "$out" "[load] ok"
check "... and its load line shows" contains "$out" "kernel: " &&
	check "... the module's own words" contains "$out" "$LOADED"

# No benchmark configured: run bench says how to add one.
run run bench
check "run bench without a benchmark: refused (exit 2)" status_is 2
check "... saying how to add one" \
	contains "$out" "no benchmark for twofile: add \"bench\": { \"argv\": [\"./mybench\"] } to the target in $CONFIG"

run check
check "check passes (exit 0)" status_is 0
check "... every line ok" contains "$out" "check: ok"
check "... the .ko against the release the target runs" \
	contains "$out" "as the target runs"
check "nothing was written into the module's directory" \
	test "$before" = "$(listing)"

# A compile error names the user's file, not its mirror in the cache.
cp "$MOD/twofile_greet.c" "$T_TMP/greet.c"
sed -i 's/return "hello from two files";/return 42 +;/' "$MOD/twofile_greet.c"
line=$(grep -n 'return 42 +;' "$MOD/twofile_greet.c" | cut -d: -f1)
run run build
check "a broken source: the build fails" status_is 1
check "... the error names the user's file and line" \
	contains "$out" "$MOD/twofile_greet.c:$line:"
cp "$T_TMP/greet.c" "$MOD/twofile_greet.c"
before=$(listing)

# init again: an existing config is never replaced silently.
printf '{ "ui": { "graph": "ascii" } }\n' >"$CONFIG"
run init --yes
check "init over another config: exit 0" status_is 0
check "... says where the old one went" contains "$out" "(the old one is $CONFIG.bak)"
check "... which is kept" grep -q '"ascii"' "$CONFIG.bak"

# From a subdirectory: the module is found upwards.
rm -f "$CONFIG"
cd "$MOD/include" || exit 1
run init --yes
check "init --yes from a subdirectory: exit 0" status_is 0
check "... names the module's directory, not the subdirectory" \
	grep -qF "\"dir\":	\"$MOD\"" "$CONFIG"
touch "$MOD/twofile_greet.c"
run run build reload
check "from the subdirectory: build and reload, exit 0" status_is 0
journal=$(sed -n 's/^journal: //p' <<<"$out")
check "... it compiled the changed file (the build's log)" \
	grep -q 'CC \[M\] .*/twofile_greet.o' "$journal/build.log"
check "... and the load line shows" contains "$out" "$LOADED"
run check
check "... check passes" status_is 0
check "... and still nothing written into the module's directory" \
	test "$(cd "$MOD" && find . -newer "$MOD/twofile_greet.c" ! -path . | wc -l)" -eq 0

# From / with --module, and no config at all.
rm -f "$CONFIG"
cd / || exit 1
run --module "$MOD" run build reload
check "from / with --module: build and reload, exit 0" status_is 0
check "... the load line shows" contains "$out" "$LOADED"
run --module "$MOD" check
check "... check passes" status_is 0

# From a directory without a module.
mkdir -p "$T_TMP/empty"
cd "$T_TMP/empty" || exit 1
run init --yes
check "init where there is no module: exit 1" status_is 1
check "... names where it looked and for what" contains "$out" \
	"no kernel module in $T_TMP/empty or its parents (up to /): looked for a Kbuild, or a Makefile with obj-m or obj-\$(CONFIG_...)"
check "... and writes no config" test ! -e "$CONFIG"
run run build
check "run build where there is no module: refused (exit 2)" status_is 2
check "... with the same words, and how to name a module" \
	contains "$out" "looked for a Kbuild, or a Makefile with obj-m or obj-\$(CONFIG_...): cd into your module's directory, or name it (--module DIR"
