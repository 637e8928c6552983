#!/usr/bin/env bash
# kmdash check checks what it claims: a .ko not built, a .ko built for
# another release than the target runs, a misspelled theme and a port
# nothing listens on each give a line of their own that says what to do,
# and the exit status is 1. Paths in the config are the config file's.
. "$(dirname "$0")/../lib.sh"

if [ ! -f "$(target_env KDIR 2>/dev/null)/Makefile" ]; then
	skip "check's problems" "the embedded target is not built (make target)"
	exit 0
fi
KM=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KM" ] || KM=$T_BUILD/kmdash
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
private_cache
KVER=$(target_env KVER)

# The module beside the configs: "dir": "mod" is the config file's mod/.
W=$T_TMP/work
mkdir -p "$W"
cp -r "$T_ROOT/tests/fixtures/kmod_twofile" "$W/mod"
# A theme one typo away from one that ships (themes/).
THEME=solarized-dark
[ -f "$T_ROOT/themes/$THEME.json" ] || { not_ok "themes/$THEME.json ships"; exit 1; }
TYPO=solarised-drak
cat >"$W/board.json" <<EOF
{
	"targets": [ { "name": "board",
		"ssh": { "host": "127.0.0.1", "port": 1, "user": "root",
			 "connect_timeout_ms": 2000 },
		"module": { "dir": "mod" } } ],
	"ui": { "theme": "$TYPO" }
}
EOF

run() { out=$("$KM" "$@" 2>&1); rc=$?; }
cd / || exit 1
run -c "$W/board.json" check
check "check with problems: exit 1" test "$rc" -eq 1
check "a .ko not built: its own line, saying to build it" \
	grep -qE "^ko +error: $KMDASH_CACHE_DIR/build/board/mod-[0-9a-f]+/twofile.ko is not built yet: kmdash run build" <<<"$out"
check "a misspelled theme: its own line, with the one meant" \
	grep -qE "^theme +error: theme '$TYPO' not found; did you mean '$THEME'\?" <<<"$out"
check "... and where to fix it" contains "$out" "fix ui.theme in $W/board.json"
check "a refused port: its own line, with the reason" \
	grep -qE "^link +error: DOWN: connection to 127.0.0.1:1 refused: nothing listens on that port" <<<"$out"
check "three errors, one line each" test "$(grep -c ' error: ' <<<"$out")" -eq 3
check "... counted at the end" contains "$out" "check: 3 errors"
check "the module itself is fine (found through the config's dir)" \
	grep -qE "^module +ok: twofile in $W/mod " <<<"$out"

# A .ko for another kernel: built, then its vermagic rewritten as if the
# build had used another release's headers.
run -c "$W/board.json" run build
check "the module builds (for the board's config)" test "$rc" -eq 0
ko=$(ls "$KMDASH_CACHE_DIR"/build/board/mod-*/twofile.ko)
sed "s/$KVER SMP/6.1.0-99-arm64 SMP/" "$ko" >"$W/other.ko"
check "the copy names another release" grep -q "vermagic=6.1.0-99-arm64 SMP" "$W/other.ko"
# The embedded target (not running: its release is target.env's).
cat >"$W/vm.json" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
	"module": { "dir": "mod", "ko": "other.ko" } } ] }
EOF
run -c "$W/vm.json" check
check "a wrong vermagic: exit 1" test "$rc" -eq 1
check "... its own line, with both releases and what to do" \
	grep -qE "^ko +error: $W/other.ko: vermagic mismatch: module built for 6.1.0-99-arm64, target runs $KVER.*kmdash run build" <<<"$out"
check "... the only error" contains "$out" "check: 1 error,"
check "the VM that is not running is no error" \
	grep -qE "^vm +not running" <<<"$out"

# The module as built for the board: nothing wrong but the board.
run -c "$W/board.json" check
check "once built, the .ko line is ok" grep -qE "^ko +ok: .*twofile.ko, built for $KVER" <<<"$out"
