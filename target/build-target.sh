#!/usr/bin/env bash
# Builds the embedded ARM64 target from Debian packages, without root and
# without touching the host's dpkg state:
#   $CACHE/target/<kver>/   Image, initrd.gz, dtbs/, sysroot/ (headers+kbuild)
#   $CACHE/target/ssh/      client key, host key (generated once, kept)
#   $CACHE/target/current -> <kver>
#   $CACHE/apt/             private apt lists and the downloaded .debs
# A target directory appears only when complete: it is built in a temp dir
# and renamed, so a failed run leaves nothing half-built behind.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=target/common.sh
. "$here/common.sh"

# shellcheck source=target/apt.sh
. "$here/apt.sh"
tgtroot=$KMDASH_CACHE/target
sshdir=$tgtroot/ssh

# Modules /init loads for each machine profile, in order (FACTS.md).
VIRT_NET_MODULES="failover net_failover virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_net"
RASPI_NET_MODULES="bcm2835-rng phy-generic dwc2 usbnet mii cdc_ether rndis_host"

# The recipe hash: when these files change, the initramfs is rebuilt from
# the cached packages (no download).
recipe_hash()
{
	cat "$here/build-target.sh" "$here/common.sh" "$here/init" \
		"$here/inittab" | sha256sum | cut -c1-16
}

# The newest complete target, for offline re-runs.
use_existing_or_die()
{
	if [ -f "$tgtroot/current/.complete" ]; then
		warn "$1; keeping the existing target $(readlink "$tgtroot/current")"
		exit 0
	fi
	die "$1"
}

make_keys()
{
	[ -s "$sshdir/id_ed25519" ] && [ -s "$sshdir/host_ed25519.dropbear" ] &&
		return 0
	say "generating the target's SSH host key and a client key ($sshdir)"
	local tmp=$tgtroot/.ssh.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	chmod 700 "$tmp"
	ssh-keygen -q -t ed25519 -N '' -C kmdash-client -f "$tmp/id_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C kmdash-target -f "$tmp/host_ed25519"
	# dropbear 2022.83 cannot read OpenSSH-format keys (FACTS.md).
	dropbearconvert openssh dropbear "$tmp/host_ed25519" \
		"$tmp/host_ed25519.dropbear" >/dev/null 2>&1 ||
		die "dropbearconvert failed: is dropbear-bin installed? (make deps)"
	rm -rf "$sshdir"
	mv "$tmp" "$sshdir"
}

# Copy a module and everything it depends on into the initramfs tree.
copy_module()
{
	local name=$1 src=$2 dst=$3 kver=$4 path dep
	path=$(modinfo -b "$src" -k "$kver" -n "$name" 2>/dev/null) ||
		die "kernel $kver has no module $name"
	case "$path" in
	'(builtin)'* | '') return 0 ;;
	esac
	local rel=${path#"$src"/}
	[ -e "$dst/$rel" ] && return 0
	mkdir -p "$dst/$(dirname "$rel")"
	cp "$path" "$dst/$rel"
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		copy_module "$dep" "$src" "$dst" "$kver"
	done
}

build_rootfs()
{
	local tmp=$1 kver=$2 rootfs=$1/rootfs deb
	shift 2
	mkdir -p "$rootfs"
	for deb in "$@"; do
		dpkg -x "$deb" "$rootfs"
	done
	rm -rf "$rootfs/usr/share" "$rootfs/usr/lib/aarch64-linux-gnu/gconv" \
		"$rootfs/etc/init.d" "$rootfs/etc/default"
	mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,var/log,root/.ssh,etc/dropbear,mnt}
	# dropbear looks for the SFTP server here.
	ln -sf openssh/sftp-server "$rootfs/usr/lib/sftp-server"
	sed "s/@KMDASH_READY_MARKER@/$KMDASH_READY_MARKER/" "$here/init" \
		>"$rootfs/init"
	chmod 0755 "$rootfs/init"
	install -m 0644 "$here/inittab" "$rootfs/etc/inittab"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
	printf 'root:x:0:\n' >"$rootfs/etc/group"
	printf '/bin/sh\n' >"$rootfs/etc/shells"
	printf 'kmdash-target\n' >"$rootfs/etc/hostname"
	printf '%s\n' 'export PS1="\h:\w# "' \
		'export PATH=/root:/usr/sbin:/usr/bin:/sbin:/bin' \
		>"$rootfs/etc/profile"
	install -m 0600 "$sshdir/id_ed25519.pub" \
		"$rootfs/root/.ssh/authorized_keys"
	install -m 0600 "$sshdir/host_ed25519.dropbear" \
		"$rootfs/etc/dropbear/dropbear_ed25519_host_key"
	chmod 0700 "$rootfs/root" "$rootfs/root/.ssh"

	local mods=$tmp/kernel/lib/modules/$kver m
	# The package ships no modules.dep; modinfo needs one to resolve names.
	depmod -b "$tmp/kernel" "$kver"
	for m in $VIRT_NET_MODULES $RASPI_NET_MODULES; do
		copy_module "$m" "$tmp/kernel" "$rootfs" "$kver"
	done
	cp "$mods"/modules.builtin* "$mods"/modules.order \
		"$rootfs/lib/modules/$kver/"
	depmod -b "$rootfs" "$kver"

	# fakeroot lets an unprivileged build create /dev/console and
	# root-owned files inside the archive.
	(cd "$rootfs" && fakeroot -- sh -c \
		'mknod -m 600 dev/console c 5 1 && mknod -m 666 dev/null c 1 3 &&
		 find . -print | LC_ALL=C sort | cpio -o -H newc --quiet') |
		gzip -6 >"$tmp/initrd.gz"
}

build_sysroot()
{
	local tmp=$1 kver=$2 sysroot=$1/sysroot deb
	shift 2
	mkdir -p "$sysroot"
	for deb in "$@"; do
		dpkg -x "$deb" "$sysroot"
	done
	local kdir=$sysroot/usr/src/linux-headers-$kver
	[ -f "$kdir/Makefile" ] || die "headers package did not contain $kdir"
	# The arm64 headers include the common tree by absolute path.
	sed -i "s#^include /usr/src/#include $sysroot/usr/src/#" "$kdir/Makefile"
}

main()
{
	make_keys
	apt_update || use_existing_or_die "cannot download the package lists from the Debian archive (is the network up? see the apt errors above)"

	local kpkg kver kversion
	kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-arm64\)$/\1/p' | head -1)
	[ -n "$kpkg" ] || use_existing_or_die "package linux-image-arm64 is missing from the package lists"
	kver=${kpkg#linux-image-}
	kversion=$(pkg_field "$kpkg" Version)
	local dest=$tgtroot/$kver hash
	hash=$(recipe_hash)
	if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$hash" ]; then
		ln -sfn "$kver" "$tgtroot/current"
		say "up to date: $dest (kernel $kver, $kversion)"
		return 0
	fi

	say "building the embedded target for kernel $kver ($kversion) in $dest"
	local hdr common kbuild
	hdr=linux-headers-$kver
	common=$(pkg_field "$hdr=$kversion" Depends | tr ',' '\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-common\).*/\1/p')
	kbuild=$(pkg_field "$hdr=$kversion" Depends | tr ',' '\n' |
		sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p')
	[ -n "$common" ] && [ -n "$kbuild" ] ||
		die "cannot find the common headers / kbuild packages $hdr depends on"

	local kdeb hdebs=() udebs=() p
	kdeb=$(download "$kpkg" "$kversion")
	hdebs+=("$(download "$hdr" "$kversion")")
	hdebs+=("$(download "$common" "$kversion")")
	hdebs+=("$(download "$kbuild:amd64" "$kversion")")
	for p in busybox-static dropbear-bin openssh-sftp-server libc6 \
		libcrypt1 zlib1g libtomcrypt1 libtommath1 libgmp10; do
		udebs+=("$(download_arm64 "$p")")
	done

	tmp=$tgtroot/.tmp.$kver.$$
	trap 'rm -rf "$tmp"' EXIT
	rm -rf "$tmp"
	mkdir -p "$tmp/kernel" "$tmp/dtbs"
	say "unpacking the kernel"
	dpkg -x "$kdeb" "$tmp/kernel"
	local vmlinuz=$tmp/kernel/boot/vmlinuz-$kver
	[ -f "$vmlinuz" ] || die "$kpkg has no boot/vmlinuz-$kver"
	# Uncompressed once here, so no boot pays for gunzip.
	if gzip -t "$vmlinuz" 2>/dev/null; then
		gzip -dc "$vmlinuz" >"$tmp/Image"
	else
		cp "$vmlinuz" "$tmp/Image"
	fi
	cp "$tmp/kernel/usr/lib/linux-image-$kver/broadcom/bcm2837-rpi-3-b.dtb" \
		"$tmp/dtbs/"
	say "building the initramfs (busybox, dropbear, sftp-server, NIC modules)"
	build_rootfs "$tmp" "$kver" "${udebs[@]}"
	say "unpacking the cross-build sysroot (headers + kbuild for $kver)"
	build_sysroot "$tmp" "$kver" "${hdebs[@]}"
	rm -rf "$tmp/kernel" "$tmp/rootfs"

	cat >"$tmp/target.env" <<EOF
# Written by target/build-target.sh; read by target/vm.sh, the Makefile
# and kmdash (embedded default target).
KVER=$kver
KVERSION=$kversion
KDIR=$dest/sysroot/usr/src/linux-headers-$kver
IMAGE=$dest/Image
INITRD=$dest/initrd.gz
DTB_RASPI3B=$dest/dtbs/bcm2837-rpi-3-b.dtb
SSH_KEY=$sshdir/id_ed25519
HOST_KEY_PUB=$sshdir/host_ed25519.pub
VIRT_NET_MODULES="$VIRT_NET_MODULES"
RASPI_NET_MODULES="$RASPI_NET_MODULES"
READY_MARKER="$KMDASH_READY_MARKER"
EOF
	printf '%s\n' "$hash" >"$tmp/.complete"
	# The sysroot's Makefile names its own absolute path: fix it for the
	# final location before the rename.
	sed -i "s#$tmp/sysroot#$dest/sysroot#" \
		"$tmp/sysroot/usr/src/linux-headers-$kver/Makefile"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	trap - EXIT
	ln -sfn "$kver" "$tgtroot/current"
	say "done: $dest ($(du -sh "$dest" | cut -f1))"
}

main "$@"
