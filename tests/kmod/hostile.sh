#!/usr/bin/env bash
# Hostile input to /dev/storage-hash: unknown ioctl numbers, NULL, unmapped
# and kernel pointers, lengths of 0, 2^32-1 and just over each limit, batch
# arrays with bad entries, torn struct versions, 20000 random ioctls. Each is
# refused with an error; afterwards the kernel log holds no BUG, WARNING,
# Oops or Call trace, and the module still works.
. "$(dirname "$0")/helpers.bash"

kmod_boot kmod-hostile
check "insmod storage_hash.ko" g insmod /tmp/sh/storage_hash.ko
g shtest hostile | passthru hostile
check "shtest hostile exits 0" test "${PIPESTATUS[0]}" -eq 0
kmsg=$(kmsg_since "storage_hash: loaded")
check "no BUG, WARNING, Oops or Call trace in /dev/kmsg after the hostile round" \
	kmsg_clean "$kmsg"
check "the module still stores a value" g sectl put after hostile
check "and returns it" test "$(g sectl get after)" = hostile
check "the errors counter shows the refusals" \
	test "$(g cat /sys/module/storage_hash/stats/errors)" -gt 100
check "the module unloads after the hostile round" g rmmod storage_hash
check "the unload line is in /dev/kmsg" \
	contains "$(kmsg_since "storage_hash: unloaded")" "storage_hash: unloaded: freed 1 items"
