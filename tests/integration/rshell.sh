#!/usr/bin/env bash
# core/ssh/rshell (deploy's commands in one long-lived remote shell) against a
# real OpenSSH sshd: exit statuses, output framing, a command that exits,
# order, a timeout that restarts the shell.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/sshd.sh"

B=$T_BUILD/asan/tests/integration/sshdrive
[ -x "$B" ] || { not_ok "sshdrive is built (make asan)"; exit 1; }
D=$T_TMP/sshd
sshd_setup "$D"
sshd_start "$D" || { not_ok "sshd starts"; exit 1; }
drive() { timeout 60 "$B" -H 127.0.0.1 -p "$SSHD_PORT" -l root \
	-i "$D/id_ed25519" -k "$D/known_hosts" "$@"; }
# the answer of command I: what stands between its two marker lines
answer() { sed -n "/^--- \[$2\] exit/,/^--- \[$2\] end/p" <<<"$1"; }

out=$(drive rshell 10000 'echo one; echo two >&2' 'exit 7' \
	'printf no-newline' 'false' 'echo $$' 'echo $$' 'cd /; pwd' 'pwd')
check "the drive ends well" test $? -eq 0
check "stdout and stderr merged, in order" \
	contains "$(answer "$out" 1)" $'--- [1] exit 0 (8 bytes)\none\ntwo'
check "a command's exit status" contains "$out" "--- [2] exit 7"
check "exit in a command does not end the shell" \
	contains "$out" "--- [3] exit 0 (10 bytes)"
check "output without a final newline is kept exactly" \
	contains "$(answer "$out" 3)" $'no-newline\n--- [3] end'
check "a failing command" contains "$out" "--- [4] exit 1 (0 bytes)"
pid5=$(answer "$out" 5 | sed -n 2p)
pid6=$(answer "$out" 6 | sed -n 2p)
check "every command runs in the same shell (one channel)" \
	test -n "$pid5" -a "$pid5" = "$pid6"
check "a cd stays inside its command" \
	contains "$(answer "$out" 8)" $'--- [8] exit 0 (6 bytes)\n/root\n'
check "answers come in order" \
	bash -c 'grep -o "^--- \[[0-9]*\] exit" <<<"$1" | tr -dc "0-9\n" | paste -sd, | grep -qx "1,2,3,4,5,6,7,8"' _ "$out"

# Output in two pieces (two packets) per command, 300 times: every answer
# must arrive. A packet that libssh2 had taken off the socket while reading
# for another stream used to wait in its queue, unseen by poll(), until the
# command's timeout (1-2 in 300 here, and in CI).
many=()
for _ in $(seq 1 300); do many+=('echo a; sleep 0.001; echo b'); done
out=$(drive rshell 5000 "${many[@]}")
check "300 answers, each in two packets, all arrive" \
	test "$(grep -c '^--- \[[0-9]*\] exit 0 (4 bytes)$' <<<"$out")" = 300

# 3 MB of output in many packets: the end marker is looked for only in
# what each packet added (the whole buffer was searched again each time).
out=$(drive rshell 20000 'head -c 3000000 /dev/zero | tr "\0" a; echo; echo after' 'echo next')
check "3 MB of output arrive whole" contains "$out" "--- [1] exit 0 (3000007 bytes)"
check "... to its last line" contains "$out" $'after\n--- [1] end'
check "... and the next command answers" contains "$out" $'--- [2] exit 0 (5 bytes)\nnext'

# A command that outlives its timeout: it fails, and the next runs in a
# fresh shell.
out=$(drive rshell 3000 'sleep 10' 'echo after')
check "a command past its timeout fails, saying so" \
	contains "$out" "--- [1] error: no answer from the target within 3000 ms"
check "the next command runs in a new shell" \
	contains "$out" $'--- [2] exit 0 (6 bytes)\nafter'
# (The stuck command itself ends by itself: tests/lib.sh's cleanup kills the
# sshd, and with it its sessions.)

# A command that ends just as its timeout closes the shell's channel: the
# close sends one EOF. A second one, sent while the close waited for the
# server's, made OpenSSH drop the whole connection ("ieof packet referred
# to nonexistent channel"), 15 times in 40 here.
lost=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	out=$(drive rshell 300 'sleep 0.3' 'echo after')
	grep -q "lost" <<<"$out" && lost=$((lost + 1))
done
check "a timeout at the command's end keeps the connection (10 tries)" \
	test "$lost" -eq 0
check "sshd saw no EOF for a freed channel" \
	bash -c '! grep -q "nonexistent channel" "$1"' _ "$D/sshd.log"
