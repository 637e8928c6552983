#!/usr/bin/env bash
# core/ssh/ssh, core/ssh/sftp, core/ssh/link against a real OpenSSH sshd on 127.0.0.1,
# through tests/integration/sshdrive (a CLI over the core API).
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/sshd.sh"

B=$T_BUILD/asan/tests/integration/sshdrive
[ -x "$B" ] || { not_ok "sshdrive is built (make asan)"; exit 1; }
D=$T_TMP/sshd
sshd_setup "$D"
sshd_start "$D" || { not_ok "sshd starts"; exit 1; }
KEY=$D/id_ed25519
KH=$D/known_hosts
drive() { timeout 30 "$B" -H 127.0.0.1 -p "$SSHD_PORT" -l root "$@"; }
fp() { ssh-keygen -lf "$1" | awk '{ print $2 }'; }

# --- exec ----------------------------------------------------------------
out=$(drive -i "$KEY" -k "$KH" exec 'echo out1; echo err1 >&2; echo out2; exit 7')
check "exec: stdout" contains "$out" $'--- stdout (10 bytes)\nout1\nout2'
check "exec: stderr" contains "$out" $'--- stderr (5 bytes)\nerr1'
check "exec: exit status" contains "$out" "--- exit 7"
# a full stderr window must not stall stdout (both are drained)
out=$(drive -i "$KEY" -k "$KH" exec 'head -c 3000000 /dev/zero | tr "\0" e >&2; head -c 3000000 /dev/zero | tr "\0" o; echo; echo tail-marker')
check "exec: 3 MB on stderr and 3 MB on stdout both arrive" \
	contains "$out" "--- stderr (3000000 bytes)"
check "exec: stdout complete after a full stderr" contains "$out" "tail-marker"
out=$(drive -i "$KEY" -k "$KH" exec 'kill -9 $$')
check "exec: a signal is reported" contains "$out" "--- exit -1 signal KILL"

# --- known_hosts: libssh2 prefers ecdsa; we ask for the type we know -----
check "the sshd offers ecdsa and ed25519, known_hosts holds only ed25519" \
	bash -c "grep -c . '$KH' | grep -qx 1 && grep -q ssh-ed25519 '$KH'"
out=$(drive -i "$KEY" -k "$KH" connect)
check "host key: ed25519-only known_hosts matches (no false 'unknown')" contains "$out" "state: UP"

# --- streams over a PTY, cancelled: no remote process left ---------------
mark=kmdash-stream-$$-$RANDOM
echo "first line" >"$T_TMP/streamed"
out=$(drive -i "$KEY" -k "$KH" stream "tail -f $T_TMP/streamed /dev/null/$mark 2>/dev/null" 1200)
check "stream: output delivered as it comes" contains "$out" "first line"
check "stream: remote PID known" grep -qE '^pid: [0-9]+' <<<"$out"
check "stream: cancelled" contains "$out" "cancelled"
check "stream: no remote process left after cancel" wait_until 5 bash -c "! pgrep -f '[k]${mark:1}' >/dev/null"
# a command that ignores the hangup: the close deadline kills it by PID
mark2=kmdash-stubborn-$$-$RANDOM
out=$(drive -i "$KEY" -k "$KH" stream "sh -c 'trap \"\" HUP; exec tail -f $T_TMP/streamed /dev/null/$mark2 2>/dev/null'" 800)
check "stream: a HUP-ignoring command is killed by PID after the close deadline" \
	wait_until 8 bash -c "! pgrep -f '[k]${mark2:1}' >/dev/null"

# --- SFTP upload, verified ------------------------------------------------
head -c 7000000 /dev/urandom >"$T_TMP/up.bin"
out=$(drive -i "$KEY" -k "$KH" upload "$T_TMP/up.bin" "$T_TMP/remote dir's file.bin" 2>&1)
sum=$(sha256sum <"$T_TMP/up.bin" | cut -d' ' -f1)
check "upload: reported verified with the sha256" contains "$out" "7000000 bytes, sha256 $sum verified"
check "upload: progress in bytes" contains "$out" "progress: 7000000/7000000"
check "upload: bytes on disk identical (name with a quote and a space)" \
	cmp -s "$T_TMP/up.bin" "$T_TMP/remote dir's file.bin"
check "upload: no temporary file left" bash -c "! ls -a '$T_TMP' | grep -q kmdash-.*tmp"
# Cancelled in the middle of the writes: nothing stays on the target.
head -c 300000000 /dev/zero >"$T_TMP/big.bin"
mkdir -p "$T_TMP/cancelled"
out=$(drive -i "$KEY" -k "$KH" upload-cancel "$T_TMP/big.bin" "$T_TMP/cancelled/big.bin" 300 2>&1)
check "upload cancelled during the writes" contains "$out" "cancelling the upload"
check "... before it ended" bash -c "! grep -q 'upload ok' <<<\"\$1\"" _ "$out"
check "... its partial file is removed" bash -c "[ -z \"\$(ls -A '$T_TMP/cancelled')\" ]"
rm -f "$T_TMP/big.bin"
out=$(drive -i "$KEY" -k "$KH" upload "$T_TMP/missing.bin" "$T_TMP/x" 2>&1)
check "upload: missing local file named" contains "$out" "cannot upload $T_TMP/missing.bin: No such file or directory"

# A target whose sha256sum disagrees (a corrupted copy) must fail verify.
D2=$T_TMP/sshd-badsum
sshd_setup "$D2"
mkdir -p "$T_TMP/fakebin"
printf '#!/bin/sh\ncat >/dev/null; echo 0000000000000000000000000000000000000000000000000000000000000000  -\n' >"$T_TMP/fakebin/sha256sum"
chmod +x "$T_TMP/fakebin/sha256sum"
main_port=$SSHD_PORT main_pid=$SSHD_PID
SSHD_EXTRA="SetEnv PATH=$T_TMP/fakebin:/usr/bin:/bin" sshd_start "$D2"
out=$(timeout 30 "$B" -H 127.0.0.1 -p "$SSHD_PORT" -l root -i "$D2/id_ed25519" -k "$D2/known_hosts" \
	upload "$T_TMP/up.bin" "$T_TMP/bad.bin" 2>&1)
check "upload: verify failure detected" contains "$out" "FAILED VERIFICATION: local 7000000 bytes sha256 $sum, remote 7000000 bytes sha256 0000"
check "upload: a failed copy is not left in place" bash -c "! ls -a '$T_TMP' | grep -q 'bad.bin'"
sshd_stop
SSHD_PORT=$main_port SSHD_PID=$main_pid

# --- strict host keys -----------------------------------------------------
out=$(drive -i "$KEY" -k "$T_TMP/kh_new" connect)
check "unknown host key refused" contains "$out" "host key of 127.0.0.1:$SSHD_PORT is not known"
check "unknown host key: SHA256 fingerprint as OpenSSH prints it" contains "$out" "ssh-ed25519 $(fp "$D/host_ed25519.pub")"
check "unknown host key: advice to run kmdash trust" contains "$out" "run \`kmdash trust 127.0.0.1\`"
check "unknown host key: nothing written without trust" test ! -e "$T_TMP/kh_new"
out=$(drive -i "$KEY" -k "$T_TMP/kh_new" trust)
check "trust: adds the presented key" contains "$out" "trusted"
check "trust: the entry is OpenSSH's format" \
	grep -qF "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$D/host_ed25519.pub")" "$T_TMP/kh_new"
out=$(drive -i "$KEY" -k "$T_TMP/kh_new" exec 'echo after-trust')
check "trust then connect works" contains "$out" "after-trust"
check "OpenSSH accepts what trust wrote" ssh -o BatchMode=yes -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile="$T_TMP/kh_new" -o GlobalKnownHostsFile=/dev/null -i "$KEY" \
	-p "$SSHD_PORT" root@127.0.0.1 true

ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/other_host"
{
	echo "# kmdash test"
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T_TMP/other_host.pub")"
} >"$T_TMP/kh_changed"
out=$(drive -i "$KEY" -k "$T_TMP/kh_changed" connect)
check "changed host key refused" contains "$out" "HOST KEY OF 127.0.0.1:$SSHD_PORT HAS CHANGED"
check "changed host key: the new fingerprint" contains "$out" "presents ssh-ed25519 $(fp "$D/host_ed25519.pub")"
check "changed host key: the stale fingerprint and file:line" \
	contains "$out" "$T_TMP/kh_changed:2 holds ssh-ed25519 $(fp "$T_TMP/other_host.pub")"
out=$(drive -i "$KEY" -k "$T_TMP/kh_changed" trust)
check "trust never replaces a changed key" contains "$out" "state: DOWN: HOST KEY OF"
check "trust: changed known_hosts untouched" test "$(wc -l <"$T_TMP/kh_changed")" -eq 2

# --- auth -----------------------------------------------------------------
out=$(drive -i "$D/id_rsa" -k "$KH" connect)
check "RSA key: auth failure explained" contains "$out" "is an RSA key: libssh2"
check "RSA key: says what to do" contains "$out" "use an ed25519 key instead"
mkdir -p "$T_TMP/emptyhome"
eval "$(ssh-agent -s -a "$T_TMP/agent.sock")" >/dev/null
track_pid "$SSH_AGENT_PID"
ssh-add -q "$KEY" 2>/dev/null
out=$(HOME=$T_TMP/emptyhome drive -A -k "$KH" exec 'echo via-agent')
check "agent auth with a real ssh-agent (no key file offered)" contains "$out" "via-agent"
out=$(HOME=$T_TMP/emptyhome SSH_AUTH_SOCK=$T_TMP/nowhere drive -A -k "$KH" connect)
check "no agent and no key: said so" contains "$out" "ssh-agent: not reachable"
kill "$SSH_AGENT_PID"

# --- ~/.ssh/config alias and ProxyJump --------------------------------------
mkdir -p "$T_TMP/home/.ssh"
cat >"$T_TMP/home/.ssh/config" <<EOF
Host myboard
	HostName 127.0.0.1
	Port $SSHD_PORT
	User root
	IdentityFile $KEY
	UserKnownHostsFile $KH
Host jumped
	HostName 127.0.0.1
	Port $SSHD_PORT
	ProxyJump root@127.0.0.1:$SSHD_PORT
Host *
	User root
	IdentityFile $KEY
	UserKnownHostsFile $KH
EOF
out=$(HOME=$T_TMP/home SSH_AUTH_SOCK= timeout 30 "$B" -H myboard -C exec 'echo via-alias')
check "~/.ssh/config alias honoured" contains "$out" "via-alias"
out=$(HOME=$T_TMP/home SSH_AUTH_SOCK= timeout 30 "$B" -H jumped -C exec 'echo via-jump')
check "ProxyJump through one jump host (from ssh_config)" contains "$out" "via-jump"
# Two hops, as OpenSSH takes "ProxyJump a,b": b is reached through a, the
# target through b. b is a second sshd: it must see a login (one hop only
# would go from a straight to the target).
D2=$T_TMP/sshd2
sshd_setup "$D2"
cat "$KEY.pub" >>"$D2/authorized_keys"
P1=$SSHD_PORT PID1=$SSHD_PID
if sshd_start "$D2"; then
	P2=$SSHD_PORT
	SSHD_PORT=$P1 SSHD_PID=$PID1
	cat "$KH" "$D2/known_hosts" >"$T_TMP/kh2"
	mkdir -p "$T_TMP/home2/.ssh"
	cat >"$T_TMP/home2/.ssh/config" <<EOF
Host twohops
	HostName 127.0.0.1
	Port $P1
	User root
	IdentityFile $KEY
	UserKnownHostsFile $T_TMP/kh2
	ProxyJump root@127.0.0.1:$P1,root@127.0.0.1:$P2
Host *
	IdentityFile $KEY
	UserKnownHostsFile $T_TMP/kh2
EOF
	out=$(HOME=$T_TMP/home2 SSH_AUTH_SOCK= timeout 30 "$B" -H twohops -C exec 'echo via-two-hops')
	check "ProxyJump a,b: the command runs on the target" contains "$out" "via-two-hops"
	check "... and the second hop saw the login (b through a)" \
		grep -q "Accepted publickey for root" "$D2/sshd.log"
else
	SSHD_PORT=$P1 SSHD_PID=$PID1
	not_ok "a second sshd starts (for two jump hops)"
fi
sessions=$(grep -c "Accepted publickey" "$D/sshd.log")
out=$(timeout 30 "$B" -H 127.0.0.1 -p 1 -l root -i "$KEY" -k "$KH" -J "root@127.0.0.1:$SSHD_PORT" connect)
check "ProxyJump: target unreachable behind the jump host is named" \
	contains "$out" "via jump host root@127.0.0.1:$SSHD_PORT: the jump host could not connect to 127.0.0.1:1"

# --- a port that accepts TCP but speaks no SSH ------------------------------
sp=$(sshd_free_port)
socat TCP-LISTEN:"$sp",bind=127.0.0.1,reuseaddr,fork SYSTEM:'sleep 60' &
track_pid $!
wait_until 5 bash -c "ss -Hltn 'sport = :$sp' | grep -q ."
out=$(timeout 30 "$B" -H 127.0.0.1 -p "$sp" -l root -i "$KEY" -k "$KH" -t 1500 connect)
check "silent TCP port: 'no SSH server answered' after the timeout" contains "$out" "accepts TCP but no SSH server answered within 2 s"
out=$(timeout 30 "$B" -H 127.0.0.1 -p 1 -l root -i "$KEY" -k "$KH" connect)
check "closed port: connection refused named" contains "$out" "connection to 127.0.0.1:1 refused"

# --- link: reconnect after the sshd is killed and restarted -----------------
"$B" -H 127.0.0.1 -p "$SSHD_PORT" -l root -i "$KEY" -k "$KH" link >"$T_TMP/link.log" 2>&1 &
LP=$!
track_pid "$LP"
check "link: UP" wait_until 10 grep -q "^link: UP" "$T_TMP/link.log"
check "link: RTT samples taken" wait_until 5 bash -c "kill -USR1 $LP; sleep 0.2; grep -qE 'probes [1-9][0-9]*/' '$T_TMP/link.log'"
pkill -KILL -P "$SSHD_PID"
sshd_stop
check "link: DOWN when the sshd dies" wait_until 10 grep -q "^link: DOWN" "$T_TMP/link.log"
check "link: then 'tunnel port closed' while nothing listens" wait_until 10 grep -q "^link: DOWN \[tunnel port closed\]" "$T_TMP/link.log"
sshd_start "$D" "$SSHD_PORT"
check "link: UP again by itself after the restart" wait_until 15 grep -q "^link: UP (reconnects 1)" "$T_TMP/link.log"
kill -USR1 "$LP"
check "link: stats keep the last error" wait_until 5 grep -q "last error: connection to 127.0.0.1:$SSHD_PORT refused" "$T_TMP/link.log"

# A link that stops answering (the sshd frozen): DEGRADED, then DOWN.
sshd_children=$(pgrep -P "$SSHD_PID" | tr '\n' ' ')
kill -STOP $sshd_children "$SSHD_PID"
check "link: DEGRADED when the probe goes unanswered" wait_until 10 grep -q "^link: DEGRADED \[probe unanswered\]" "$T_TMP/link.log"
check "link: DOWN (link dead) when it stays unanswered" wait_until 10 grep -q "^link: DOWN \[link dead\]" "$T_TMP/link.log"
kill -CONT $sshd_children "$SSHD_PID"
kill -KILL $sshd_children 2>/dev/null
check "link: UP again after the freeze" wait_until 15 grep -q "^link: UP (reconnects 2)" "$T_TMP/link.log"
kill -TERM "$LP"
wait "$LP"
check "link: the driver exits cleanly (no ASan report)" bash -c "! grep -q 'ERROR: AddressSanitizer' '$T_TMP/link.log'"
# A command that started late (slow remote shell) must be gone too.
check "stream: still no process of the cancelled streams at the end" \
	bash -c "! pgrep -f '[k]${mark:1}|[k]${mark2:1}' >/dev/null"
exit 0
