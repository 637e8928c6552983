#!/usr/bin/env bash
# kill -9 of the dashboard during a kernel-log flood of 100k lines/s (a
# loopback sshd whose `cat /dev/kmsg` is tests/bench/kmsggen.c): its
# journal holds every record, by sequence number, up to at most the last
# second before the kill (checked against what the producer wrote), and
# the next kmdash starts normally: no stale lock, no refusal.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/bench/flood.bash"
cd "$T_ROOT"

RATE=100000
flood_setup
flood_params "$RATE" $((RATE * 120))
dash_run dash 160 45 "$KMDASH" --config "$T_TMP/config.json"
check "the dashboard comes up with the link" wait_screen dash "link UP" 30
J=$(journal_dir flood)
# a few seconds of flood: 20 MB of journal at ~100 bytes a record
grown() { [ "$(stat -c %s "$J/kmsg.log" 2>/dev/null || echo 0)" -gt "$1" ]; }
check "the flood reaches the journal" wait_until 60 grown 20000000
pid=$(dash_pid dash)
kill -KILL "$pid"
check "kmdash is gone (kill -9)" wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"
gone() { grep -q ' gone$' "$T_TMP/gen.report" 2>/dev/null; }
check "the producer saw its reader go" wait_until 30 gone
read -r _ _ produced _ <"$T_TMP/gen.report"

kmsg_seqs "$J/kmsg.log" >"$T_TMP/seqs"
last=$(tail -1 "$T_TMP/seqs")
holes=$(seq_holes "$T_TMP/seqs")
check "the journal holds records 1 to $last, none missing in between" test -z "$holes"
check "... none twice" test -z "$(sort -n "$T_TMP/seqs" | uniq -d | head -1)"
echo "# the producer wrote $produced records, the journal holds $last: $((produced - last)) missing (goal: at most $RATE, 1 s)"
check "missing at the end: $((produced - last)), at most one second's worth ($RATE)" \
	test $((produced - last)) -le "$RATE" -a "$last" -gt 0
check "no record the producer did not write" test "$last" -le "$produced"

# The next one: a short flood, from the start.
kill_gens
flood_params "$RATE" 1000
tm kill-session -t dash
dash_run again 160 45 "$KMDASH" --config "$T_TMP/config.json"
check "the next kmdash starts normally" wait_screen again "link UP" 30
check "... and shows the new stream" wait_screen again "kmsggen end" 30
J2=$(journal_dir flood)
check "... journaling in a session directory of its own" test "$J2" != "$J"
check "... all of its records" wait_until 10 grep -q 'kmsggen end' "$J2/kmsg.log"
check "it quits normally" quits again
