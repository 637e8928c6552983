#!/usr/bin/env bash
# In the dashboard, a (the full cycle) on a target that does not answer
# fails as kmdash run does: within the connect timeout, with the reason
# check gives, on the screen; the job does not go on waiting. A port
# nothing listens on, and a blackholed address (tests/lib.sh).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"
private_cache # the module is mirrored there before a build

TIMEOUT_MS=2000
DEADLINE=$((3 * TIMEOUT_MS / 1000))

# board CONFIG HOST PORT: a board whose build is instant (true), so that
# the cycle's first remote step comes at once.
board()
{
	cat >"$1" <<EOC
{ "targets": [ { "name": "board",
	"ssh": { "host": "$2", "port": $3, "user": "root",
		 "connect_timeout_ms": $TIMEOUT_MS },
	"build": { "argv": ["true"] },
	"module": { "dir": "$T_ROOT/tests/fixtures/kmod_twofile",
		    "ko": "$T_TMP/twofile.ko" } } ] }
EOC
}

# a_fails NAME CONFIG: a fails on screen with check's reason, in time.
a_fails()
{
	local name=$1 cfg=$2 reason
	reason=$("$KMDASH" -c "$cfg" check 2>&1 | sed -n 's/^link \+error: DOWN: //p')
	check "$name: check gives a reason" test -n "$reason"
	dash_run "$name" 220 40 "$KMDASH" -c "$cfg"
	wait_screen "$name" "b Build" 10 >/dev/null
	keys "$name" a
	# the status bar holds the start of the failure: the reason's start
	check "$name: a fails within ${DEADLINE} s, with that reason" \
		wait_screen "$name" "target not reachable: ${reason:0:40}" "$DEADLINE"
	check "$name: ... as a failed cycle" wait_screen "$name" "cycle failed" 1
	check "$name: the dashboard goes on" quits "$name"
}

board "$T_TMP/refused.json" 127.0.0.1 1
a_fails refused "$T_TMP/refused.json"

if ! blackhole_up; then
	skip "a on a blackholed address" "needs root and network namespaces (ip netns add failed)"
	exit 0
fi
board "$T_TMP/blackhole.json" "$BLACKHOLE" 22
a_fails blackhole "$T_TMP/blackhole.json"
