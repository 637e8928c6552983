# Sourced by tests (after tests/lib.sh): a throwaway OpenSSH sshd on
# 127.0.0.1 with a private config, generated host keys and client keys.
#
#   sshd_setup DIR          host keys (ed25519 + ecdsa), client keys
#                           (ed25519, rsa), authorized_keys, known_hosts
#   sshd_start DIR [PORT]   starts it (a free port unless given); sets
#                           SSHD_PORT and SSHD_PID (tracked, killed on exit)
#   sshd_stop               stops it by PID
#   SSHD_NETNS=NS sshd_start ...  runs it inside network namespace NS
#
# Files in DIR: sshd_config, host_ed25519{,.pub}, host_ecdsa{,.pub},
# id_ed25519{,.pub}, id_rsa{,.pub}, authorized_keys, known_hosts (the
# ed25519 host key for [127.0.0.1]:PORT, written by sshd_start), sshd.log.

SSHD_BIN=/usr/sbin/sshd

sshd_setup()
{
	local d=$1
	mkdir -p "$d"
	chmod 700 "$d"
	[ -f "$d/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C kmdash-test-host -f "$d/host_ed25519"
	[ -f "$d/host_ecdsa" ] || ssh-keygen -q -t ecdsa -N '' -C kmdash-test-host -f "$d/host_ecdsa"
	[ -f "$d/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C kmdash-test -f "$d/id_ed25519"
	[ -f "$d/id_rsa" ] || ssh-keygen -q -t rsa -b 2048 -N '' -C kmdash-test-rsa -f "$d/id_rsa"
	# git does not keep modes, ssh insists on them
	chmod 600 "$d"/host_ed25519 "$d"/host_ecdsa "$d"/id_ed25519 "$d"/id_rsa
	cat "$d/id_ed25519.pub" "$d/id_rsa.pub" >"$d/authorized_keys"
	chmod 600 "$d/authorized_keys"
}

# sshd_port_free PORT: no socket of any state on it (a client's
# connection on it makes a bind fail as surely as a listener)
sshd_port_free() { [ -z "$(ss -Htan "sport = :$1" 2>/dev/null)" ]; }

# sshd_free_port: a free port below the kernel's ephemeral range, which
# other processes' outgoing connections take at any moment
sshd_free_port()
{
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${low:-0}" -gt 12000 ] || low=40000
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (low - 10000)))
		sshd_port_free "$p" && { echo "$p"; return 0; }
	done
	return 1
}

# sshd_config DIR PORT LISTEN
sshd_write_config()
{
	local d=$1 port=$2 listen=$3
	cat >"$d/sshd_config" <<EOF
ListenAddress $listen
Port $port
HostKey $d/host_ed25519
HostKey $d/host_ecdsa
AuthorizedKeysFile $d/authorized_keys
PidFile $d/sshd.pid
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding yes
GatewayPorts no
Subsystem sftp internal-sftp
LogLevel VERBOSE
${SSHD_EXTRA:-}
EOF
}

# sshd_start DIR [PORT]: on a port of its choosing, it tries another if
# that one was taken between the choice and sshd's bind
sshd_start()
{
	local try
	[ -n "${2:-}" ] && { sshd_start_on "$1" "$2"; return; }
	for try in 1 2 3; do
		sshd_start_on "$1" "$(sshd_free_port)" && return 0
		kill -0 "$SSHD_PID" 2>/dev/null && return 1 # up but deaf: no retry
		grep -q "Address already in use" "$1/sshd.log" || return 1
	done
	return 1
}

sshd_start_on()
{
	local d=$1 listen=${SSHD_LISTEN:-127.0.0.1} ns=()
	SSHD_PORT=$2
	mkdir -p /run/sshd
	sshd_write_config "$d" "$SSHD_PORT" "$listen"
	[ -n "${SSHD_NETNS:-}" ] && ns=(ip netns exec "$SSHD_NETNS")
	# this start's lines of the log: it is kept across restarts
	local from
	from=$(($(stat -c %s "$d/sshd.log" 2>/dev/null || echo 0) + 1))
	"${ns[@]}" "$SSHD_BIN" -D -e -f "$d/sshd_config" >>"$d/sshd.log" 2>&1 &
	SSHD_PID=$!
	track_pid "$SSHD_PID"
	printf '[%s]:%s %s\n' "$listen" "$SSHD_PORT" "$(cut -d' ' -f1,2 "$d/host_ed25519.pub")" \
		>"$d/known_hosts"
	# ready when it says it listens (another process listening on the
	# port would fool a look at the port), or gone: show its log
	local i
	for i in $(seq 250); do
		kill -0 "$SSHD_PID" 2>/dev/null || { tail -c +"$from" "$d/sshd.log" | tail -3 >&2; return 1; }
		# (sshd -e ends its lines with \r\n)
		tail -c +"$from" "$d/sshd.log" | tr -d '\r' |
			grep -q "^Server listening on .* port $SSHD_PORT\.$" && return 0
		sleep 0.02
	done
	return 1
}

sshd_stop()
{
	[ -n "${SSHD_PID:-}" ] || return 0
	kill -TERM "$SSHD_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
