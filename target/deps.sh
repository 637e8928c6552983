#!/usr/bin/env bash
# Installs the Debian packages kmdash needs to build, run and test, skipping
# what is installed. Host (amd64) packages only: the arm64 kernel, headers
# and guest userland are downloaded by build-target.sh into a private cache,
# because apt-get installing arm64 headers would remove the host compiler.
set -euo pipefail

packages=(
	# build
	gcc make pkg-config libc6-dev
	libncurses-dev libssh2-1-dev libvterm-dev libcjson-dev libssl-dev
	# the trace decoder (libdw, libelf); eu-addr2line for its tests and bench
	libdw-dev libelf-dev elfutils
	# kmdash image prepare: the MBR (libfdisk), the ext4 root (libext2fs),
	# .img.xz (liblzma), userconf.txt's hash (libcrypt), the FAT boot
	# partition (mtools); the test images: sfdisk, mkfs.fat, mke2fs -d
	libfdisk-dev libext2fs-dev e2fsprogs liblzma-dev libcrypt-dev mtools
	fdisk dosfstools
	# embedded target: emulator, cross compiler, initramfs tools
	qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	cpio gzip xz-utils fakeroot kmod dropbear-bin
	# kbuild's host tools (linux-kbuild) link against these
	libelf1 libssl3
	# second compile check of the module against the host's headers
	linux-headers-amd64
	# the container cross-build (make container, its tests): the engine,
	# the runtime that works here, podman's --init, the Debian root
	podman runc catatonit mmdebstrap
	# run and test
	openssh-client openssh-server socat tmux iproute2 procps
	libcmocka-dev valgrind clang-format
	# kmdash gdb: the debugger for the arm64 guest (QEMU's gdbstub)
	gdb-multiarch
	# what the tests call besides: file (kmod/functional, target/smoke),
	# readelf (e2e/cycle), python3 (tui/cycle reads the recording), git
	# (style), zsh (cli/completion), groff (cli/man renders the page),
	# xmllint (e2e/bench: the report's SVG is well-formed XML)
	file binutils python3 git zsh groff-base libxml2-utils
	# make fuzz: clang with libFuzzer and its sanitizer runtimes; the
	# runtimes are only a recommends of clang (libclang-rt-dev is the
	# unversioned name of libclang-rt-14-dev, as clang is of clang-14)
	clang libclang-rt-dev
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages are installed"
	exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		{ echo "deps: error: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 -q)
echo "deps: installing ${missing[*]}"
$sudo "${apt[@]}" update
# No recommends: qemu-system-arm would pull in a desktop's worth.
$sudo "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
