#!/usr/bin/env bash
# A container cross-build with a real engine (podman, this machine's
# settings in the test's own files): `make container` builds the image from
# Debian packages; `kmdash run build` builds the module in it; a compile
# error names the host's file in the build pane; `c` stops the container
# itself (no container, no build process left); a missing image or engine
# and a config without an image are errors in words.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
cd "$T_ROOT"

KM=$T_BUILD/kmdash
if ! command -v podman >/dev/null; then
	skip "container builds" "podman is not installed (make deps)"
	exit 0
fi
if ! kver=$(target_env KVER 2>/dev/null); then
	skip "container builds" "the embedded target is not built (make target)"
	exit 0
fi
private_cache
podman_private
# journals and history in the test's own files, never the user's
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state

# --- make container: built once, then found by its hash ------------------
t0=$SECONDS
image=$(podman_image 2>"$T_TMP/image.log")
echo "# make container: $((SECONDS - t0)) s"
check "make container names the image it built" \
	grep -qE '^localhost/kmdash-cross:[0-9a-f]{12}$' <<<"$image"
check "the image's tag is the hash of target/container/Containerfile" \
	grep -qF "$(cat target/container/Containerfile |
		{ cat; echo "mmdebstrap --variant=minbase --include=ca-certificates --quiet bookworm"; } |
		sha256sum | cut -c1-12)" <<<"$image"
again=$(CONTAINERS_STORAGE_CONF=$T_TMP/podman/images.conf \
	KMDASH_CACHE_DIR=$T_SHARED_CACHE target/container/build.sh 2>&1)
check "a second make container finds it (no rebuild)" \
	contains "$again" "$image is built (the hash of"
check "the test's own store sees the image (read-only, shared)" \
	podman image exists "$image"

# cfg NAME BUILD-KEYS [TARGET-KEYS]: a config file; prints its path
cfg()
{
	cat >"$T_TMP/$1.json" <<EOC
{ "targets": [ { "name": "board",
    "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
    "serial": { "socket": "$T_TMP/serial.sock" },${3:+ $3,}
    "build": { $2 } } ] }
EOC
	echo "$T_TMP/$1.json"
}

# --- kmdash run build through podman ---------------------------------------
C=$(cfg ok "\"container\": { \"engine\": \"podman\", \"image\": \"$image\" }")
out=$("$KM" --config "$C" --module tests/fixtures/kmod_hello run build 2>&1)
rc=$?
check "kmdash run build in the container: exit 0" test "$rc" = 0
ko=$(ls "$KMDASH_CACHE_DIR"/build/board/kmod_hello-*/kmod_hello.ko 2>/dev/null)
check "the module is built (kmod_hello.ko in kmdash's build tree)" test -s "$ko"
check "it is an arm64 module for the target's kernel ($kver)" \
	grep -qa "vermagic=$kver SMP" "$ko"
check "the build ran in podman (the engine's argv in the result)" \
	contains "$out" "in podman $image"
check "nothing is left in the test's store (--rm)" \
	test -z "$(podman ps -a -q)"
out=$("$KM" --config "$C" --module tests/fixtures/kmod_hello check 2>&1)
check "kmdash check: the build is make in podman with the image" \
	grep -qE "^build +ok: make in podman $image " <<<"$out"

# --- a compile error: the host's path in the build pane --------------------
quiet_serial "$T_TMP/serial.sock"
src=$T_ROOT/tests/fixtures/kmod_broken
ln=$(grep -n 'for (i = 0' "$src/errors.c" | cut -d: -f1)
# the first diagnostic: the unused variable of the header warn.c includes
hl=$(grep -n 'int spare;' "$src/broken.h" | cut -d: -f1)
dash_run broken 200 50 "$KM" --config "$C" --module "$src"
wait_screen broken "3 Build" >/dev/null
keys broken b 3 z
check "the compile error as the container printed it (/workspace)" \
	wait_screen broken "/workspace/errors.c:$ln:" 120
check "the build fails with its errors counted" \
	wait_screen broken "build failed:" 60
keys broken n
check "n: the first diagnostic at the host's file, $src/broken.h:$hl" \
	wait_screen broken "] $src/broken.h:$hl:13: unused variable" 10
check "broken: quits" quits broken

# --- the argv form, as the cloud guide writes it, with an explicit path_map -
# docker run -v $(pwd):/workspace ...: the sources are built in place (a
# copy), the compiler names /src/... (the container sees nothing else),
# path_map says where that is.
kdir=$(target_env KDIR)
sysroot=$(realpath "$kdir")
sysroot=${sysroot%%/usr/src/*}
cp -r "$src" "$T_TMP/bk"
A=$(cfg argv "\"argv\": [\"podman\", \"run\", \"--rm\", \"--pull=never\",
      \"--network=none\", \"-v\", \"$T_TMP/bk:/src\", \"-v\", \"$sysroot:$sysroot:ro\",
      \"$image\", \"make\", \"-C\", \"$kdir\", \"M=/src\", \"modules\"],
    \"path_map\": { \"/src\": \"$T_TMP/bk\" }" "\"module\": { \"dir\": \"$T_TMP/bk\" }")
out=$("$KM" --config "$A" run build 2>&1)
check "argv form: the broken module fails" test $? -ne 0
check "argv form: path_map gives the host's file in the summary" \
	contains "$out" "  $T_TMP/bk/errors.c:$ln:14: error:"

# --- c during a long build: the container stops ---------------------------
# The build ignores SIGTERM (as a stubborn make may): only the engine's
# kill stops it; killing the engine's client would leave it running.
L=$(cfg long "\"container\": { \"image\": \"$image\" },
      \"argv\": [\"sh\", \"-c\", \"trap '' TERM; echo kmdash-long-build; exec sleep 3171\"]")
dash_run long 200 50 "$KM" --config "$L" --module tests/fixtures/kmod_hello
wait_screen long "3 Build" >/dev/null
keys long b 3 z
check "the long build runs in its container" \
	wait_screen long "kmdash-long-build" 60
building() { podman ps --format '{{.Names}}' | grep -q '^kmdash-build-'; }
no_containers() { [ -z "$(podman ps -a -q)" ]; }
check "podman lists the build's container, named by kmdash" building
keys long c
check "c: the build pane says cancelled" wait_screen long "build cancelled" 30
check "c: no container left in the test's store" \
	wait_until 30 no_containers
# (looked for, never killed by name: the container's processes show on
# the host)
no_sleep() { ! pgrep -f '^sleep 3171$' >/dev/null; }
check "c: no build process alive (the container's sleep 3171 is gone)" \
	wait_until 10 no_sleep
check "long: quits" quits long

# q (and y) during a long build: kmdash ends, and so does the container
dash_run quit 200 50 "$KM" --config "$L" --module tests/fixtures/kmod_hello
wait_screen quit "3 Build" >/dev/null
keys quit b
check "q: the long build runs again" wait_until 60 building
keys quit q
check "q while building: asks first" wait_screen quit "quit anyway and cancel it?" 10
keys quit y
check "y: kmdash quits" test "$(wait_exit quit 30)" = 0
check "q while building: no container left" \
	wait_until 30 no_containers
check "q while building: no build process alive" wait_until 10 no_sleep

# --- errors in words -------------------------------------------------------
M=$(cfg missing "\"container\": { \"image\": \"localhost/kmdash-no-such\" }")
out=$("$KM" --config "$M" --module tests/fixtures/kmod_hello run build 2>&1)
check "a missing image: the build fails" test $? -ne 0
check "a missing image: said in words, with what to do" \
	contains "$out" "the image localhost/kmdash-no-such is not in podman's images: build it with 'make container'"
mkdir -p "$T_TMP/nodocker"
ln -s "$(command -v podman)" "$T_TMP/nodocker/podman"
D=$(cfg docker "\"container\": { \"engine\": \"docker\", \"image\": \"$image\" }")
out=$(PATH=$T_TMP/nodocker:/usr/bin:/bin; command -v docker >/dev/null &&
	echo "docker is installed" ||
	"$KM" --config "$D" --module tests/fixtures/kmod_hello run build 2>&1)
check "a missing engine: said in words" \
	contains "$out" "container engine 'docker' not found: install it, or set build.container.engine"
out=$(PATH=$T_TMP/nodocker:/usr/bin:/bin; command -v docker >/dev/null &&
	echo "docker is installed" ||
	"$KM" --config "$D" --module tests/fixtures/kmod_hello check 2>&1)
check "a missing engine: kmdash check says so" \
	contains "$out" "the container engine 'docker' is not installed"
N=$(cfg noimage "\"container\": { \"engine\": \"podman\" }")
out=$("$KM" --config "$N" --module tests/fixtures/kmod_hello run build 2>&1)
check "no image in the config: the config's error, at its place" \
	grep -qE 'noimage.json:[0-9]+:[0-9]+: targets\[0\]\.build\.container: a container build needs an "image"' <<<"$out"
B=$(cfg badmount "\"container\": { \"image\": \"x\", \"mounts\": [\"/src\"], \"engine\": \"podmn\" }")
out=$("$KM" --config "$B" --module tests/fixtures/kmod_hello run build 2>&1)
check "a mount without its container path: expected HOST:CONTAINER" \
	contains "$out" "build.container.mounts[0]: expected \"HOST:CONTAINER[:OPTIONS]\""
check "a misspelled engine: one of podman, docker" \
	grep -qE 'build\.container\.engine: .*podman' <<<"$out"
