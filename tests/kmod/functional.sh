#!/usr/bin/env bash
# The storage_hash module and its tools as a user meets them: the builds,
# load, sectl put/get/overwrite/del/missing/limits/clear/stats, the live
# statistics in sysfs and debugfs, shtest's functional round (short
# buffers, binary keys, batches), and the tools' answers to a missing
# device, missing permission and a module of another uapi version.
. "$(dirname "$0")/helpers.bash"

check "make kmod-native compiles the module against the host's amd64 headers" \
	make -s kmod-native
check "the native module is an x86-64 ELF" \
	contains "$(file -b "$T_BUILD/kmod-native/storage_hash.ko")" x86-64

kmod_boot kmod-fn
check "storage_hash.ko is an arm64 module" \
	contains "$(file -b "$KO")" aarch64
for t in "$TOOLS/sectl" "$TOOLS/sebench" "$SHTEST"; do
	check "${t##*/} is a static arm64 executable" \
		contains "$(file -b "$t")" "ARM aarch64, version 1 (GNU/Linux), statically linked"
done

# --- before the module is loaded ---------------------------------------
out=$(g sectl stats 2>&1)
check "sectl without the module exits 3" test $? -eq 3
check "sectl without the module says the device is missing" \
	contains "$out" "/dev/storage-hash does not exist: the storage_hash module is not loaded"
out=$(g sebench --engine kmod --duration 1 2>&1)
check "sebench --engine kmod without the module fails" test $? -ne 0
check "sebench without the module says the device is missing" \
	contains "$out" "/dev/storage-hash does not exist"

# --- load ----------------------------------------------------------------
check "insmod storage_hash.ko" g insmod /tmp/sh/storage_hash.ko
kmsg=$(kmsg_since "storage_hash: loaded")
check "the load line names the device and the parameters" \
	contains "$kmsg" "storage_hash: loaded: device /dev/storage-hash, max_bytes=67108864 max_value_len=65536 key_max=256 batch_max=1024 uapi=1"
check "/dev/storage-hash is a character device, mode 0600" \
	test "$(g stat -c %F:%a /dev/storage-hash)" = "character special file:600"
check "the parameters are readable in sysfs" \
	test "$(g cat /sys/module/storage_hash/parameters/max_bytes /sys/module/storage_hash/parameters/max_value_len | tr '\n' ' ')" = "67108864 65536 "

# --- sectl -------------------------------------------------------------
check "sectl put" g sectl put alpha one
check "sectl get returns the value" test "$(g sectl get alpha)" = one
check "sectl put overwrites" g "sectl put alpha 'two words'"
check "sectl get returns the new value" test "$(g sectl get alpha)" = "two words"
out=$(g sectl get nothing-here 2>&1)
check "sectl get of a missing key exits 1" test $? -eq 1
check "sectl get of a missing key says so" contains "$out" "get 'nothing-here': no such key"
check "sectl del" g sectl del alpha
out=$(g sectl del alpha 2>&1)
check "sectl del of a deleted key exits 1" test $? -eq 1
check "sectl del of a deleted key says so" contains "$out" "del 'alpha': no such key"
check "a value from stdin, binary, 65536 bytes (max_value_len)" \
	g "head -c 65536 /dev/urandom >/tmp/v && sectl put bin - </tmp/v"
check "sectl get --raw returns the same bytes" \
	test "$(g 'sectl get --raw bin | md5sum; md5sum </tmp/v' | cut -c1-32 | uniq | wc -l)" = 1
out=$(g 'head -c 65537 /dev/zero | sectl put big -' 2>&1)
check "a value of 65537 bytes is refused (exit 1)" test $? -eq 1
check "the refusal names the limit" contains "$out" "too long: keys hold 1..256 bytes, values at most max_value_len=65536 bytes"
k257=$(printf 'k%.0s' $(seq 257))
out=$(g sectl put "$k257" v 2>&1)
check "a key of 257 bytes is refused (exit 1)" test $? -eq 1
check "the key refusal says too long" contains "$out" "too long"
check "a key of 256 bytes is stored" g sectl put "${k257:1}" v256
check "and read back" test "$(g sectl get "${k257:1}")" = v256
out=$(g "sectl put '' v" 2>&1)
check "an empty key is refused (exit 1)" test $? -eq 1
out=$(g sectl frobnicate 2>&1)
check "sectl with a bad command exits 2 with the usage" \
	bash -c '[ "$1" -eq 2 ] && grep -q "usage: sectl" <<<"$2"' _ $? "$out"

# --- statistics: ioctl, sysfs, debugfs ----------------------------------
g 'for i in 1 2 3 4 5; do sectl put k$i v$i; done; sectl get k1; sectl get nope' >/dev/null 2>&1
stats=$(g sectl stats --json)
check "sectl stats --json counts the items" contains "$stats" '"items":7'
check "sectl stats --json counts hits and misses" \
	bash -c 'grep -q "\"get_hits\":[1-9]" <<<"$1" && grep -q "\"get_misses\":[1-9]" <<<"$1"' _ "$stats"
check "sysfs stats/items agrees" test "$(g cat /sys/module/storage_hash/stats/items)" = 7
check "sysfs stats/bytes_used is above zero" \
	test "$(g cat /sys/module/storage_hash/stats/bytes_used)" -gt 0
check "sysfs has every counter" \
	test "$(g ls /sys/module/storage_hash/stats | tr '\n' ' ')" = "batch_ops batches buckets bytes_used clears del_misses dels errors get_hits get_misses gets items max_bytes max_value_len puts resizes "
check "debugfs storage_hash/stats lists the counters" \
	contains "$(g cat /sys/kernel/debug/storage_hash/stats)" "items 7"
check "sectl clear" g sectl clear
check "after clear: no item, no byte (sysfs)" \
	test "$(g cat /sys/module/storage_hash/stats/items /sys/module/storage_hash/stats/bytes_used | tr '\n' ' ')" = "0 0 "
out=$(g sectl get k1 2>&1)
check "after clear a key is gone" test $? -eq 1

# --- shtest: the C functional round -------------------------------------
g shtest functional | passthru functional
check "shtest functional exits 0" test "${PIPESTATUS[0]}" -eq 0

# --- the tools' answers to a device they cannot use ---------------------
g 'grep -q ^nobody: /etc/passwd || echo "nobody:x:65534:65534::/:/bin/sh" >>/etc/passwd'
out=$(g 'su nobody -s /bin/sh -c "/tmp/sh/sectl stats"' 2>&1)
check "sectl without permission exits 3" test $? -eq 3
check "sectl without permission says so" \
	contains "$out" "/dev/storage-hash: permission denied (mode 600, owner uid 0; you are uid 65534)"
out=$(g 'su nobody -s /bin/sh -c "/tmp/sh/sebench --engine kmod --duration 1"' 2>&1)
check "sebench without permission fails and says so" \
	bash -c '[ "$1" -ne 0 ] && grep -q "permission denied" <<<"$2"' _ $? "$out"
out=$(g sectl -d /dev/null stats 2>&1)
check "sectl on another device exits 3" test $? -eq 3
check "sectl on another device says it is not storage_hash" \
	contains "$out" "/dev/null is not a storage_hash device"

check "rmmod storage_hash" g rmmod storage_hash
check "the unload line has the final counters" \
	contains "$(kmsg_since "storage_hash: unloaded")" "storage_hash: unloaded: freed 0 items (0 bytes), bytes_used=0; puts="

# A module of another uapi version: built from the same source.
v99=$T_TMP/kmod-v99
if target/kbuild.sh kmod "$v99" KCFLAGS=-DSH_TEST_UAPI_VERSION=99 >"$T_TMP/v99.log" 2>&1 &&
	upload "$v99/storage_hash.ko" && g 'mkdir -p /tmp/v99 && mv /tmp/sh/storage_hash.ko /tmp/v99/' &&
	upload "$KO" && g insmod /tmp/v99/storage_hash.ko; then
	ok "a module of uapi version 99 loads"
	out=$(g sectl stats 2>&1)
	check "sectl against uapi 99 exits 3" test $? -eq 3
	check "sectl names both versions" \
		contains "$out" "the loaded storage_hash module speaks uapi version 99, sectl was built for version 1"
	out=$(g sebench --engine kmod --duration 1 2>&1)
	check "sebench against uapi 99 fails and names both versions" \
		bash -c '[ "$1" -ne 0 ] && grep -q "speaks uapi version 99, sebench was built for version 1" <<<"$2"' _ $? "$out"
	g rmmod storage_hash
else
	not_ok "a module of uapi version 99 builds and loads"
	cat "$T_TMP/v99.log"
fi

check "no BUG, WARNING, Oops or Call trace in the kernel log" \
	kmsg_clean "$(g "timeout 1 cat /dev/kmsg" 2>/dev/null)"
