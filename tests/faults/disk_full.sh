#!/usr/bin/env bash
# The journal's disk fills up under the dashboard: the state directory is
# a 1 MiB tmpfs and the target's kernel log floods (a loopback sshd whose
# `cat /dev/kmsg` is tests/bench/kmsggen.c, 5000 lines/s). The status bar
# says "journal: disk full, recording paused", the dashboard keeps working;
# when space returns (the tmpfs grows), recording resumes after a marker
# line whose count is the records missing around it.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/bench/flood.bash"
cd "$T_ROOT"

RATE=5000
flood_setup
STATE=$T_TMP/state
if ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$STATE" 2>"$T_TMP/mount.err"; then
	skip "a full journal disk" "cannot mount a tmpfs: $(cat "$T_TMP/mount.err")"
	exit 0
fi
# What holds the mount goes first, then the mount, then the rest.
trap 'kill_gens; tm kill-server 2>/dev/null; umount -l "$STATE"; t_cleanup' EXIT

flood_params "$RATE" $((RATE * 600))
dash_run dash 160 45 "$KMDASH" --config "$T_TMP/config.json"
check "the dashboard comes up with the link" wait_screen dash "link UP" 30
check "the disk fills: the status bar says so" \
	wait_screen dash "journal: disk full, recording paused" 60
J=$(journal_dir flood)

# the newest record number the kernel log pane shows
shown() { screen dash | grep -o 'kmsgflood: record [0-9]*' | awk '{ print $3 }' | sort -n | tail -1; }
newer_shown() { [ "$(shown)" -gt "$1" ]; }
size0=$(stat -c %s "$J/kmsg.log")
r0=$(shown)
check "the dashboard keeps working: the kernel log goes on (past $r0)" \
	wait_until 10 newer_shown "$r0"
keys dash '?'
check "... keys work (the help opens)" wait_screen dash "kmdash keys: Esc closes"
keys dash Escape
check "... and closes" wait_gone dash "kmdash keys: Esc closes"
check "... the link stays up" wait_screen dash "link UP" 5
check "nothing more went to the full disk" test "$(stat -c %s "$J/kmsg.log")" -eq "$size0"

mount -o remount,size=64m "$STATE"
check "space returns: the status bar clears" \
	wait_gone dash "journal: disk full" 30
check "recording resumed after a marker line" \
	wait_until 10 grep -q -- '^-- journal: recording resumed: ' "$J/kmsg.log"
marker=$(grep -m1 -- '^-- journal: recording resumed: ' "$J/kmsg.log")
echo "# $marker"
lost=$(sed -n 's/^-- journal: recording resumed: \([0-9]*\) writes .*/\1/p' <<<"$marker")
# the last whole record before the marker and the first after it
before=$(sed -n '/^-- journal: recording resumed: /q; /typical length$/p' "$J/kmsg.log" |
	tail -1 | sed -n 's/.*#\([0-9]*\) .*/\1/p')
after=$(sed -n '/^-- journal: recording resumed: /,$p' "$J/kmsg.log" | kmsg_seqs /dev/stdin | head -1)
check "the marker counts the records missing around it ($before .. $after: $((after - before - 1)))" \
	test "$lost" = "$((after - before - 1))"
check "... and the records go on after it" \
	wait_until 10 bash -c "[ \$(sed -n '/^-- journal: recording resumed: /,\$p' '$J/kmsg.log' | wc -l) -gt 100 ]"
check "the dashboard quits normally" quits dash
