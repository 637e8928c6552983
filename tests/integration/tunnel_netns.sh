#!/usr/bin/env bash
# The real-Pi reverse-tunnel topology, on one host: a network namespace
# stands in for the board (its own sshd on BOARD_ADDR:22), and from inside
# it an `ssh -N -R 127.0.0.1:TPORT:BOARD_ADDR:22` to a "cloud" sshd in the
# root namespace. kmdash's link connects to 127.0.0.1:TPORT and must tell
# "tunnel port closed" from "board behind the tunnel is gone".
# Needs root (netns, veth); skipped elsewhere outside CI.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/sshd.sh"

B=$T_BUILD/asan/tests/integration/sshdrive
[ -x "$B" ] || { not_ok "sshdrive is built (make asan)"; exit 1; }

NS=kmb$$
VA=kmva$$ # root side
VB=kmvb$$ # board side
NET=10.200.$(($$ % 250)).
CLOUD_ADDR=${NET}1
BOARD_ADDR=${NET}2

net_cleanup()
{
	ip link del "$VA" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
}
trap 'net_cleanup; t_cleanup' EXIT

if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	skip "reverse tunnel through a network namespace" "needs root and network namespaces (ip netns add failed)"
	exit 0
fi
ip link add "$VA" type veth peer name "$VB" &&
	ip link set "$VB" netns "$NS" &&
	ip addr add "$CLOUD_ADDR/30" dev "$VA" &&
	ip link set "$VA" up &&
	ip netns exec "$NS" ip addr add "$BOARD_ADDR/30" dev "$VB" &&
	ip netns exec "$NS" ip link set "$VB" up &&
	ip netns exec "$NS" ip link set lo up ||
	{ not_ok "veth pair between the namespaces"; exit 1; }
ok "board namespace with a veth pair ($CLOUD_ADDR <-> $BOARD_ADDR)"

# The board's own sshd, inside its namespace.
BD=$T_TMP/board
sshd_setup "$BD"
SSHD_NETNS=$NS SSHD_LISTEN=$BOARD_ADDR sshd_start "$BD" 22 ||
	{ not_ok "board sshd starts in the namespace"; exit 1; }
BOARD_PID=$SSHD_PID

# The cloud sshd, reachable from the board over the veth only.
CD=$T_TMP/cloud
sshd_setup "$CD"
SSHD_LISTEN=$CLOUD_ADDR sshd_start "$CD" || { not_ok "cloud sshd starts"; exit 1; }
CLOUD_PID=$SSHD_PID CLOUD_PORT=$SSHD_PORT
TPORT=$(sshd_free_port)

tunnel_up()
{
	ip netns exec "$NS" ssh -N -o BatchMode=yes -o ExitOnForwardFailure=yes \
		-o UserKnownHostsFile="$CD/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=yes -i "$CD/id_ed25519" -p "$CLOUD_PORT" \
		-R "127.0.0.1:$TPORT:$BOARD_ADDR:22" "root@$CLOUD_ADDR" 2>>"$T_TMP/tunnel.log" &
	TUNNEL_PID=$!
	track_pid "$TUNNEL_PID"
	wait_until 10 bash -c "ss -Hltn 'sport = :$TPORT' | grep -q 127.0.0.1"
}
check "ssh -R from the board opens 127.0.0.1:$TPORT in the root namespace" tunnel_up

# The client sees the board's host key under the tunnel's address.
printf '[127.0.0.1]:%s %s\n' "$TPORT" "$(cut -d' ' -f1,2 "$BD/host_ed25519.pub")" >"$T_TMP/kh"
check "OpenSSH reaches the board through the tunnel" \
	ssh -o BatchMode=yes -o UserKnownHostsFile="$T_TMP/kh" -o GlobalKnownHostsFile=/dev/null \
	-i "$BD/id_ed25519" -p "$TPORT" root@127.0.0.1 "ip -4 addr show $VB | grep -q $BOARD_ADDR"

LOG=$T_TMP/link.log
"$B" -H 127.0.0.1 -p "$TPORT" -l root -i "$BD/id_ed25519" -k "$T_TMP/kh" -t 3000 link >"$LOG" 2>&1 &
LP=$!
track_pid "$LP"
check "link through the tunnel: UP" wait_until 10 grep -q "^link: UP (reconnects 0)" "$LOG"

kill "$TUNNEL_PID"
check "ssh -R killed: DOWN [tunnel port closed] within 3 s" \
	wait_until 3 grep -q "^link: DOWN \[tunnel port closed\]" "$LOG"
check "ssh -R restarted" tunnel_up
check "link: UP again without user action" wait_until 10 grep -q "^link: UP (reconnects 1)" "$LOG"

# The board's sshd stops; the tunnel stays.
pkill -KILL -P "$BOARD_PID"
SSHD_PID=$BOARD_PID sshd_stop
check "board sshd stopped, tunnel still listening" bash -c "ss -Hltn 'sport = :$TPORT' | grep -q ."
check "link: DOWN [board behind the tunnel is gone]" \
	wait_until 10 grep -q "^link: DOWN \[board behind the tunnel is gone\]" "$LOG"
check "  with the reason in words" \
	grep -q "accepted the TCP connection but closed it without an SSH banner" "$LOG"
SSHD_NETNS=$NS SSHD_LISTEN=$BOARD_ADDR sshd_start "$BD" 22
check "board sshd back: link UP again" wait_until 15 grep -q "^link: UP (reconnects 2)" "$LOG"

kill -TERM "$LP"
wait "$LP"
check "link driver exits cleanly" bash -c "! grep -q AddressSanitizer '$LOG'"
kill "$TUNNEL_PID" "$SSHD_PID" "$CLOUD_PID" 2>/dev/null
wait "$TUNNEL_PID" "$SSHD_PID" "$CLOUD_PID" 2>/dev/null
net_cleanup
check "namespace removed" bash -c "! ip netns list | grep -qw $NS"
check "veth removed" bash -c "! ip link show $VA >/dev/null 2>&1"
exit 0
