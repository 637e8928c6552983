#!/usr/bin/env bash
# The terminal stops reading during a kernel-log flood (100k lines/s from
# a loopback sshd running tests/bench/kmsggen.c): the dashboard runs in a
# tmux whose server is stopped (SIGSTOP) for 5 s, so nobody reads its pty.
# The event loop keeps running: the kernel log is ingested into the
# journal during the stall, without loss, and the link's probes go on
# (answered in time, no reconnect; a link dead after 2 s would have
# dropped); memory stays bounded; on resume the screen catches up at once
# instead of replaying what it missed.
# The release build: its RSS means what it says (ASan keeps freed memory).
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/bench/flood.bash"
cd "$T_ROOT"

KMDASH=$T_BUILD/kmdash
RATE=100000
STALL=${KMDASH_FAULT_STALL_SECS:-5}
flood_setup
# a link that drops after 2 s without an answer to its probe
sed 's/"known_hosts"/"dead_after_ms": 2000, "known_hosts"/' "$T_TMP/config.json" >"$T_TMP/stall.json"
flood_params "$RATE" $((RATE * (STALL + 60)))
dash_run dash 160 45 "$KMDASH" --config "$T_TMP/stall.json"
check "the dashboard comes up with the link" wait_screen dash "link UP" 30
J=$(journal_dir flood)
grown() { [ "$(stat -c %s "$J/kmsg.log" 2>/dev/null || echo 0)" -gt "$1" ]; }
check "the flood reaches the journal" wait_until 30 grown 5000000
pid=$(dash_pid dash)
# the flood's models fill in its first seconds: memory from then on
check "memory settles under the flood" rss_settled "$pid"
# probes sent so far (the tunnel pane)
probes() { screen dash | sed -n 's/.*probes [0-9]*\/\([0-9]*\).*/\1/p' | head -1; }
p0=$(probes)
server=$(tm display-message -p '#{pid}')
rss0=$(rss_kb "$pid") size0=$(stat -c %s "$J/kmsg.log")
kill -STOP "$server"
sleep 1
size1=$(stat -c %s "$J/kmsg.log")
sleep $((STALL - 1))
size2=$(stat -c %s "$J/kmsg.log") rss1=$(rss_kb "$pid")
last=$(tail -c 300 "$J/kmsg.log" | kmsg_seqs /dev/stdin | tail -1)
kill -CONT "$server"
echo "# journal $size0 -> $size1 -> $size2 bytes during the stall; RSS $rss0 -> $rss1 KiB"
check "the kernel log is ingested while the terminal does not read" \
	test "$size1" -gt "$size0" -a "$size2" -gt "$size1"
# Bounded, not flat: under a flood with a reading terminal RSS still rises
# in steps of up to ~12% in its first 30 s (the models' rings filling),
# while a queue of what the terminal missed would hold 5 s x 100k lines,
# tens of MB: a quarter over the "before" tells the two apart.
check "memory stays bounded: RSS $rss1 KiB after $STALL s, $rss0 KiB before (+25% at most)" \
	test $((rss1 * 4)) -le $((rss0 * 5))
# the newest record number the kernel log pane shows
shown() { screen dash | grep -o 'kmsgflood: record [0-9]*' | awk '{ print $3 }' | sort -n | tail -1; }
caught_up() { [ "${last:-0}" -gt 0 ] && [ "$(shown)" -ge "$last" ]; }
check "on resume the screen catches up (past record $last)" wait_until 5 caught_up
p1=$(probes)
check "the link's probes went on during the stall ($p0 -> $p1 sent)" \
	test "$((p1 - p0))" -ge "$STALL"
max=$(screen dash | sed -n 's/.* max \([0-9.]*\)ms .*/\1/p' | head -1)
check "... each answered in time (max RTT ${max}ms, under the 2 s that drop it)" \
	awk -v m="$max" 'BEGIN { exit !(m != "" && m < 2000) }'
check "... the link never went down" bash -c "! grep -q ' link DOWN' '$J/actions.log'"
kill_gens
kmsg_seqs "$J/kmsg.log" >"$T_TMP/seqs"
holes=$(seq_holes "$T_TMP/seqs")
check "no record lost (journal: 1 to $(tail -1 "$T_TMP/seqs"), contiguous)" test -z "$holes"
check "the dashboard quits normally" quits dash
