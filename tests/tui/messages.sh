#!/usr/bin/env bash
# Failures are never hidden, with no target needed: a line cut at the edge
# ends in "…" and a shorter one leaves nothing of it behind; a misspelled
# theme is named with the theme it is near, in full on the message line
# at 120 and at 40 columns, until Esc; a failed build is said there and
# `!` opens its compiler output; the key bar keeps a, r and u at 60
# columns and ends in "? more".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

S=$T_TMP/serial.sock
quiet_serial "$S"

# --- a long status, then a short one --------------------------------------
# The build succeeds: the status bar says "last: build ok 0.0s" and, for
# five seconds, "build ok" after it. The terminal is exactly as wide as
# the line without that message: with it, the line is cut (and says so
# with "…"); without it, the line is whole, nothing of the longer one left.
CFG=$T_TMP/ok.json
serial_target_config "$CFG" "$S" "" '"build": { "argv": ["true"] }, "module": { "ko": "'"$T_TMP"'/none.ko" }'
short=" board │ link DOWN │ storage_hash ? │ last: build ok 0.0s"
W=${#short}
dash_run stale "$W" 12 "$KMDASH" --config "$CFG" --pane tunnel
wait_screen stale "Tunnel" >/dev/null
keys stale b
cut_line() { line stale 1 | grep -q 'last: build ok.*…$'; }
check "a status longer than the line ends in …" wait_until 10 cut_line
long=$(line stale 1)
whole_line() { line stale 1 | grep -qE 'last: build ok [0-9.]+s$'; }
check "... then, the message gone, the shorter line is whole" \
	wait_until 10 whole_line
short=$(line stale 1)
check "... with nothing after its end" test "${#short}" -le "$W"
check "... and the long one was the short one cut, not another character" \
	test "$long" = "${short:0:$((W - 1))}…"
check "stale: quits" quits stale

# Where the locale is not UTF-8: "|" between the parts, "..." at the cut.
ashort=" board | link DOWN | storage_hash ? | last: build ok 0.0s"
dash_run ascii "${#ashort}" 12 env LANG=C "$KMDASH" --config "$CFG" --pane tunnel
wait_screen ascii "Tunnel" >/dev/null
keys ascii b
ascii_cut() { line ascii 1 | grep -q 'last: build ok .*\.\.\.$'; }
check "no UTF-8: the cut status line ends in ..." wait_until 10 ascii_cut
check "ascii: quits" quits ascii

# --- a misspelled theme ---------------------------------------------------
TCFG=$T_TMP/theme.json
serial_target_config "$TCFG" "$S" '"ui": { "theme": "solarised-drak" }'
for size in 120x40 40x12; do
	w=${size%x*} h=${size#*x}
	dash_run "th$w" "$w" "$h" "$KMDASH" --config "$TCFG"
	check "$size: a misspelled theme is said, with the theme it is near" \
		wait_screen "th$w" "'solarised-drak' not found" 10
	m=$(msgline "th$w")
	check "$size: ... in full on the message line" \
		contains "$(squeezed "$m")" "$(squeezed "theme 'solarised-drak' not found; did you mean 'solarized-dark'?")"
	check "$size: ... not cut" bash -c '! grep -q "…" <<<"$1"' _ "$m"
	keys "th$w" Escape
	check "$size: Esc puts it away" wait_gone "th$w" "'solarised-drak' not found" 5
	check "$size: quits" quits "th$w"
done

# --- a failed build, and ! ----------------------------------------------------
FCFG=$T_TMP/fail.json
serial_target_config "$FCFG" "$S" "" '"build": { "argv": ["sh", "-c", "echo \"main.c:7:1: error: expected ; before } token\"; exit 1"] }'
dash_run fail 60 30 "$KMDASH" --config "$FCFG"
wait_screen fail "1 Console" >/dev/null
keys fail '!'
check "! before any failure: says so" wait_screen fail "nothing has failed yet" 5
keys fail b
check "a failed build is on the message line" \
	wait_screen fail "build failed after" 10
check "... with its reason" \
	contains "$(msgline fail)" "build failed: 1 error, 0 warnings (exit 1)"
keys fail '!'
check "! opens the last failure" wait_screen fail "the last failure" 5
check "... with the compiler's output" \
	wait_screen fail "main.c:7:1: error: expected ; before } token" 5
keys fail Escape
check "Esc closes it" wait_gone fail "the last failure" 5
check "the failure stays on the message line" \
	wait_screen fail "build failed after" 2

# --- the key bar at 60 columns --------------------------------------------------
bar=$(line fail 30)
for k in "a Cycle" "r Reload" "u Unload" "c Cancel" "R Reset"; do
	check "60 columns: '$k' on the key bar" contains "$bar" "$k"
done
check "60 columns: the key bar ends in '? more'" \
	bash -c '[[ $1 == *"? more" ]]' _ "$bar"
check "fail: quits" quits fail
