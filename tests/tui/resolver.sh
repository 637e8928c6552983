#!/usr/bin/env bash
# A board name the resolver never answers for (a switched-off
# "raspberrypi.local", a dead DNS server): the dashboard draws and takes
# keys while the lookup waits, gives up at the connect timeout saying why,
# and quits at once. It runs in a private network and mount namespace
# whose resolv.conf names a socat on 127.0.0.1:53 that reads the queries
# and never answers. Needs root (namespaces); skipped elsewhere outside CI.
if [ -z "${KMDASH_RESOLVER_NS:-}" ] && [ "$(id -u)" -eq 0 ] &&
	unshare --mount --net --propagation private true 2>/dev/null; then
	exec env KMDASH_RESOLVER_NS=1 unshare --mount --net \
		--propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ -z "${KMDASH_RESOLVER_NS:-}" ]; then
	skip "a resolver that never answers" "needs root and namespaces (unshare --net --mount failed)"
	exit 0
fi

# An address besides loopback, or getaddrinfo's AI_ADDRCONFIG finds no
# address family to ask for and fails at once.
ip link set lo up &&
	ip link add kmr0 type veth peer name kmr1 &&
	ip addr add 10.201.0.1/30 dev kmr0 &&
	ip link set kmr0 up && ip link set kmr1 up ||
	{ not_ok "the private network"; exit 1; }
printf 'nameserver 127.0.0.1\noptions timeout:30 attempts:1\n' >"$T_TMP/resolv.conf"
mount --bind "$T_TMP/resolv.conf" /etc/resolv.conf ||
	{ not_ok "a private resolv.conf"; exit 1; }
Q=$T_TMP/queries
socat -u UDP-RECV:53,bind=127.0.0.1 OPEN:"$Q",creat,append &
track_pid $!

S=$T_TMP/serial.sock
quiet_serial "$S"
CFG=$T_TMP/config.json
cat >"$CFG" <<EOC
{ "targets": [ { "name": "board",
    "ssh": { "host": "board.kmdash-test", "port": 22, "user": "root",
             "connect_timeout_ms": 5000 },
    "serial": { "socket": "$S" } } ] }
EOC

dash_run dns 120 40 "$KMDASH" --config "$CFG"
check "the dashboard draws while the board's name is looked up" \
	wait_screen dns "5 Bench" 3
check "the lookup is under way (the resolver got a query)" \
	bash -c 'for _ in $(seq 300); do [ -s "$1" ] && exit 0; sleep 0.01; done; exit 1' _ "$Q"
keys dns '?'
check "a key works while the lookup waits (? opens the help)" \
	wait_screen dns "kmdash keys" 2
keys dns Escape
wait_gone dns "kmdash keys" 2 >/dev/null
check "the link goes down at the connect timeout" \
	wait_screen dns "link DOWN" 10
keys dns 2 z
check "... and the zoomed tunnel pane says why" \
	wait_screen dns "cannot resolve host 'board.kmdash-test': no answer from the resolver within 5 s" 10
# A second lookup runs now (the retry) and never ends: q must not wait
# for it.
t0=$(date +%s%N)
check "q quits at once, a lookup still waiting" quits dns
ms=$((($(date +%s%N) - t0) / 1000000))
check "... within 2 s (took $ms ms)" test "$ms" -lt 2000
