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

# port_is_free PORT
sshd_port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

sshd_free_port()
{
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
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

sshd_start()
{
	local d=$1 listen=${SSHD_LISTEN:-127.0.0.1} ns=()
	SSHD_PORT=${2:-$(sshd_free_port)}
	mkdir -p /run/sshd
	sshd_write_config "$d" "$SSHD_PORT" "$listen"
	[ -n "${SSHD_NETNS:-}" ] && ns=(ip netns exec "$SSHD_NETNS")
	"${ns[@]}" "$SSHD_BIN" -D -e -f "$d/sshd_config" >>"$d/sshd.log" 2>&1 &
	SSHD_PID=$!
	track_pid "$SSHD_PID"
	printf '[%s]:%s %s\n' "$listen" "$SSHD_PORT" "$(cut -d' ' -f1,2 "$d/host_ed25519.pub")" \
		>"$d/known_hosts"
	# ready when it listens (or gone: show its log)
	local i
	for i in $(seq 250); do
		kill -0 "$SSHD_PID" 2>/dev/null || { cat "$d/sshd.log" >&2; return 1; }
		if [ -n "${SSHD_NETNS:-}" ]; then
			ip netns exec "$SSHD_NETNS" ss -Hltn "sport = :$SSHD_PORT" | grep -q . && return 0
		else
			sshd_port_free "$SSHD_PORT" || return 0
		fi
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
