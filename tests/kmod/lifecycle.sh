#!/usr/bin/env bash
# Load and unload: parameters, refused parameters, 50 load/unload cycles,
# unload with data present frees it, rmmod with an open fd fails cleanly,
# and the memory cap: filling past max_bytes gives ENOSPC, never an OOM.
. "$(dirname "$0")/helpers.bash"

kmod_boot kmod-life

# --- parameters -----------------------------------------------------------
check "insmod with max_bytes and max_value_len" \
	g insmod /tmp/sh/storage_hash.ko max_bytes=1048576 max_value_len=1024
check "the load line shows the parameters" \
	contains "$(kmsg_since "storage_hash: loaded")" "max_bytes=1048576 max_value_len=1024"
check "sectl stats shows them" \
	bash -c 'grep -q "\"max_bytes\":1048576,\"max_value_len\":1024" <<<"$1"' _ "$(g sectl stats --json)"
out=$(g 'head -c 1025 /dev/zero | sectl put k -' 2>&1)
check "a value over max_value_len=1024 is refused, naming the limit" \
	bash -c '[ "$1" -eq 1 ] && grep -q "max_value_len=1024" <<<"$2"' _ $? "$out"
check "a value of 1024 bytes is stored" g 'head -c 1024 /dev/zero | sectl put k -'
check "rmmod" g rmmod storage_hash
out=$(g insmod /tmp/sh/storage_hash.ko max_value_len=0 2>&1)
check "max_value_len=0 is refused" test $? -ne 0
check "and the kernel log says why" \
	contains "$(kmsg_since "max_value_len=0")" "storage_hash: max_value_len=0: must be 1..1048576"
out=$(g insmod /tmp/sh/storage_hash.ko max_bytes=4000000000 2>&1)
check "max_bytes above half of the RAM is refused" test $? -ne 0
check "and the kernel log says why" \
	contains "$(kmsg_since "max_bytes=4000000000")" "storage_hash: max_bytes=4000000000: must be 4096.."
check "no module is left after refused loads" \
	bash -c '! grep -q storage_hash <<<"$1"' _ "$(g lsmod)"

# --- 50 load/unload cycles, each with data ---------------------------------
out=$(g 'for i in $(seq 50); do insmod /tmp/sh/storage_hash.ko || exit 1; sectl put k$i v$i >/dev/null || exit 2; [ "$(sectl get k$i)" = v$i ] || exit 3; rmmod storage_hash || exit 4; done; echo cycles-done' 2>&1)
check "50 load/put/get/unload cycles" contains "$out" cycles-done
kmsg=$(g "timeout 1 cat /dev/kmsg" 2>/dev/null)
# The 50 cycles plus the parameter test's load above (its unload freed a
# 1 KiB value: not 128 bytes).
check "50 more load lines and unload lines, each unload freeing its item" \
	test "$(grep -c 'storage_hash: loaded:' <<<"$kmsg"):$(grep -c 'storage_hash: unloaded: freed 1 items (128 bytes), bytes_used=0' <<<"$kmsg")" = "51:50"
check "no BUG, WARNING, Oops or Call trace after the cycles" kmsg_clean "$kmsg"

# --- unload with data present frees it --------------------------------------
mem() { g "awk '/MemAvailable/ { print \$2 }' /proc/meminfo"; }
before=$(mem)
check "insmod" g insmod /tmp/sh/storage_hash.ko
g shtest load 30000 900
used=$(g cat /sys/module/storage_hash/stats/bytes_used)
check "30000 values of 900 bytes use 30720000 bytes (1 KiB each)" test "$used" = 30720000
during=$(mem)
check "rmmod with 30000 items stored" g rmmod storage_hash
check "the unload line says all were freed and bytes_used is back to zero" \
	contains "$(kmsg_since "storage_hash: unloaded")" "storage_hash: unloaded: freed 30000 items (30720000 bytes), bytes_used=0;"
after=$(mem)
echo "# MemAvailable: $before kB before, $during kB with the data, $after kB after unload"
check "the memory came back (MemAvailable within 4 MB of before)" \
	test $((before - after)) -lt 4096

# --- rmmod with an open fd ----------------------------------------------------
check "insmod" g insmod /tmp/sh/storage_hash.ko
g sectl put held value >/dev/null
out=$(g 'exec 3</dev/storage-hash; rmmod storage_hash; echo "rmmod-rc=$?"; echo "refcnt=$(cat /sys/module/storage_hash/refcnt)"; sectl get held; exec 3<&-; rmmod storage_hash && echo second-rmmod-ok' 2>&1)
check "rmmod while a fd is open fails" contains "$out" "rmmod-rc=1"
check "rmmod says the module is in use (EAGAIN from the kernel)" \
	contains "$out" "can't unload module 'storage_hash': Resource temporarily unavailable"
check "the open fd holds a reference" contains "$out" "refcnt=1"
check "the module still works while rmmod was refused" contains "$out" $'\nvalue\n'
check "rmmod succeeds once the fd is closed" contains "$out" second-rmmod-ok

# --- the memory cap -----------------------------------------------------------
check "insmod with max_bytes=8 MiB" g insmod /tmp/sh/storage_hash.ko max_bytes=8388608
g shtest fill | passthru "cap 8 MiB"
check "shtest fill (8 MiB) exits 0" test "${PIPESTATUS[0]}" -eq 0
check "rmmod" g rmmod storage_hash
# Near the largest cap allowed (half of the RAM): ENOSPC, not the OOM killer.
big=$(( $(g "awk '/MemTotal/ { print \$2 }' /proc/meminfo") * 1024 / 2 - 4096 ))
check "insmod with max_bytes=$big (half of the RAM)" g insmod /tmp/sh/storage_hash.ko max_bytes=$big
g shtest fill | passthru "cap half RAM"
check "shtest fill (half of the RAM) exits 0" test "${PIPESTATUS[0]}" -eq 0
check "the guest still answers after the fill" test "$(g echo alive)" = alive
kmsg=$(kmsg_since "max_bytes=$big")
check "no OOM kill, BUG, WARNING, Oops or Call trace while filling" kmsg_clean "$kmsg"
check "rmmod" g rmmod storage_hash
