#!/usr/bin/env bash
# Installed, kmdash stands alone: make install into a DESTDIR, then with
# the checkout hidden (an empty tmpfs mounted over it, in a mount
# namespace of its own) the installed binary builds the target (cached:
# reused, nothing downloaded, no network at all), writes a config for a
# module in a fixture directory, builds, deploys and loads it, builds the
# installed storage_hash example into the cache, and opens the dashboard.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "installed kmdash" "the embedded target is not built (make target)"
	exit 0
fi
if ! unshare -m -n true 2>/dev/null; then
	skip "installed kmdash" "unshare -m -n (mount and network namespaces) is not permitted here"
	exit 0
fi
T_VMS+=(qemu) # the installed kmdash boots it; stopped at the end
D=$T_TMP/root
P=/usr
make -s -C "$T_ROOT" install DESTDIR="$D" PREFIX="$P" \
	INSTALL_BIN="$T_BUILD/kmdash" >"$T_TMP/install.log" 2>&1
check "make install into a DESTDIR" test $? -eq 0 || cat "$T_TMP/install.log"
KM=$D$P/bin/kmdash
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
private_cache
MOD=$T_TMP/src/twofile
mkdir -p "${MOD%/*}"
cp -r "$T_ROOT/tests/fixtures/kmod_twofile" "$MOD"
LOADED=$(sed -n 's/.*the load line the tests look for: \(.*\) \*\/$/\1/p' \
	"$MOD/twofile_main.c")

# hidden [unshare options] -- DIR CMD...: CMD in DIR, the checkout hidden.
hidden()
{
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	unshare -m "${opts[@]}" -- bash -c \
		'mount --make-rprivate / && mount -t tmpfs kmdash-hidden "$0" &&
		 cd "$1" && shift && exec "$@"' "$T_ROOT" "$@"
}

check "the checkout is out of reach (an empty directory)" \
	hidden -- / bash -c '[ -d "$1" ] && [ -z "$(ls -A "$1")" ]' _ "$T_ROOT"

# The recipe's hash is the cache's key: installed byte for byte, the
# installed recipe is the one that built the cached target (make target).
for f in build-target.sh common.sh apt.sh init inittab; do
	check "the installed recipe: target/$f as in the checkout" \
		cmp -s "$D$P/share/kmdash/target/$f" "$T_ROOT/target/$f"
done
# The shared cache, as the user's kmdash would use it.
out=$(hidden -n -- / env -u KMDASH_CACHE_DIR "$KM" target build 2>&1)
rc=$?
check "target build, installed, no network: exit 0" test "$rc" -eq 0 ||
	echo "$out"
# up to date when the package lists are fresh; older than a day, their
# refresh fails offline and the target is kept all the same
check "... the cached target is reused" \
	grep -qE "up to date|keeping the existing target" <<<"$out"
check "... nothing downloaded" bash -c '! grep -q downloading <<<"$1"' _ "$out"

out=$(hidden -- "$MOD" "$KM" init --yes 2>&1)
check "init --yes in the module's directory" test $? -eq 0 || echo "$out"
out=$(hidden -- "$MOD" "$KM" run build deploy load 2>&1)
check "run build deploy load: exit 0" test $? -eq 0 || echo "$out"
check "... the module's load line" contains "$out" "$LOADED"

out=$(hidden -- "$MOD" "$KM" check 2>&1)
check "check passes" contains "$out" "check: ok" || echo "$out"
# A theme that ships: found in share/kmdash/themes, next to the binary.
printf '{ "ui": { "theme": "solarized-dark" } }\n' >"$T_TMP/theme.json"
out=$(hidden -- / "$KM" -c "$T_TMP/theme.json" --module "$MOD" check 2>&1)
check "... the installed themes are found" \
	grep -qE '^theme +ok: solarized-dark' <<<"$out"

# The installed example, built in the cache with its tools.
out=$(hidden -- / "$KM" --example run build 2>&1)
check "--example run build: exit 0" test $? -eq 0 || echo "$out"
check "... the installed example's sources" \
	contains "$(hidden -- / "$KM" --example config --print)" \
	"\"dir\":	\"$D$P/share/kmdash/kmod\""
ex=$(ls -d "$KMDASH_CACHE_DIR"/build/qemu/kmod-* 2>/dev/null)
check "... the module built in the cache" test -s "$ex/storage_hash.ko"
check "... and its tools" test -x "$ex/tools/sebench" -a -x "$ex/tools/sectl"

# The dashboard, from a tmux server started with the checkout hidden.
hidden -- "$MOD" tmux -S "$TM_SOCK" -f /dev/null new-session -d -s inst \
	-x 160 -y 45 "$(dash_env) KMDASH_CACHE_DIR=$KMDASH_CACHE_DIR $KM; echo kmdash exited: \$?; sleep 600"
track_pid "$(tm display-message -p '#{pid}')"
check "the dashboard opens, its link up" wait_screen inst "link UP" 30
check "... the module loaded" wait_screen inst "twofile loaded" 10
check "... and it quits" quits inst
