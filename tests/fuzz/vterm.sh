#!/usr/bin/env bash
# `make fuzz-vterm`: the console harness linked against libvterm itself
# compiled with the sanitizers and libFuzzer's coverage, from the Debian
# source of the installed libvterm0 (fetched once into $BUILD/fuzz/libvterm
# with a private apt state; the system's apt configuration is not
# touched). The system's libvterm is not instrumented: its memory errors
# show only here (this is how console_guard.c's were found). Then runs it
# like tests/fuzz/run.sh (FUZZ_SECONDS, FUZZ_RUNS).
# The Makefile passes FUZZ_CC, FUZZ_CFLAGS, the objects and the libraries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${BUILD:-build}
dir=$BUILD/fuzz/libvterm
: "${FUZZ_CC:?} ${FUZZ_CFLAGS:?} ${FUZZ_OBJS:?} ${FUZZ_LIBS:?}"

version=$(dpkg-query -W -f='${source:Version}' libvterm0)
src=$(ls -d "$dir"/src/libvterm-*/ 2>/dev/null | head -1 || true)
if [ -z "$src" ] || [ "$(cat "$dir/version" 2>/dev/null)" != "$version" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/src"
	. /etc/os-release
	echo "deb-src http://deb.debian.org/debian $VERSION_CODENAME main" >"$dir/apt/sources.list"
	apt=(apt-get -q -o Dir::Etc::SourceList="$PWD/$dir/apt/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$PWD/$dir/apt/lists"
		-o Dir::Cache="$PWD/$dir/apt/cache"
		-o Dir::State::status=/dev/null -o Debug::NoLocking=1)
	echo "fuzz-vterm: fetching the source of libvterm $version"
	"${apt[@]}" update >/dev/null
	(cd "$dir/src" && "${apt[@]}" source --download-only "libvterm=$version" >/dev/null 2>&1 &&
		dpkg-source -x --no-check ./*.dsc >/dev/null)
	echo "$version" >"$dir/version"
	src=$(ls -d "$dir"/src/libvterm-*/ | head -1)
fi

mkdir -p "$dir/obj"
for c in "$src"/src/*.c; do
	o=$dir/obj/$(basename "$c" .c).o
	[ "$o" -nt "$c" ] || $FUZZ_CC $FUZZ_CFLAGS -w -I"$src/include" -c "$c" -o "$o"
done
rm -f "$dir/libvterm.a"
ar rcs "$dir/libvterm.a" "$dir"/obj/*.o
mkdir -p "$dir/bin"
# shellcheck disable=SC2086
$FUZZ_CC $FUZZ_LDFLAGS -o "$dir/bin/fuzz_console" $FUZZ_OBJS "$dir/libvterm.a" $FUZZ_LIBS
echo "fuzz-vterm: $dir/bin/fuzz_console against libvterm $version (instrumented)"
FUZZ_BIN_DIR=$dir/bin FUZZ_TAG=vterm exec tests/fuzz/run.sh console
