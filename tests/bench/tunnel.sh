#!/usr/bin/env bash
# Through the reverse tunnel of the cloud guide (tests/fixtures/
# tunnel_topology.sh: the embedded guest in a network namespace, its
# tunnel client's ssh -R to the build host's sshd):
#   deploy + load of storage_hash: one long-lived kmdash session
#   (tests/bench/reloaddrive.c) against OpenSSH scp + ssh insmod through
#   the same tunnel (median of RUNS, default 5; goal >= 5x);
#   a tunnel cut in the middle of an upload: from the cut to the step's
#   failure naming it ("tunnel port closed"), median of 3.
# Needs root and network namespaces.
. "$(dirname "$0")/lib.sh"
. "$T_ROOT/tests/sshd.sh"
. "$T_ROOT/tests/fixtures/tunnel_topology.sh"
trap 'tn_cleanup; t_cleanup' EXIT
cd "$T_ROOT"

RUNS=${KMDASH_BENCH_RUNS:-5}
export XDG_CONFIG_HOME=$T_TMP/no-config
make -s kmod >"$T_TMP/build.log" 2>&1 || { cat "$T_TMP/build.log"; exit 1; }
bench_cc "$T_TMP/reloaddrive" tests/bench/reloaddrive.c || exit 1
TN_KMDASH=$KMDASH
tn_setup
case $? in
0) ;;
2)
	echo "skipped: needs root and network namespaces"
	exit 0
	;;
*)
	echo "the tunnel topology could not be set up"
	exit 1
	;;
esac
ko=$T_BUILD/kmod/storage_hash.ko
key=$(target_env SSH_KEY)
ossh=(-o BatchMode=yes -o UserKnownHostsFile="$T_TMP/tunnel-known_hosts"
	-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes
	-o IdentitiesOnly=yes -i "$key")
# the tools go up once (not part of the cycle), and a module is loaded
"$KMDASH" -c "$TN_CONFIG" run deploy load >"$T_TMP/first.log" 2>&1 ||
	{ echo "the first deploy through the tunnel failed:"; cat "$T_TMP/first.log"; exit 1; }

"$T_TMP/reloaddrive" -c "$TN_CONFIG" "$RUNS" reload >"$T_TMP/sess.log" 2>&1 ||
	{ cat "$T_TMP/sess.log"; exit 1; }
mapfile -t sess < <(awk '/^run / { print $3 }' "$T_TMP/sess.log")
scps=()
for i in $(seq "$RUNS"); do
	t0=$(now)
	scp -q -P "$TN_PORT" "${ossh[@]}" "$ko" root@127.0.0.1:/tmp/kmdash/storage_hash.ko &&
		ssh -p "$TN_PORT" "${ossh[@]}" root@127.0.0.1 \
			'rmmod storage_hash 2>/dev/null; insmod /tmp/kmdash/storage_hash.ko && dmesg | tail -1' \
			>"$T_TMP/ossh.log" 2>&1 || { echo "OpenSSH deploy failed"; cat "$T_TMP/ossh.log"; exit 1; }
	scps+=("$(elapsed "$t0")")
	grep -q 'storage_hash: loaded' "$T_TMP/ossh.log" || { echo "no load line from OpenSSH:"; cat "$T_TMP/ossh.log"; exit 1; }
done
s=$(median "${sess[@]}") o=$(median "${scps[@]}")
echo "unload + upload + insmod + 'loaded' kernel line through the reverse tunnel (127.0.0.1:$TN_PORT -> ssh -R -> the guest in its namespace); median of $RUNS"
report "kmdash session (long-lived), per cycle" "$s" s "all: ${sess[*]}"
report "OpenSSH scp + ssh insmod, same tunnel" "$o" s "all: ${scps[*]}"
r=$(ratio "$o" "$s")
report "speed-up, kmdash session vs scp + ssh" "$r" x "goal >= 5x: $(goal_min "$r" 5)"

# The cut: a 33 MB module's upload, the tunnel client killed once the
# board shows the upload under way; timed from the kill to the failure.
head -c 33554432 /dev/urandom >"$T_TMP/pad"
aarch64-linux-gnu-objcopy --add-section .kmdash_pad="$T_TMP/pad" "$ko" "$T_TMP/big.ko"
python3 - "$TN_CONFIG" "$T_TMP/big.json" "$T_TMP/big.ko" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["targets"][0]["module"] = {"ko": sys.argv[3], "strip": []}
json.dump(c, open(sys.argv[2], "w"))
EOF
uploading() { tn_in "$KMDASH" vm ssh --name board -- 'ls /tmp/kmdash/.storage_hash.ko.kmdash-*.tmp' </dev/null >/dev/null 2>&1; }
cuts=()
for i in 1 2 3; do
	tn_up 30 || { echo "the tunnel did not come back"; exit 1; }
	"$KMDASH" -c "$T_TMP/big.json" run deploy >"$T_TMP/cut.log" 2>&1 &
	dp=$!
	wait_until 60 uploading || { echo "the upload never started"; cat "$T_TMP/cut.log"; exit 1; }
	t0=$(now)
	tn_cut
	# the moment the failure is printed, not the process's end
	wait_until 30 grep -q '^\[deploy\] failed' "$T_TMP/cut.log"
	cuts+=("$(elapsed "$t0")")
	wait "$dp"
	grep -q 'link DOWN \[tunnel port closed\]' "$T_TMP/cut.log" ||
		{ echo "the failure did not name the closed tunnel port:"; cat "$T_TMP/cut.log"; exit 1; }
	tn_in "$KMDASH" vm ssh --name board -- 'rm -f /tmp/kmdash/.storage_hash.ko.kmdash-*.tmp' </dev/null
done
report "tunnel cut mid-upload to 'tunnel port closed'" "$(median "${cuts[@]}")" s \
	"no goal (the wait for the link's verdict is at most 3 s); all: ${cuts[*]}"
