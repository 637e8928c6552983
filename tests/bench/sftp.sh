#!/usr/bin/env bash
# SFTP upload of 20 MB to a loopback OpenSSH sshd: kmdash's core/ssh/sftp
# (release build) against OpenSSH's sftp and scp in the same run, median
# of 5 each: the same work as `sftp put` (connect, write, close), and
# kmdash's verified upload (+ the target's sha256sum and mv in a shell
# started beside the writes) as a deploy does it.
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/sshd.sh"
cd "$T_ROOT"

make -s "${BUILD:-build}/tests/integration/sshdrive" >/dev/null || { echo "build failed"; exit 1; }
B=$T_BUILD/tests/integration/sshdrive
D=$T_TMP/sshd
sshd_setup "$D"
sshd_start "$D" || { echo "sshd did not start"; exit 1; }
SIZE_MB=20
head -c $((SIZE_MB << 20)) /dev/urandom >"$T_TMP/src"
ssh_opts=(-o BatchMode=yes -o UserKnownHostsFile="$D/known_hosts" -o GlobalKnownHostsFile=/dev/null
	-o StrictHostKeyChecking=yes -i "$D/id_ed25519")

mbps() { awk -v s="$1" -v m="$SIZE_MB" 'BEGIN { printf "%.1f", m / s }'; }

ours=() puts=() sftps=() scps=() writes=() verifies=()
for i in 1 2 3 4 5; do
	rm -f "$T_TMP/dst"*
	# the same work as sftp's put: connect, write, close
	t0=$(now)
	"$B" -H 127.0.0.1 -p "$SSHD_PORT" -l root -i "$D/id_ed25519" -k "$D/known_hosts" \
		bench-put "$T_TMP/src" "$T_TMP/dst0" >"$T_TMP/put.log" 2>&1 ||
		{ cat "$T_TMP/put.log"; exit 1; }
	puts+=("$(mbps "$(elapsed "$t0")")")
	t0=$(now)
	"$B" -H 127.0.0.1 -p "$SSHD_PORT" -l root -i "$D/id_ed25519" -k "$D/known_hosts" \
		bench-upload "$T_TMP/src" "$T_TMP/dst1" >"$T_TMP/ours.log" 2>&1 ||
		{ cat "$T_TMP/ours.log"; exit 1; }
	ours+=("$(mbps "$(elapsed "$t0")")")
	# the phases as sshdrive measured them inside the process
	writes+=("$(mbps "$(sed -n 's/.*write \([0-9.]*\),.*/\1/p' "$T_TMP/ours.log")")")
	verifies+=("$(sed -n 's/.*verify+rename \([0-9.]*\) after.*/\1/p' "$T_TMP/ours.log")")
	t0=$(now)
	sftp -q "${ssh_opts[@]}" -P "$SSHD_PORT" -b - root@127.0.0.1 >/dev/null <<<"put $T_TMP/src $T_TMP/dst2" ||
		{ echo "sftp failed"; exit 1; }
	sftps+=("$(mbps "$(elapsed "$t0")")")
	t0=$(now)
	scp -q "${ssh_opts[@]}" -P "$SSHD_PORT" "$T_TMP/src" "root@127.0.0.1:$T_TMP/dst3" ||
		{ echo "scp failed"; exit 1; }
	scps+=("$(mbps "$(elapsed "$t0")")")
done
cmp -s "$T_TMP/src" "$T_TMP/dst1" || { echo "kmdash upload differs"; exit 1; }
cmp -s "$T_TMP/src" "$T_TMP/dst0" || { echo "kmdash put differs"; exit 1; }
o=$(median "${ours[@]}") s=$(median "${sftps[@]}") c=$(median "${scps[@]}")
p=$(median "${puts[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
report "SFTP 20 MB upload, kmdash (connect+write+close)" "$p" MB/s "all: ${puts[*]} (what sftp's put does)"
report "SFTP 20 MB upload, kmdash verified (+sha256+mv)" "$o" MB/s "all: ${ours[*]} (what a deploy does)"
report "  of which the SFTP writes alone" "$(median "${writes[@]}")" MB/s "all: ${writes[*]}"
report "  of which verify+rename after the writes" "$(median "${verifies[@]}")" s "all: ${verifies[*]} (sha256sum + mv in a shell started beside the writes)"
report "SFTP 20 MB upload, OpenSSH sftp" "$s" MB/s "all: ${sftps[*]}"
report "20 MB upload, OpenSSH scp" "$c" MB/s "all: ${scps[*]}"
r=$(ratio "$p" "$s")
report "kmdash / OpenSSH sftp, the same work" "$r" x "goal >= 1.5x: $(goal_min "$r" 1.5); vs scp: $(ratio "$p" "$c")x; guides' scp: ~10 MB/s"
report "kmdash verified / OpenSSH sftp (unverified)" "$(ratio "$o" "$s")" x "kmdash also checks the copy: a remote shell start (~/.bashrc) and sha256sum of 20 MB"
report "kmdash SFTP writes / OpenSSH sftp" "$(ratio "$(median "${writes[@]}")" "$s")" x "the transfer itself, without connect and verify"
