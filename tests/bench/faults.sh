#!/usr/bin/env bash
# The fault figures (tests/faults/ asserts the behaviour; this measures):
#  1. The guest's SSH server killed and restarted through the serial
#     console 20 times (KMDASH_BENCH_RESTARTS) under an open dashboard:
#     the time from dropbear's return (its marker on the console, read in
#     QEMU's serial log) to kmdash's link UP (its journal), goal <= 2 s at
#     p95; beside it, in the same restarts, a
#     `while ! ssh ...; do sleep 1; done` loop started at each kill;
#     after the 20, the sequence numbers seen twice in the journal (goal
#     0) and kmdash's open fds and RSS before and after.
#  2. kill -9 of the dashboard during a 100k lines/s kernel-log flood, 3
#     times: records the producer wrote that the journal misses, goal <= 1
#     s's worth (100000); beside it OpenSSH `ssh -tt target cat /dev/kmsg
#     >file` killed -9 at the same point.
#  3. The terminal stopped for 30 s (KMDASH_BENCH_STALL_SECS) under the
#     flood: tests/faults/term_stall.sh, its figures.
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$T_ROOT/tests/faults/lib.sh"
cd "$T_ROOT"

RESTARTS=${KMDASH_BENCH_RESTARTS:-20}
STALL=${KMDASH_BENCH_STALL_SECS:-30}
KMDASH=$T_BUILD/kmdash
# stats "v v v ...": median, p95 (nearest rank), max
stats()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 }
		END { p = int(NR * 0.95 + 0.999); if (p > NR) p = NR
		      m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      printf "%.2f %.2f %.2f", m, a[p], a[NR] }'
}
epoch() { date -d "$1" +%s.%N; }

# --- 1. the restart storm --------------------------------------------------
storm()
{
	local cfg=$T_TMP/storm.json log serial ups downs i t_ret t_up t_ssh k s
	local pid fd0 fd1 rss0 rss1 dups
	if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
		echo "restart storm: the embedded target is not built (make target)"
		return 1
	fi
	echo '{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" } } ] }' >"$cfg"
	vm_start qemu >/dev/null || return 1
	serial=$(vm_dir qemu)/serial.log
	dash_run storm 160 45 "$KMDASH" --config "$cfg"
	wait_screen storm "link UP" 60 >/dev/null || return 1
	log=$(journal_dir qemu)/actions.log
	pid=$(dash_pid storm)
	wait_until 10 test -s "$(journal_dir qemu)/kmsg.log"
	rss_settled "$pid"
	fd0=$(fd_count "$pid") rss0=$(rss_kb "$pid")
	k_all=() s_all=()
	for i in $(seq "$RESTARTS"); do
		ups=$(grep -c ' link UP' "$log")
		downs=$(grep -c ' link DOWN' "$log")
		rm -f "$T_TMP/ssh.up"
		sshd_restart storm "$i"
		# dropbear is gone (kmdash saw it): the comparison starts, a
		# loop that tries ssh once a second, failing while it is down
		wait_until 30 bash -c "[ \$(grep -c ' link DOWN' '$log') -gt $downs ]" || return 1
		(
			until ssh -F "$(vm_dir qemu)/ssh_config" -o BatchMode=yes kmdash-target true \
				</dev/null >/dev/null 2>&1; do
				sleep 1
			done
			now >"$T_TMP/ssh.up"
		) &
		track_pid $!
		wait_until 60 grep -qaE "^kmdash-fault: restarted $i([^0-9]|\$)" "$serial" || return 1
		t_ret=$(now)
		wait_until 60 bash -c "[ \$(grep -c ' link UP' '$log') -gt $ups ]" || return 1
		t_up=$(epoch "$(grep ' link UP' "$log" | tail -1 | cut -d' ' -f1,2)")
		wait_until 60 test -s "$T_TMP/ssh.up" || return 1
		t_ssh=$(cat "$T_TMP/ssh.up")
		k=$(awk -v a="$t_ret" -v b="$t_up" 'BEGIN { d = b - a; printf "%.3f", d < 0 ? 0 : d }')
		s=$(awk -v a="$t_ret" -v b="$t_ssh" 'BEGIN { d = b - a; printf "%.3f", d < 0 ? 0 : d }')
		k_all+=("$k") s_all+=("$s")
	done
	echo "the guest's dropbear killed and restarted $RESTARTS times (seconds from its return to the link up):"
	echo "  kmdash: ${k_all[*]}"
	echo "  ssh loop: ${s_all[*]}"
	read -r km kp kx <<<"$(stats "${k_all[*]}")"
	read -r sm sp sx <<<"$(stats "${s_all[*]}")"
	report "restart storm: kmdash link UP, p95" "$kp" s "goal <= 2 s: $(goal_max "$kp" 2); median $km, max $kx"
	report "while ! ssh; do sleep 1; done, p95" "$sp" s "median $sm, max $sx"
	report "kmdash / ssh loop (p95)" "$(ratio "$kp" "$sp")" x "medians: $(ratio "$km" "$sm")x"
	# what test's 5 restarts assert (tests/faults/target.sh), after 20
	wait_until 30 grep -q "kmdash-fault: restarted $RESTARTS" "$(journal_dir qemu)/kmsg.log"
	dups=$(kmsg_seqs "$(journal_dir qemu)/kmsg.log" | sort -n | uniq -d | wc -l)
	report "restart storm: sequence numbers twice" "$dups" "" "goal 0: $(goal_max "$dups" 0)"
	rss_settled "$pid"
	fd1=$(fd_count "$pid") rss1=$(rss_kb "$pid")
	report "restart storm: kmdash's open fds" "$fd1" "" "before: $fd0 (goal ±1)"
	report "restart storm: kmdash's RSS" "$rss1" KiB "before: $rss0 KiB ($(ratio "$rss1" "$rss0")x, goal ±10%)"
	keys storm q
	wait_exit storm 20 >/dev/null
}

# --- 2. kill -9 during the flood --------------------------------------------
. "$T_ROOT/tests/bench/flood.bash"
RATE=100000
# A reader of the flood sets READER (its pid), SINK (the file it keeps)
# and KEPT (a command printing the last sequence number the file holds).
dash_reader()
{
	tm kill-session -t k9 2>/dev/null
	dash_run k9 160 45 "$KMDASH" --config "$T_TMP/config.json"
	wait_screen k9 "link UP" 30 >/dev/null || return 1
	READER=$(dash_pid k9)
	SINK=$(journal_dir flood)/kmsg.log
	KEPT="kmsg_seqs $SINK | tail -1"
}
ssh_reader()
{
	ssh -tt "${ssh_opts[@]}" root@127.0.0.1 cat /dev/kmsg >"$T_TMP/ssh.out" 2>/dev/null &
	READER=$!
	track_pid $READER
	SINK=$T_TMP/ssh.out
	KEPT="tr -d '\\r' <$SINK | awk -F, '/kmsgflood: record/ { s = \$2 } END { print s + 0 }'"
}
sink_grown() { [ "$(stat -c %s "$SINK" 2>/dev/null || echo 0)" -gt 20000000 ]; }
# kill9_once READER-FUNCTION: the flood into that reader, killed -9 after
# 20 MB; prints "records-written records-kept".
kill9_once()
{
	local produced
	rm -f "$T_TMP/gen.report"
	flood_params "$RATE" $((RATE * 120))
	"$1" || return 1
	wait_until 60 sink_grown || return 1
	kill -KILL "$READER"
	wait_until 30 grep -qs ' gone$' "$T_TMP/gen.report" || return 1
	kill_gens
	read -r _ _ produced _ <"$T_TMP/gen.report"
	echo "$produced $(eval "$KEPT")"
}
kill9()
{
	local k_miss=() s_miss=() r p g
	flood_setup
	for r in 1 2 3; do
		read -r p g <<<"$(kill9_once dash_reader)"
		[ -n "$g" ] || return 1
		k_miss+=("$((p - g))")
		read -r p g <<<"$(kill9_once ssh_reader)"
		[ -n "$g" ] || return 1
		s_miss+=("$((p - g))")
	done
	tm kill-session -t k9 2>/dev/null
	echo "kill -9 of the reader during a $RATE lines/s flood, after 20 MB; records written by the producer and missing at the end:"
	echo "  kmdash journal: ${k_miss[*]}; ssh -tt cat >file: ${s_miss[*]}"
	read -r km _ kx <<<"$(stats "${k_miss[*]}")"
	read -r sm _ sx <<<"$(stats "${s_miss[*]}")"
	report "kill -9 in the flood: kmdash missing, max" "${kx%.*}" records "goal <= $RATE (1 s): $(goal_max "$kx" "$RATE"); median ${km%.*} ($(awk -v m="$km" -v r="$RATE" 'BEGIN { printf "%.2f", m / r }') s)"
	report "ssh -tt cat /dev/kmsg >file, max" "${sx%.*}" records "median ${sm%.*}"
	report "kmdash / ssh (medians)" "$(ratio "$km" "$sm")" x ""
}

# --- 3. the terminal stopped ------------------------------------------------
stall()
{
	local out
	out=$(KMDASH_FAULT_STALL_SECS=$STALL bash tests/faults/term_stall.sh 2>&1)
	echo "the terminal stopped for $STALL s under the $RATE lines/s flood (tests/faults/term_stall.sh):"
	grep -E '^# |^(not )?ok ' <<<"$out" | sed 's/^/  /'
	! grep -q '^not ok' <<<"$out"
}

rc=0
storm || { echo "restart storm: failed"; rc=1; }
kill9 || { echo "kill -9 in the flood: failed"; rc=1; }
stall || { echo "terminal stall: failed"; rc=1; }
exit $rc
