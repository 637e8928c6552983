#!/usr/bin/env bash
# The dashboard at rest (ui.rest_after_ms with no key): the link pane on
# the embedded target shows each probe's answer while keys come, and
# every few at rest, where it still moves (it never freezes); a key
# brings each probe back. The probes counter ("probes ANSWERED/SENT")
# is what the screen shows of each answer.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "the dashboard at rest" "the embedded target is not built (make target)"
	exit 0
fi
T_VMS+=(qemu) # the dashboard boots it; stopped at the end
private_cache
REST_MS=3000
cat >"$T_TMP/rest.json" <<EOF
{ "ui": { "rest_after_ms": $REST_MS },
  "targets": [ { "name": "qemu", "vm": { "profile": "virt" } } ] }
EOF

dash_run rest 160 45 "KMDASH_CACHE_DIR=$KMDASH_CACHE_DIR" "$KMDASH" --config "$T_TMP/rest.json" --example
check "the dashboard boots the target and the link comes up" \
	wait_screen rest "link UP" 120

# answered: the probes the link pane shows as answered
answered() { screen rest | sed -n 's/.*probes \([0-9]*\)\/[0-9]*.*/\1/p' | head -1; }
# watch SECONDS [KEYS]: the values the pane showed, one a line, sampled
# every 0.1 s (with a key every 0.5 s if KEYS)
watch()
{
	local end=$((SECONDS + $1)) i=0 v last=
	while [ $SECONDS -lt $end ]; do
		if [ -n "${2:-}" ] && [ $((i % 5)) -eq 0 ]; then
			keys rest Tab
		fi
		v=$(answered)
		[ -z "$v" ] || [ "$v" = "$last" ] || { echo "$v"; last=$v; }
		sleep 0.1
		i=$((i + 1))
	done
}
# steps FILE: the differences between the values seen, one a line
steps() { awk 'NR > 1 { print $1 - p } { p = $1 }' "$1"; }

watch 5 keys >"$T_TMP/active"
check "while keys come, the pane shows more than one probe's answer" \
	test "$(wc -l <"$T_TMP/active")" -ge 3
check "... each of them: the count goes up one at a time" \
	test -z "$(steps "$T_TMP/active" | grep -vx 1)"

sleep $((REST_MS / 1000 + 1))
watch 14 >"$T_TMP/rest"
check "at rest the pane still moves" test "$(wc -l <"$T_TMP/rest")" -ge 2
check "... every few answers: the count jumps" \
	test -n "$(steps "$T_TMP/rest" | grep -vx 1)"

watch 4 keys >"$T_TMP/again"
check "a key brings each answer back" \
	test "$(steps "$T_TMP/again" | tail -2 | grep -cx 1)" -eq 2
