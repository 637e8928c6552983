#!/usr/bin/env bash
# A step that needs the target fails within the connect timeout, with the
# reason check gives, instead of waiting: a port nothing listens on
# (127.0.0.1:1: refused at once) and a blackhole (an address in a network
# namespace whose packets go nowhere: no answer, no error). The test's
# own deadline is 3x the connect timeout; how fast it fails is measured in
# make bench, not here.
. "$(dirname "$0")/../lib.sh"

KM=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KM" ] || KM=$T_BUILD/kmdash
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
private_cache
TIMEOUT_MS=2000
DEADLINE=$((3 * TIMEOUT_MS / 1000))

# board_config FILE HOST PORT: a board with the test module (never built:
# deploy fails before it would read the .ko).
board_config()
{
	cat >"$1" <<EOF
{ "targets": [ { "name": "board",
	"ssh": { "host": "$2", "port": $3, "user": "root",
		 "connect_timeout_ms": $TIMEOUT_MS },
	"module": { "dir": "$T_ROOT/tests/fixtures/kmod_twofile",
		    "ko": "$T_TMP/twofile.ko" } } ] }
EOF
}

# fails_like_check NAME CONFIG: run deploy fails in time with check's reason.
fails_like_check()
{
	local name=$1 cfg=$2 out rc reason
	out=$(timeout "$DEADLINE" "$KM" -c "$cfg" run deploy 2>&1)
	rc=$?
	check "$name: run deploy ends before the deadline (${DEADLINE} s)" \
		test "$rc" -ne 124
	check "$name: ... and fails (exit 1)" test "$rc" -eq 1
	reason=$(timeout "$DEADLINE" "$KM" -c "$cfg" check 2>&1 |
		sed -n 's/^link \+error: DOWN: //p')
	check "$name: check gives a reason" test -n "$reason"
	check "$name: the deploy fails with that reason" \
		contains "$out" "[deploy] failed in" &&
		check "$name: ... the same words" \
			contains "$out" "target not reachable: $reason"
}

board_config "$T_TMP/refused.json" 127.0.0.1 1
fails_like_check "refused port" "$T_TMP/refused.json"

# The blackhole (tests/lib.sh): the SYN leaves, nothing ever answers.
if ! blackhole_up; then
	skip "a blackholed address" "needs root and network namespaces (ip netns add failed)"
	exit 0
fi
board_config "$T_TMP/blackhole.json" "$BLACKHOLE" 22
fails_like_check "blackhole" "$T_TMP/blackhole.json"
