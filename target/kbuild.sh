#!/usr/bin/env bash
# Cross-builds the out-of-tree kernel module in SRC against the embedded
# target's headers (ARCH=arm64), with outputs in OUT, never in SRC:
#   kbuild.sh SRC OUT [extra kbuild make arguments]
#   KDIR=/path/to/kernel kbuild.sh SRC OUT   another kernel tree
# kbuild 6.1 writes objects next to the sources (M=), so OUT mirrors SRC as
# a tree of symlinks; timestamps follow the links, rebuilds stay incremental.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=target/common.sh
. "$here/common.sh"

[ $# -ge 2 ] || die "usage: $0 SRC OUT [make args]"
src=$(cd "$1" 2>/dev/null && pwd) || die "module source directory '$1' does not exist"
out=$2
shift 2

if [ ! -f "$src/Kbuild" ] && [ ! -f "$src/Makefile" ]; then
	say "no kernel module in $src (no Kbuild or Makefile): nothing to build"
	exit 0
fi
# KDIR names another prepared kernel tree (a real board's); by default the
# embedded target's headers.
if [ -n "${KDIR:-}" ]; then
	[ -f "$KDIR/Makefile" ] ||
		die "KDIR=$KDIR is not a prepared kernel tree (no Makefile): run 'make modules_prepare' there"
	KVER=$(basename "$KDIR")
else
	[ -f "$KMDASH_TARGET_ENV" ] ||
		die "the embedded target is not built ($KMDASH_TARGET_ENV missing): run 'make target'"
	# shellcheck disable=SC1090
	. "$KMDASH_TARGET_ENV"
fi
command -v aarch64-linux-gnu-gcc >/dev/null ||
	die "aarch64-linux-gnu-gcc not found: run 'make deps' (installs gcc-aarch64-linux-gnu)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Drop links to sources that were removed, then link the current ones.
find "$out" -type l ! -exec test -e {} \; -delete
cp -rsf "$src/." "$out/"

say "cross-building $src for $KVER (arm64) in $out"
exec make -C "$KDIR" M="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
	"$@" modules
