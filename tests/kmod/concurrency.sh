#!/usr/bin/env bash
# Many threads: 8 threads x 100k mixed PUT/GET/DEL/BATCH ops on private and
# shared keys while another thread makes the table grow and shrink, and
# readers poll the statistics; then a verification pass: no value lost or
# corrupted, every result as expected.
. "$(dirname "$0")/helpers.bash"

kmod_boot kmod-conc
check "insmod storage_hash.ko" g insmod /tmp/sh/storage_hash.ko
# Statistics readers (sysfs, debugfs, ioctl) poll while the threads run.
g 'while :; do cat /sys/module/storage_hash/stats/* /sys/kernel/debug/storage_hash/stats >/dev/null; sectl stats >/dev/null; done >/dev/null 2>&1 & echo $! >/tmp/poller' >/dev/null
g shtest stress 8 100000 | passthru stress
check "shtest stress 8 100000 exits 0" test "${PIPESTATUS[0]}" -eq 0
check "the statistics readers were still running" g 'kill $(cat /tmp/poller)'
# Two sebench processes at once on both CPUs, with a mixed workload.
out=$(g 'sebench --threads 2 --duration 2 --mix 60:30:10 --batch 16 >/tmp/b1 & sebench --threads 2 --duration 2 --mix 50:40:10 >/tmp/b2; wait $!; r=$?; tail -1 /tmp/b1; tail -1 /tmp/b2; exit $r')
check "two concurrent sebench runs finish without errors" \
	bash -c 'grep -c "\"errors\":0}$" <<<"$1" | grep -qx 2' _ "$out"
kmsg=$(kmsg_since "storage_hash: loaded")
check "no BUG, WARNING, Oops or Call trace in /dev/kmsg" kmsg_clean "$kmsg"
check "rmmod after the concurrent run" g rmmod storage_hash
