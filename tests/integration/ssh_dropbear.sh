#!/usr/bin/env bash
# core/ssh/ssh against the embedded guest's dropbear (the other SSH server
# kmdash meets): exec, SFTP upload with verify, strict host key with the
# VM's runtime known_hosts.
. "$(dirname "$0")/../lib.sh"

B=$T_BUILD/asan/tests/integration/sshdrive
[ -x "$B" ] || { not_ok "sshdrive is built (make asan)"; exit 1; }
if ! target_env IMAGE >/dev/null 2>&1 || [ ! -f "$(target_env IMAGE)" ]; then
	skip "dropbear guest" "the embedded target is not built (make target)"
	exit 0
fi
vm_start dbtest >"$T_TMP/vm.log" 2>&1 || { not_ok "guest boots"; cat "$T_TMP/vm.log"; exit 1; }
run=$(vm_dir dbtest)
port=$(cat "$run/port")
key=$(target_env SSH_KEY)
has_re() { grep -qE -- "$1" <<<"$2"; }
lacks() { ! grep -qF -- "$1" <<<"$2"; }
drive() { timeout 60 "$B" -H 127.0.0.1 -p "$port" -l root -i "$key" -k "$run/known_hosts" "$@"; }

out=$(drive exec 'uname -m; echo err >&2; exit 4')
check "dropbear: exec stdout" contains "$out" "aarch64"
check "dropbear: exec stderr" contains "$out" $'--- stderr (4 bytes)\nerr'
check "dropbear: exec exit status" contains "$out" "--- exit 4"

head -c 3000000 /dev/urandom >"$T_TMP/blob"
sum=$(sha256sum <"$T_TMP/blob" | cut -d' ' -f1)
out=$(drive upload "$T_TMP/blob" /tmp/blob.bin)
echo "$out" | tail -3
check "dropbear: SFTP upload verified by the guest's sha256sum" contains "$out" "3000000 bytes, sha256 $sum verified"
out=$(drive exec 'sha256sum /tmp/blob.bin; ls -a /tmp')
check "dropbear: the file is in place" contains "$out" "$sum  /tmp/blob.bin"
check "dropbear: no temporary file left" lacks kmdash- "$out"

out=$(timeout 60 "$B" -H 127.0.0.1 -p "$port" -l root -i "$key" -k "$T_TMP/empty_kh" connect)
check "dropbear: unknown host key refused with its fingerprint" \
	contains "$out" "ssh-ed25519 $(ssh-keygen -lf "$(target_env HOST_KEY_PUB)" | awk '{ print $2 }')"

out=$(drive stream 'cat /dev/kmsg' 1500)
check "dropbear: /dev/kmsg streams over a PTY" has_re '^[0-9]+,[0-9]+,[0-9]+,' "$out"
pid=$(sed -n 's/^pid: //p' <<<"$out" | head -1)
check "dropbear: the stream's remote PID was known" test -n "$pid"
out=$(drive exec "kill -0 $pid 2>/dev/null && echo still-running || echo gone")
check "dropbear: cancelled stream left no process" contains "$out" "gone"
exit 0
