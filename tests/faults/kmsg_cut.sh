#!/usr/bin/env bash
# The connection dropped in the middle of a kernel log record. A real sshd
# on 127.0.0.1 plays the board: the first `cat /dev/kmsg` sends records 1
# to 5 and the head of record 6, then its connection is killed (the board's
# SSH server gone mid-write, as in the restart storm when a replay is cut);
# the next one replays the whole log, record 6 whole, then record 7. The
# journal must hold each record once, 6 whole, and no "target rebooted":
# the cut head of a record is no record.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/sshd.sh"

KMDASH=$T_BUILD/kmdash
F=$T_TMP/board
mkdir -p "$F"
# The marked lines are the records; the test reads what to expect there.
cat >"$F/kmsg" <<'EOF'
6,1,1000000,-;kmdash-cut: record one
6,2,2000000,-;kmdash-cut: record two
6,3,3000000,-;kmdash-cut: record three
6,4,4000000,-;kmdash-cut: record four
6,5,5000000,-;kmdash-cut: record five
6,6,6000000,-;kmdash-cut: record six, the one the connection cuts in two
EOF
printf '6,7,7000000,-;kmdash-cut: record seven, after the reconnect\n' >"$F/kmsg.more"
whole6=$(sed -n 's/^6,6,[0-9]*,-;//p' "$F/kmsg")
# The follower's command (core/session.c follow_kmsg) prints the boot id
# and the uptime, then the log: the first time all but its last 20 bytes,
# then the connection dies (its sshd process killed); then the whole log
# and more.
cat >"$F/shell" <<EOF
#!/bin/bash
case \$SSH_ORIGINAL_COMMAND in
*boot_id*/dev/kmsg*)
	# the PID line kmdash's PTY streams start with (core/ssh/sshchan.c)
	echo \$\$
	printf 'cafe0000-0000-0000-0000-000000000001\n100.00 90.00\n'
	if mkdir "$F/cut" 2>/dev/null; then
		head -c -20 "$F/kmsg"
		sleep 1
		kill -KILL \$PPID
	fi
	cat "$F/kmsg" "$F/kmsg.more"
	exec sleep 600 ;;
esac
exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
EOF
chmod +x "$F/shell"
D=$T_TMP/sshd
sshd_setup "$D"
SSHD_EXTRA="ForceCommand $F/shell" sshd_start "$D" || { not_ok "sshd starts"; exit 1; }
CFG=$T_TMP/config.json
cat >"$CFG" <<EOF
{ "targets": [ { "name": "board",
    "ssh": { "host": "127.0.0.1", "port": $SSHD_PORT, "user": "root",
             "identity_files": ["$D/id_ed25519"], "known_hosts": "$D/known_hosts" },
    "build": { "argv": ["true"], "dir": "$F" },
    "module": { "remote_dir": "$F" } } ] }
EOF

dash_run dash 160 45 "$KMDASH" --config "$CFG" --no-boot
check "the dashboard comes up with the link" wait_screen dash "link UP" 30
J=$(journal_dir board)
check "the connection is cut in the middle of record 6" \
	wait_until 30 grep -q ' link DOWN' "$J/actions.log"
check "... and comes back" \
	wait_until 30 bash -c "[ \$(grep -c ' link UP' '$J/actions.log') -ge 2 ]"
check "the record after the reconnect reaches the journal" \
	wait_until 30 grep -q 'kmdash-cut: record seven' "$J/kmsg.log"
check "record 6 is in the journal whole" grep -qF -- "#6 $whole6" "$J/kmsg.log"
check "... and its cut head is not" \
	test "$(grep -c 'kmdash-cut: record six' "$J/kmsg.log")" -eq 1
kmsg_seqs "$J/kmsg.log" >"$T_TMP/seqs"
check "records 1 to 7, each once, in order" \
	test "$(paste -sd' ' "$T_TMP/seqs")" = "$(seq -s' ' 7)"
check "no \"target rebooted\": the board did not reboot" \
	bash -c "! grep -q 'target rebooted' '$J/kmsg.log'"
check "the dashboard quits normally" quits dash
