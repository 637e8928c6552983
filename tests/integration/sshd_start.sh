#!/usr/bin/env bash
# The tests' own sshd (tests/sshd.sh): a port taken between its choice
# and sshd's bind (another listener on it) is not mistaken for sshd
# listening, and the start goes on to another port; a restart in the same
# directory waits for its own "Server listening" line, not the last one's.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/sshd.sh"

D=$T_TMP/sshd
sshd_setup "$D"
TAKEN=$(sshd_free_port) NEXT=$(sshd_free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$TAKEN" &
track_pid $!
taken() { [ -n "$(ss -Hltn "sport = :$TAKEN")" ]; }
wait_until 10 taken || { not_ok "a listener takes port $TAKEN"; exit 1; }
# the choice falls on the taken port first, as a race would have it
sshd_free_port() { [ -f "$T_TMP/chose" ] && { echo "$NEXT"; return; }; touch "$T_TMP/chose"; echo "$TAKEN"; }
check "sshd starts although its first port was taken" sshd_start "$D"
check "... on the next port it chose" test "$SSHD_PORT" = "$NEXT"
check "... and answers there" bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; head -c 4 <&3 | grep -q SSH-' _ "$SSHD_PORT"
sshd_stop
check "a restart in the same directory is ready again" sshd_start "$D" "$NEXT"
