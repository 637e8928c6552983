#!/usr/bin/env bash
# The embedded target broken under an open dashboard (one VM boot for
# both):
#  1. the guest's SSH server (dropbear) killed and restarted through the
#     serial console, 5 times, while the kernel log streams and a
#     benchmark runs: no sequence number twice in the journal; during one
#     outage the target writes more records than its kernel log buffer
#     holds, and the gap is shown as "N messages lost" with N from the
#     sequence numbers; the benchmark fails with "connection lost";
#     kmdash's open fds and RSS are the same after the storm as before
#     (±1 fd, ±10%);
#  2. then QEMU killed -9: "VM exited (killed)" at once, `s` boots a new
#     one and everything reconnects.
# The release build: ASan holds freed memory in quarantine by design, so
# its RSS says nothing about a leak.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$(dirname "$0")/lib.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "faults on the embedded target" "the embedded target is not built (make target)"
	exit 0
fi
KMDASH=$T_BUILD/kmdash
RESTARTS=${KMDASH_FAULT_RESTARTS:-5}
GAP_AT=2 # the outage in which the log overflows
BENCH_AT=3 # the outage during which a benchmark runs

CFG=$T_TMP/config.json
cat >"$CFG" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "bench": { "args": ["--duration", "60"] } } ] }
EOF
vm_start qemu >/dev/null || { not_ok "the VM boots"; exit 1; }
out=$(XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state "$KMDASH" --config "$CFG" run build deploy load 2>&1)
check "the module is built, deployed and loaded" contains "$out" "build+deploy+load succeeded"

dash_run dash 200 50 "$KMDASH" --config "$CFG"
check "the dashboard comes up with the link" wait_screen dash "link UP" 60
pid=$(dash_pid dash)
J=$(journal_dir qemu)
ups() { grep -c ' link UP' "$J/actions.log"; }
ups_above() { [ "$(ups)" -gt "$1" ]; }
wait_until 10 test -s "$J/kmsg.log"
sleep 2 # settled: the log's backlog in, the module's state read
fd0=$(fd_count "$pid") rss0=$(rss_kb "$pid")

for i in $(seq "$RESTARTS"); do
	up0=$(ups)
	if [ "$i" = "$BENCH_AT" ]; then
		keys dash B
		check "a benchmark starts before outage $i" \
			wait_screen dash "> bench" 20
		check "... and runs: its samples reach the journal" \
			wait_until 30 grep -qs '"type":"sample"' "$J/bench.jsonl"
	fi
	if [ "$i" = "$GAP_AT" ]; then
		# Writes until the first record of the outage has left the
		# buffer (the oldest record /dev/kmsg gives is newer): more
		# than it holds, whatever its size. At debug level, so that
		# the console does not print them all; a second after the
		# kill, when no stream can take them.
		sshd_restart dash "$i" "sleep 1; echo '<7>kmdash-fault: overflow-first' >/dev/kmsg; f=\$(grep -m1 overflow-first /dev/kmsg | cut -d, -f2); n=0; while [ \$(head -n1 /dev/kmsg | cut -d, -f2) -le \$f ]; do i=0; while [ \$i -lt 500 ]; do echo \"<7>kmdash-fault: overflow \$n\" >/dev/kmsg; i=\$((i+1)); n=\$((n+1)); done; done"
	else
		sshd_restart dash "$i"
	fi
	if ! wait_until 120 ups_above "$up0"; then
		not_ok "restart $i: the link comes back"
		screen dash | head -3
		break
	fi
done
check "the link went down and came back $RESTARTS times" \
	test "$(grep -c ' link DOWN' "$J/actions.log")" -ge "$RESTARTS"

# -- the kernel log in the journal
check "the journal holds the records after the last restart" \
	wait_until 30 grep -q "kmdash-fault: restarted $RESTARTS" "$J/kmsg.log"
kmsg_seqs "$J/kmsg.log" >"$T_TMP/seqs"
check "no sequence number twice in the journal" \
	test -z "$(sort -n "$T_TMP/seqs" | uniq -d | head -3)"
check "sequence numbers only grow" bash -c "sort -nc '$T_TMP/seqs'"
# the gap: the last record seen before it and the first after, by seq
gap=$(awk 'NR > 1 && $1 != prev + 1 { print prev, $1 } { prev = $1 }' "$T_TMP/seqs")
lost=$(sed -n 's/^-- \([0-9]*\) messages lost --$/\1/p' "$J/kmsg.log")
check "exactly one gap in the sequence numbers" test "$(wc -l <<<"$gap")" -eq 1
read -r before after <<<"$gap"
check "the gap is marked \"N messages lost\", N from the sequence numbers ($((after - before - 1)))" \
	test "$lost" = "$((after - before - 1))"
check "the overflow's records came after the gap" \
	grep -q 'kmdash-fault: overflow' "$J/kmsg.log"
keys dash 4
keys dash /
keys dash -l "messages lost"
keys dash Enter
check "the kernel log pane shows the marker (/ finds it)" wait_screen dash "$lost messages lost" 10
keys dash f

# -- the benchmark that ran when its connection went
check "the benchmark failed, not ok" wait_screen dash "last: bench failed" 10
check "... because the connection was lost" \
	bash -c "tmux -S '$TM_SOCK' capture-pane -p -t dash | grep -qE 'bench failed after .*: benchmark: connection to .* lost'"

# -- nothing left behind by the storm
fd1=$(fd_count "$pid") rss1=$(rss_kb "$pid")
echo "# fds $fd0 -> $fd1, RSS $rss0 -> $rss1 KiB"
check "open fds after the storm: $fd1, before: $fd0 (±1)" \
	test $((fd1 - fd0)) -le 1 -a $((fd0 - fd1)) -le 1
check "RSS after the storm: $rss1 KiB, before: $rss0 KiB (±10%)" \
	test $((rss1 * 10)) -le $((rss0 * 11)) -a $((rss1 * 10)) -ge $((rss0 * 9))

# -- QEMU killed under the dashboard
qpid=$(cat "$(vm_dir qemu)/qemu.pid")
kill -KILL "$qpid"
check "QEMU killed: \"VM exited (killed)\"" wait_screen dash "vm exited (killed)" 10
keys dash s
check "s boots a new VM" wait_screen dash "vm ssh-ready" 90
check "... and the link comes back" wait_screen dash "link UP" 60
check "... and the new boot's kernel log streams" \
	wait_until 30 grep -q -- '-- target rebooted --' "$J/kmsg.log"
check "... its records after the marker" \
	wait_until 30 bash -c "sed -n '/-- target rebooted --/,\$p' '$J/kmsg.log' | grep -q 'Booting Linux'"
check "the dashboard quits normally" quits dash
