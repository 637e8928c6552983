#!/usr/bin/env bash
# The connection dropped in the middle of an upload. kmdash reaches the
# embedded target through a relay on 127.0.0.1 (as through a reverse
# tunnel's port; tests/faults/cutrelay.c) that resets the connection
# after a chosen number of bytes towards the target: the module at the
# final path is the old one or the new one, never a mix; the step's error
# names the cause; after the next deploy no temporary file is left.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/tui/lib/tmux.sh"
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/sshd.sh" # sshd_free_port

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "an upload cut" "the embedded target is not built (make target)"
	exit 0
fi
KO=$T_BUILD/kmod/storage_hash.ko
[ -f "$KO" ] || { not_ok "the module is built (make kmod)"; exit 1; }
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
vm_start qemu >/dev/null || { not_ok "the VM boots"; exit 1; }
PORT=$(sshd_free_port)
relay_start "$PORT" "$(cat "$(vm_dir qemu)/port")" || { not_ok "the relay starts"; exit 1; }
sed "s/^\[127.0.0.1\]:[0-9]*/[127.0.0.1]:$PORT/" "$(vm_dir qemu)/known_hosts" >"$T_TMP/known_hosts"

# The old module: as deployed by default, without debug sections (39
# KiB); the new one: the .ko as built (620 KiB), long enough to cut.
config()
{
	cat >"$T_TMP/$1.json" <<EOF
{ "targets": [ { "name": "relayed",
    "ssh": { "host": "127.0.0.1", "port": $PORT, "user": "root",
             "identity_files": ["$(target_env SSH_KEY)"],
             "known_hosts": "$T_TMP/known_hosts" },
    "module": { "remote_dir": "/tmp/kmdash"$2 } } ] }
EOF
	echo "$T_TMP/$1.json"
}
OLD=$(config old '')
NEW=$(config new ', "strip": []')
remote_sum() { vm_ssh qemu 'sha256sum </tmp/kmdash/storage_hash.ko' </dev/null | cut -d' ' -f1; }
temps() { vm_ssh qemu 'ls -a /tmp/kmdash' </dev/null | grep 'kmdash-.*\.tmp'; }
new_sum=$(sha256sum <"$KO" | cut -d' ' -f1)

out=$("$T_BUILD/kmdash" -c "$OLD" run deploy 2>&1)
check "the old module deploys through the relay" contains "$out" "deploy succeeded"
old_sum=$(remote_sum)
check "... the old one is in place" test -n "$old_sum" -a "$old_sum" != "$new_sum"

# Cut at three points of the 620 KiB; each time the file is whole.
for cut in 150000 350000 560000; do
	relay_cut_after "$cut"
	out=$("$KMDASH" -c "$NEW" run deploy 2>&1)
	rc=$?
	check "cut after $cut bytes: the deploy fails (exit $rc)" test "$rc" -eq 1
	check "... the relay did cut it" test "$(relay_cuts)" -ge 1
	: >"$T_TMP/relay.log"
	check "... and the step's error names the cause" \
		grep -qE '\[deploy\] failed .*(connection to root@127\.0\.0\.1:[0-9]+ lost|connection lost)' <<<"$out"
	got=$(remote_sum)
	check "... the module at the final path is the old one or the new one" \
		test "$got" = "$old_sum" -o "$got" = "$new_sum"
done
check "a cut upload leaves its temporary file (nothing to remove it)" test -n "$(temps)"

out=$("$KMDASH" -c "$NEW" run deploy 2>&1)
check "the next deploy succeeds" contains "$out" "deploy succeeded"
check "... the new module is in place" test "$(remote_sum)" = "$new_sum"
check "... and no temporary file is left" test -z "$(temps)"
