#!/usr/bin/env bash
# kmdash image prepare on images with Raspberry Pi OS's layout (built from
# Debian's packages, tests/fixtures/rpi_image): the copy is inspected with
# mtools and debugfs, as a user would check it; a second image (.img.xz,
# other offsets, another user) is prepared too; every bad input is one
# message naming the file and what is wrong. The boot is tests/e2e/
# image_boot.sh's.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/fixtures/rpi_image/lib.sh"
cd "$T_ROOT"

KM=$T_BUILD/kmdash
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "image prepare" "the embedded target is not built (make target)"
	exit 0
fi
rpi_images || { not_ok "the test images are built (tests/fixtures/rpi_image/build.sh)"; exit 1; }
ok "the test images are built"

# Everything of the test's own: the cache, the config and its drop-ins.
export KMDASH_CACHE_DIR=$T_TMP/cache XDG_CONFIG_HOME=$T_TMP/config
DROPINS=$XDG_CONFIG_HOME/kmdash/targets.d

# dropin NAME KEY...: a value of the drop-in kmdash wrote (JSON path).
dropin()
{
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$DROPINS/$1.json" "${@:2}"
}
is_pow2() { python3 -c 'import sys; n = int(sys.argv[1]); sys.exit(not (n > 0 and n & (n - 1) == 0))' "$1"; }

# --- the Raspberry Pi OS-layout image --------------------------------------
orig_sum=$(sha256sum <"$RPI_IMG")
orig_size=$(stat -c %s "$RPI_IMG")
out=$("$KM" image prepare "$RPI_IMG" --name rpi 2>&1)
rc=$?
check "image prepare exits 0" test "$rc" -eq 0
check "... says where the target is" \
	contains "$out" "target 'rpi' is in $DROPINS/rpi.json"
check "the original is byte-identical" test "$(sha256sum <"$RPI_IMG")" = "$orig_sum"

img=$(dropin rpi vm image)
keys=$KMDASH_CACHE_DIR/image/rpi/keys
check "the working copy is in the cache" test "$img" = "$KMDASH_CACHE_DIR/image/rpi/sd.img"
size=$(stat -c %s "$img")
check "its size is a power of two" is_pow2 "$size"
check "... at least the image's" test "$size" -ge "$orig_size"
check "... and the partitions are where they were" \
	test "$(sfdisk -d "$img" | grep -c start=)" -eq 2
check "... the copy is sparse: no more on disk than the original" \
	test "$(du -k "$img" | cut -f1)" -le "$(du -k "$RPI_IMG" | cut -f1)"

boot=$(fat_ls "$img" "$RPI_BOOT_OFFSET")
check "boot partition: ssh enables SSH" grep -qx ssh <<<"$boot"
check "boot partition: userconf.txt" grep -qx userconf.txt <<<"$boot"
userconf=$(fat_cat "$img" "$RPI_BOOT_OFFSET" userconf.txt | tr -d '\r')
check "userconf.txt names the user" test "${userconf%%:*}" = "$RPI_USER"
hash=${userconf#*:}
check "... with a SHA-512 crypt hash" grep -qE '^\$6\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{86}$' <<<"$hash"
# crypt(3) takes it as a setting: the same salt comes back
check "... that crypt(3) accepts" python3 -W ignore -c 'import crypt, sys
h = sys.argv[1]
sys.exit(not crypt.crypt("any", h).startswith(h[:h.rindex("$") + 1]))' "$hash"
orig_boot=$(fat_ls "$RPI_IMG" "$RPI_BOOT_OFFSET")
check "the original boot partition has neither" \
	test -n "$orig_boot" -a "$(grep -cx 'ssh\|userconf.txt' <<<"$orig_boot")" -eq 0

home=/home/$RPI_USER
check "~/.ssh is the user's, 0700" \
	test "$(ext4_stat "$img" "$RPI_ROOT_OFFSET" "$home/.ssh")" = "0700 $RPI_UID $RPI_UID"
check "~/.ssh/authorized_keys is the user's, 0600" \
	test "$(ext4_stat "$img" "$RPI_ROOT_OFFSET" "$home/.ssh/authorized_keys")" = "0600 $RPI_UID $RPI_UID"
check "... and holds kmdash's client key" \
	test "$(ext4_cat "$img" "$RPI_ROOT_OFFSET" "$home/.ssh/authorized_keys")" = "$(cat "$keys/id_ed25519.pub")"
check "the drop-in logs in with that key" \
	test "$(dropin rpi ssh identity_files 0)" = "$keys/id_ed25519"
check "... as the user" test "$(dropin rpi ssh user)" = "$RPI_USER"
for t in ed25519 ecdsa rsa; do
	check "host key $t in /etc/ssh, root's, 0600" \
		test "$(ext4_stat "$img" "$RPI_ROOT_OFFSET" "/etc/ssh/ssh_host_${t}_key")" = "0600 0 0"
	check "... the one kmdash keeps" \
		test "$(ext4_cat "$img" "$RPI_ROOT_OFFSET" "/etc/ssh/ssh_host_${t}_key.pub")" = "$(cat "$keys/ssh_host_${t}_key.pub")"
done
check "known_hosts will come from that host key" \
	test "$(dropin rpi vm host_key)" = "$keys/ssh_host_ed25519_key.pub"
check "the first-boot key regeneration is masked" \
	bash -c "debugfs -R 'stat /etc/systemd/system/$REGEN_UNIT' '$img?offset=$RPI_ROOT_OFFSET' 2>/dev/null | grep -q 'Fast link dest: \"/dev/null\"'"
check "... which the original wants at boot" \
	bash -c "debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/$REGEN_UNIT' '$RPI_IMG?offset=$RPI_ROOT_OFFSET' 2>&1 | grep -q Inode:"
check "... and the copy no longer" \
	bash -c "! debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/$REGEN_UNIT' '$img?offset=$RPI_ROOT_OFFSET' 2>&1 | grep -q Inode:"
check "password login is off" \
	grep -qx 'PasswordAuthentication no' <<<"$(ext4_cat "$img" "$RPI_ROOT_OFFSET" /etc/ssh/sshd_config.d/kmdash.conf)"

dir=$KMDASH_CACHE_DIR/image/rpi
check "kernel8.img copied out" cmp -s "$dir/kernel8.img" <(fat_cat "$img" "$RPI_BOOT_OFFSET" kernel8.img)
check "the DTB, under its name in the image" test "$(dropin rpi vm dtb)" = "$dir/$RPI_DTB"
check "initramfs8 copied out" test "$(dropin rpi vm initrd)" = "$dir/initramfs8"
append=$(dropin rpi vm append)
check "the command line keeps cmdline.txt's root" contains "$append" "root=PARTUUID=$RPI_PARTUUID"
cmdline_txt=$(fat_cat "$RPI_IMG" "$RPI_BOOT_OFFSET" cmdline.txt)
for w in $CMDLINE_DROPPED; do
	check "... without cmdline.txt's '$w'" \
		test "$(grep -cw -- "$w" <<<"$cmdline_txt")/$(grep -cw -- "$w" <<<"$append")" = 1/0
done
check "... on the Pi 3's console" contains "$append" "console=ttyS1,115200"
check "the kernel release is named, from /lib/modules" contains "$out" "kernel        $RPI_KVER"

# Twice: nothing changes.
dropin_sum=$(sha256sum <"$DROPINS/rpi.json")
copy_id=$(stat -c '%i %Y' "$img")
out=$("$KM" image prepare "$RPI_IMG" --name rpi 2>&1)
check "preparing it again exits 0" test $? -eq 0
check "... saying it is already prepared" \
	contains "$out" "$RPI_IMG is already prepared as target 'rpi' ($dir): nothing to do"
check "... the working copy untouched" test "$(stat -c '%i %Y' "$img")" = "$copy_id"
check "... the same target" test "$(sha256sum <"$DROPINS/rpi.json")" = "$dropin_sum"

# A changed file is prepared again, with the same keys: the same edits.
cp --sparse=always "$RPI_IMG" "$T_TMP/changed.img"
"$KM" image prepare "$T_TMP/changed.img" --name again >/dev/null 2>&1
cp "$KMDASH_CACHE_DIR/image/again/sd.img" "$T_TMP/again.img"
out=$("$KM" image prepare "$T_TMP/again.img" --name again 2>&1)
check "an image prepared before can be prepared again" test $? -eq 0
check "... its authorized_keys holds kmdash's key once" \
	test "$(ext4_cat "$KMDASH_CACHE_DIR/image/again/sd.img" "$RPI_ROOT_OFFSET" "$home/.ssh/authorized_keys")" = "$(cat "$KMDASH_CACHE_DIR/image/again/keys/id_ed25519.pub")"
check "... its size stays the power of two" \
	test "$(stat -c %s "$KMDASH_CACHE_DIR/image/again/sd.img")" -eq "$size"

check "the config lists the prepared targets" \
	bash -c "'$KM' config --print | grep -q '\"name\":.*\"rpi\"'"

# --- another layout: compressed, other offsets, another user ---------------
out=$("$KM" image prepare "$RPI2_XZ" 2>&1)
rc=$?
name2=$(basename "$RPI2_XZ" .img.xz)
check "an .img.xz is prepared" test "$rc" -eq 0
check "... named after its file" test -f "$DROPINS/$name2.json"
img2=$(dropin "$name2" vm image)
size2=$(stat -c %s "$img2")
check "... its copy a power of two ($RPI2_BYTES is none)" is_pow2 "$size2"
check "... not smaller than the image" test "$size2" -ge "$RPI2_BYTES"
check "... the user with uid 1000, not the first one listed" \
	test "$(dropin "$name2" ssh user)" = "$RPI2_USER"
check "... its home's .ssh is that user's" \
	test "$(ext4_stat "$img2" "$RPI2_ROOT_OFFSET" "/home/$RPI2_USER/.ssh/authorized_keys")" = "0600 1000 1000"
check "... ssh and userconf.txt at its boot offset" \
	test "$(fat_ls "$img2" "$RPI2_BOOT_OFFSET" | grep -cx 'ssh\|userconf.txt')" -eq 2
check "... userconf.txt for that user" \
	contains "$(fat_cat "$img2" "$RPI2_BOOT_OFFSET" userconf.txt)" "$RPI2_USER:\$6\$"
check "... the DTB under Raspberry Pi OS's name" contains "$(dropin "$name2" vm dtb)" "$RPI2_DTB"
check "... the root as its cmdline.txt names it" contains "$(dropin "$name2" vm append)" "root=PARTUUID=$RPI2_PARTUUID"
check "... the old host key replaced" \
	test "$(ext4_cat "$img2" "$RPI2_ROOT_OFFSET" /etc/ssh/ssh_host_ed25519_key.pub)" = "$(cat "$KMDASH_CACHE_DIR/image/$name2/keys/ssh_host_ed25519_key.pub")"
out=$("$KM" image prepare "$RPI2_XZ" --name other --user "$RPI2_OTHER_USER" 2>&1)
check "--user names another user" test "$(dropin other ssh user)" = "$RPI2_OTHER_USER"
check "... whose key goes to that home" \
	test "$(ext4_stat "$(dropin other vm image)" "$RPI2_ROOT_OFFSET" "/home/$RPI2_OTHER_USER/.ssh/authorized_keys" | cut -d' ' -f1)" = 0600

# --- bad input: one message naming the file and what is wrong --------------
# bad NAME FILE WANT [OPTIONS]: fails with exit 1 and WANT in one line.
bad()
{
	local what=$1 file=$2 want=$3 out rc
	shift 3
	out=$("$KM" image prepare "$file" --name bad "$@" 2>&1)
	rc=$?
	check "$what: fails" test "$rc" -eq 1
	check "$what: says so, naming the file" contains "$out" "$want"
	check "$what: nothing left in the cache" \
		test -z "$(find "$KMDASH_CACHE_DIR/image/bad" -maxdepth 1 -name '*.tmp' 2>/dev/null)"
	check "$what: no target written" test ! -e "$DROPINS/bad.json"
}

cp --sparse=always "$RPI_IMG" "$T_TMP/truncated.img"
truncate -s $((RPI_ROOT_OFFSET + 1048576)) "$T_TMP/truncated.img"
bad "a truncated image" "$T_TMP/truncated.img" "$T_TMP/truncated.img is truncated: partition 2 ends at byte"
head -c $(($(stat -c %s "$RPI2_XZ") / 2)) "$RPI2_XZ" >"$T_TMP/truncated.img.xz"
bad "a truncated .img.xz" "$T_TMP/truncated.img.xz" "$T_TMP/truncated.img.xz is truncated: the xz data ends before its end marker"
cp --sparse=always "$RPI_IMG" "$T_TMP/nofat.img"
sfdisk -q --part-type "$T_TMP/nofat.img" 1 83 2>/dev/null
bad "no FAT partition" "$T_TMP/nofat.img" "$T_TMP/nofat.img has no FAT partition (partitions 1: type 0x83, 2: type 0x83)"
cp --sparse=always "$RPI_IMG" "$T_TMP/noext4.img"
dd if=/dev/zero of="$T_TMP/noext4.img" bs=1024 seek=$((RPI_ROOT_OFFSET / 1024 + 1)) count=1 conv=notrunc status=none
bad "no ext4 root" "$T_TMP/noext4.img" "$T_TMP/noext4.img: partition 2 (the root cmdline.txt names) holds no ext4 file system"
cp --sparse=always "$RPI_IMG" "$T_TMP/notlinux.img"
sfdisk -q --part-type "$T_TMP/notlinux.img" 2 b 2>/dev/null
bad "a root partition that is no Linux one" "$T_TMP/notlinux.img" "$T_TMP/notlinux.img has no ext4 root: partition 2 (the root cmdline.txt names) is type 0x0b, not Linux (0x83)"

# Small images from directories: the boot files of the test image, a root
# of the test's choice (sizes in sectors, as Raspberry Pi OS's offsets).
mkdir -p "$T_TMP/boot"
for f in kernel8.img "$RPI_DTB" cmdline.txt; do
	fat_cat "$RPI_IMG" "$RPI_BOOT_OFFSET" "$f" >"$T_TMP/boot/$f"
done
small_image() # OUT ROOTDIR [BOOTDIR]
{
	rpi_image_layout "$1" $((8192 * 2 * 512 + 67108864 + 16777216)) \
		"0x${RPI_PARTUUID%-*}" 8192,131072,c 139264,32768,83 &&
		rpi_image_fat "$1" 8192 131072 "${3:-$T_TMP/boot}" &&
		rpi_image_ext4 "$1" 139264 32768 "$2"
}
mkdir -p "$T_TMP/x86/sbin" "$T_TMP/x86/etc" "$T_TMP/x86/home/pi"
cp /bin/true "$T_TMP/x86/sbin/init"
printf 'root:x:0:0::/root:/bin/sh\npi:x:1000:1000::/home/pi:/bin/sh\n' >"$T_TMP/x86/etc/passwd"
small_image "$T_TMP/x86.img" "$T_TMP/x86" && ok "an image with an x86-64 userland"
bad "not arm64 (its userland)" "$T_TMP/x86.img" "$T_TMP/x86.img is not arm64: the root file system's /sbin/init is an x86-64 program"
mkdir -p "$T_TMP/boot32"
cp "$T_TMP/boot/cmdline.txt" "$T_TMP/boot/$RPI_DTB" "$T_TMP/boot32/"
head -c 65536 /dev/urandom >"$T_TMP/boot32/kernel7l.img"
small_image "$T_TMP/armhf.img" "$T_TMP/x86" "$T_TMP/boot32" && ok "an image with a 32-bit kernel only"
bad "not arm64 (a 32-bit image)" "$T_TMP/armhf.img" "$T_TMP/armhf.img is not arm64: its boot partition has kernel7l.img but no kernel8.img"
mkdir -p "$T_TMP/nouser/bin" "$T_TMP/nouser/sbin" "$T_TMP/nouser/etc"
ext4_cat "$RPI_IMG" "$RPI_ROOT_OFFSET" /bin/busybox >"$T_TMP/nouser/bin/busybox"
ln -s /bin/busybox "$T_TMP/nouser/sbin/init"
printf 'root:x:0:0::/root:/bin/sh\npi:x:1000:1000::/home/pi:/bin/sh\n' >"$T_TMP/nouser/etc/passwd"
small_image "$T_TMP/nouser.img" "$T_TMP/nouser" && ok "an image whose uid 1000 has no home"
bad "no user with a home" "$T_TMP/nouser.img" "$T_TMP/nouser.img: the root file system's /etc/passwd has no user with uid 1000 and a home directory"
cp -a "$T_TMP/nouser" "$T_TMP/bigkeys"
mkdir -p "$T_TMP/bigkeys/home/pi/.ssh"
for i in $(seq 200); do
	printf 'ssh-ed25519 %0340d user%d@example\n' 0 "$i"
done >"$T_TMP/bigkeys/home/pi/.ssh/authorized_keys"
small_image "$T_TMP/bigkeys.img" "$T_TMP/bigkeys" && ok "an image whose authorized_keys is 70 KB"
bad "an authorized_keys too large to keep whole" "$T_TMP/bigkeys.img" \
	"$T_TMP/bigkeys.img: the root file system's /home/pi/.ssh/authorized_keys is larger than 64 KiB: add kmdash's key"
bad "--user of nobody" "$RPI_IMG" "$RPI_IMG: there is no user 'carol' in the root file system's /etc/passwd" --user carol
bad "not an image at all" /etc/hostname "/etc/hostname is no SD card image"

qv=$(qemu-system-aarch64 --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
case "$qv" in
[0-8].*)
	bad "raspi4b on QEMU $qv" "$RPI_IMG" "the raspi4b machine needs QEMU 9.0 or newer; qemu-system-aarch64 here is QEMU $qv" --machine raspi4b
	out=$("$KM" vm start --target rpi --machine raspi4b 2>&1)
	check "vm start --machine raspi4b on QEMU $qv fails before QEMU runs" test $? -eq 2
	check "... saying so, naming both versions" contains "$out" \
		"kmdash vm start: the raspi4b machine needs QEMU 9.0 or newer; qemu-system-aarch64 here is QEMU $qv"
	;;
*) skip "raspi4b on QEMU before 9.0" "this QEMU is $qv" ;;
esac

out=$("$KM" image prepare "$RPI_IMG" --name qemu 2>&1)
check "a name the config has already is refused" test $? -eq 1
check "... saying which" contains "$out" "there is a target 'qemu' in kmdash (the embedded target) already: name this one with --name"

# The cache: read-only, full. Private mounts (root and unshare only).
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$T_TMP/ro" "$T_TMP/full"
	out=$(unshare -m bash -c "mount -t tmpfs -o ro,size=1m tmpfs '$T_TMP/ro' &&
		KMDASH_CACHE_DIR='$T_TMP/ro' '$KM' image prepare '$RPI_IMG' --name bad" 2>&1)
	check "a read-only cache fails" test $? -eq 1
	check "... saying so, and what to do" contains "$out" \
		"cannot write to the cache $T_TMP/ro/image: Read-only file system: set KMDASH_CACHE_DIR"
	out=$(unshare -m bash -c "mount -t tmpfs -o size=30m tmpfs '$T_TMP/full' &&
		KMDASH_CACHE_DIR='$T_TMP/full' '$KM' image prepare '$RPI_IMG' --name bad" 2>&1)
	check "a cache without room for the copy fails" test $? -eq 1
	check "... before copying, saying how much it needs" contains "$out" \
		"not enough space in $T_TMP/full/image/bad for the working copy of $RPI_IMG: it needs about"
	out=$(unshare -m bash -c "mount -t tmpfs -o size=30m tmpfs '$T_TMP/full' &&
		KMDASH_CACHE_DIR='$T_TMP/full' '$KM' image prepare '$RPI2_XZ' --name bad;
		echo; echo files: \$(ls -A '$T_TMP/full/image/bad')" 2>&1)
	check "a disk that fills while decompressing fails" \
		contains "$out" "no space left in $T_TMP/full/image/bad for the working copy of $RPI2_XZ"
	check "... and leaves no partial copy" \
		test "$(grep '^files:' <<<"$out")" = "files: .lock keys"
else
	skip "a read-only and a full cache" "needs root and unshare -m for private tmpfs mounts"
fi
exit 0
