#!/usr/bin/env bash
# The cloud guide's topology with a real kernel behind the reverse tunnel
# (tests/fixtures/tunnel_topology.sh): the embedded guest inside a network
# namespace (the board's LAN), its tunnel client keeping ssh -R open to the
# build host's sshd in a restart loop, kmdash on the build host with the
# README's tunnel config. kmdash run cycle goes through the tunnel; the
# tunnel user gets no shell; the tunnel is cut in the middle of a deploy,
# which fails with the link's reason and leaves the old module or the new
# one on the target, never a mix; once the loop has brought the tunnel
# back, kmdash run cycle completes with nobody touching the link.
# Needs root (netns, veth); skipped elsewhere outside CI.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/sshd.sh"
. "$T_ROOT/tests/fixtures/tunnel_topology.sh"
trap 'tn_cleanup; t_cleanup' EXIT
cd "$T_ROOT"

KM=$T_BUILD/kmdash
export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/no-config
if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "the tunnel topology" "the embedded target is not built (make target)"
	exit 0
fi
tn_setup
case $? in
0) ok "board namespace, guest booted in it, build host's sshd, tunnel up on 127.0.0.1:$TN_PORT" ;;
2)
	skip "the tunnel topology" "needs root and network namespaces (ip netns add failed)"
	exit 0
	;;
*)
	not_ok "the tunnel topology is set up"
	cat "$T_TMP/tunnel.log" 2>/dev/null
	exit 1
	;;
esac
board() { tn_in "$KM" vm ssh --name board -- "$@" </dev/null; }

check "the guest's forward is on the board's loopback only" \
	bash -c "! ss -Hltn 'sport = :$TN_GUEST_PORT' | grep -q ." 
check "... where the board reaches it" test "$(board echo reached)" = reached

# The tunnel user: remote forwards, nothing else.
tunnel_ssh() # ARGS...: as the board's tunnel client logs in
{
	tn_in ssh -o BatchMode=yes -o UserKnownHostsFile="$TN_SSHD_DIR/known_hosts" \
		-o GlobalKnownHostsFile=/dev/null -i "$T_TMP/tunnel-client" \
		-p "$TN_SSHD_PORT" "$@" "$TN_USER@$TN_CLOUD_ADDR"
}
out=$(tunnel_ssh -o ConnectTimeout=10 -- echo SHELL-OK </dev/null 2>&1)
rc=$?
check "the tunnel user runs no command" test "$rc" -ne 0
no_shell() { ! grep -q SHELL-OK <<<"$1"; }
check "... gets no shell" no_shell "$out"
out=$(tunnel_ssh -tt </dev/null 2>&1)
check "... and no terminal" contains "$out" "PTY allocation request failed"
check "the build host's sshd says so for that user" \
	grep -q "ForceCommand /bin/false" "$TN_SSHD_DIR/sshd_config"

# A whole cycle through the tunnel.
out=$("$KM" -c "$TN_CONFIG" run cycle 2>&1)
rc=$?
check "kmdash run cycle through the tunnel exits 0" test "$rc" -eq 0
steps_ok() # OUTPUT: build, deploy, load and bench each say ok
{
	grep -q '\[build\] ok' <<<"$1" && grep -q '\[deploy\] ok' <<<"$1" &&
		grep -q '\[load\] ok' <<<"$1" && grep -qE '\[bench\] ok .*ops/s' <<<"$1"
}
check "... build, deploy, load, bench" steps_ok "$out"
check "... the load line from the target's kernel" grep -qE 'kernel: .*storage_hash: loaded' <<<"$out"
check "... over the tunnel's port" grep -q "\"port\": $TN_PORT" "$TN_CONFIG"

# The old module, as it went up (without its debug sections); a new one,
# big enough that its upload is still going when the tunnel is cut.
old=$T_TMP/old.ko new=$T_TMP/new.ko
aarch64-linux-gnu-strip --strip-debug -o "$old" "$T_BUILD/kmod/storage_hash.ko"
check "the target holds that old module" \
	test "$(ko_old_or_new "$(board sha256sum /tmp/kmdash/storage_hash.ko)" "$old" "$new" 2>/dev/null || echo x)" = old
head -c 33554432 /dev/urandom >"$T_TMP/pad"
aarch64-linux-gnu-objcopy --add-section .kmdash_pad="$T_TMP/pad" \
	"$T_BUILD/kmod/storage_hash.ko" "$new"
python3 - "$TN_CONFIG" "$T_TMP/new.json" "$new" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["targets"][0]["module"] = {"ko": sys.argv[3], "strip": []}
json.dump(c, open(sys.argv[2], "w"), indent="\t")
EOF
# The dashboard, one long-lived session, deploys it (d); the tunnel is cut
# once the upload is under way on the board (seen from the board's side,
# not through the tunnel).
# LeakSanitizer too: the cut upload's SFTP handle and its queued writes
# must go with the connection (libssh2 does not free them by itself).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$T_TMP/asan
. "$T_ROOT/tests/tui/lib/tmux.sh"
dash_run tun 160 45 "$KMDASH" -c "$T_TMP/new.json"
check "the dashboard is up through the tunnel" wait_screen tun "link UP" 60
keys tun d
uploading() { board 'ls /tmp/kmdash/.storage_hash.ko.kmdash-*.tmp' >/dev/null 2>&1; }
check "d: the deploy's upload starts" wait_until 60 uploading
tn_cut
check "the tunnel is cut: its port closes" wait_until 5 bash -c "! ss -Hltn 'sport = :$TN_PORT' | grep -q ."
check "the deploy fails, with the reason on the message line: tunnel port closed" \
	wait_msg tun "link DOWN [tunnel port closed]: " 60
echo "# message line: $(msgline tun)"
partial=$(board 'stat -c %s /tmp/kmdash/.storage_hash.ko.kmdash-*.tmp' | head -1)
check "it was cut in the middle: part of the new module had gone up" \
	test "${partial:-0}" -gt 0 -a "${partial:-0}" -lt "$(stat -c %s "$new")"
got=$(ko_old_or_new "$(board sha256sum /tmp/kmdash/storage_hash.ko)" "$old" "$new")
check "the module on the target is the old one or the new one, never a mix" \
	test "$got" = old -o "$got" = new
check "... here the old one: the new one never completed" test "$got" = old

# The loop brings the tunnel back by itself; nobody touches the link: the
# same session sees it come back, and a runs the whole cycle.
check "the tunnel client reconnects" tn_up 30
check "... as the loop restarted it" grep -q "tunnel client exited" "$T_TMP/tunnel.log"
check "the session's link comes back by itself" wait_screen tun "link UP" 60
keys tun a
check "then a completes the cycle" wait_screen tun "last: cycle ok" 240
check "... its load line through the tunnel" wait_screen tun "storage_hash: loaded" 5
check "... and the target has the module it deployed, the new one" \
	test "$(ko_old_or_new "$(board sha256sum /tmp/kmdash/storage_hash.ko)" "$old" "$new")" = new
keys tun q
st=$(wait_exit tun 10)
check "the dashboard quits cleanly" test "$st" = 0
[ "$st" = 0 ] || { cat "$T_TMP"/asan.* >&2; screen tun | tail -30 >&2; }
exit 0
