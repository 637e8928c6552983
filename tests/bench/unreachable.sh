#!/usr/bin/env bash
# How long a step takes to fail on a target that does not answer, with
# ssh.connect_timeout_ms 2000: a refused port (127.0.0.1:1) and a
# blackholed address (tests/lib.sh's blackhole_up), median of 5 runs of
# kmdash run deploy; beside them OpenSSH's ssh -o ConnectTimeout=2 to the
# same place. Before, the step waited 90 s for the link.
. "$(dirname "$0")/lib.sh"
private_cache

RUNS=5
board() # FILE HOST PORT
{
	cat >"$1" <<EOC
{ "targets": [ { "name": "board",
	"ssh": { "host": "$2", "port": $3, "user": "root",
		 "connect_timeout_ms": 2000 },
	"module": { "dir": "$T_ROOT/tests/fixtures/kmod_twofile",
		    "ko": "$T_TMP/twofile.ko" } } ] }
EOC
}

# measure NAME CONFIG HOST PORT: ours and OpenSSH's, side by side.
measure()
{
	local ours=() theirs=() t0 m o
	for i in $(seq "$RUNS"); do
		t0=$(now)
		"$KMDASH" -c "$2" run deploy >/dev/null 2>&1
		ours+=("$(elapsed "$t0")")
		t0=$(now)
		ssh -o BatchMode=yes -o ConnectTimeout=2 -p "$4" "root@$3" true \
			>/dev/null 2>&1
		theirs+=("$(elapsed "$t0")")
	done
	m=$(median "${ours[@]}")
	o=$(median "${theirs[@]}")
	report "$1: run deploy fails (median)" "$m" s \
		"goal <= 3 s (connect timeout 2 s + 1 s): $(goal_max "$m" 3); all: ${ours[*]}"
	report "$1: ssh -o ConnectTimeout=2 fails (median)" "$o" s \
		"ratio kmdash / ssh $(ratio "$m" "$o"); before: 90 s"
}

board "$T_TMP/refused.json" 127.0.0.1 1
measure "refused port" "$T_TMP/refused.json" 127.0.0.1 1
if blackhole_up; then
	board "$T_TMP/blackhole.json" "$BLACKHOLE" 22
	measure "blackhole" "$T_TMP/blackhole.json" "$BLACKHOLE" 22
else
	echo "blackhole: not measured (needs root and network namespaces)"
fi
