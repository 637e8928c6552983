#!/usr/bin/env bash
# The help overlay lists every action of the keymap table; a remapped key
# works; a conflicting keymap is a config error; every shipped theme
# loads and t switches live; NO_COLOR=1 draws without colour; a broken
# theme file is named with line and column and the default is used;
# several mistakes (in ui.keys, in a theme) are all reported.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

S=$T_TMP/serial.sock
quiet_serial "$S"
CFG=$T_TMP/config.json
serial_target_config "$CFG" "$S"

# --- help -------------------------------------------------------------------
dash_run help 200 64 "$KMDASH" --config "$CFG"
wait_screen help "5 Bench" >/dev/null
keys help '?'
check "? opens the help overlay" wait_screen help "kmdash keys"
every_action()
{
	local line missing=0 s
	s=$(screen help)
	while IFS= read -r line; do
		line=$(sed 's/[[:space:]]*$//' <<<"$line")
		[ -n "$line" ] || continue
		line=${line:0:100}
		grep -qF -- "$line" <<<"$s" || { echo "missing in the help: '$line'" >&2; missing=1; }
	done < <("$T_BUILD/asan/tests/tui/keymap_dump")
	return $missing
}
check "the help lists every action of the keymap table" every_action
check "the help has more than 30 actions" \
	test "$("$T_BUILD/asan/tests/tui/keymap_dump" | grep -c '^  ')" -gt 30
keys help Escape
check "Esc closes the help" wait_gone help "kmdash keys" 2
# A message in the status bar goes by itself after 5 s (its own timer).
keys help c
check "c with no job: says so in the status bar" \
	wait_screen help "no job is running" 2
check "... and the message is gone after 5 s" \
	wait_gone help "no job is running" 8
check "help: quits" quits help

# --- remapping ----------------------------------------------------------------
RCFG=$T_TMP/remap.json
serial_target_config "$RCFG" "$S" '"ui": { "keys": { "help": ["h", "F2"], "zoom": ["Z"] } }'
dash_run remap 200 64 "$KMDASH" --config "$RCFG"
wait_screen remap "5 Bench" >/dev/null
check "the key bar shows the remapped key" wait_screen remap "h Help"
keys remap h
check "a remapped key works (h: help)" wait_screen remap "kmdash keys"
check "the help shows the new keys" wait_screen remap "h, F2"
keys remap h
wait_gone remap "kmdash keys" >/dev/null
keys remap '?'
sleep 0.3
check "the old key no longer opens the help" wait_gone remap "kmdash keys" 1
keys remap 3 Z
check "Z zooms (remapped)" wait_gone remap "1 Console"
check "remap: quits" quits remap

CCFG=$T_TMP/conflict.json
serial_target_config "$CCFG" "$S" '"ui": { "keys": { "build": ["d"] } }'
dash_run conflict 120 40 "$KMDASH" --config "$CCFG"
check "a conflicting key: exit status 2" test "$(wait_exit conflict)" = 2
check "the error says which key and which actions" \
	wait_screen conflict "key 'd' is bound to both"
check "the error names the file and position" wait_screen conflict "conflict.json:"

# Every mistake of ui.keys at once, each with its file:line:col.
MCFG=$T_TMP/mistakes.json
serial_target_config "$MCFG" "$S" '"ui": { "keys": { "biuld": ["x"], "quit": ["Ctrl-Alt-q"] } }'
dash_run mistakes 250 40 "$KMDASH" --config "$MCFG"
check "two keymap mistakes: exit status 2" test "$(wait_exit mistakes)" = 2
check "the first mistake is named" wait_screen mistakes "unknown action 'biuld'"
check "the second mistake is named too" wait_screen mistakes "unknown key 'Ctrl-Alt-q' for 'quit'"
check "each one with the file, line and column" \
	test "$(screen mistakes | grep -cE 'mistakes\.json:[0-9]+:[0-9]+: unknown ')" = 2

# --- themes --------------------------------------------------------------------
for f in "$T_ROOT"/themes/*.json; do
	name=$(basename "$f" .json)
	TCFG=$T_TMP/theme-$name.json
	serial_target_config "$TCFG" "$S" "\"ui\": { \"theme\": \"$name\" }"
	dash_run "th-$name" 120 40 "$KMDASH" --config "$TCFG"
	check "theme $name: the dashboard draws" wait_screen "th-$name" "5 Bench"
	sleep 0.2
	check "theme $name: loads without error" wait_gone "th-$name" "default theme" 1
	check "theme $name: quits" quits "th-$name"
done

dash_run tnext 120 40 "$KMDASH" --config "$CFG"
wait_screen tnext "5 Bench" >/dev/null
keys tnext t
check "t switches to the next theme" wait_screen tnext "theme: "
check "t: quits" quits tnext

dash_run coloured 120 40 "$KMDASH" --config "$CFG"
wait_screen coloured "5 Bench" >/dev/null
check "with colours: colour attributes on the screen" bash -c "tmux -S '$TM_SOCK' capture-pane -p -e -t coloured | grep -qP '\\e\\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7])(?:;[0-9]+)*m'"
quits coloured >/dev/null
KMDASH_EXTRA= dash_run nocolor 120 40 env NO_COLOR=1 "$KMDASH" --config "$CFG"
wait_screen nocolor "5 Bench" >/dev/null
check "NO_COLOR=1: no colour attributes" bash -c "! tmux -S '$TM_SOCK' capture-pane -p -e -t nocolor | grep -qP '\\e\\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9]+)*m'"
check "NO_COLOR=1: still attributes (reverse/bold) for focus" bash -c "tmux -S '$TM_SOCK' capture-pane -p -e -t nocolor | grep -qP '\\e\\[(?:[0-9]+;)*(?:1|7)(?:;[0-9]+)*m'"
check "NO_COLOR: quits" quits nocolor

mkdir -p "$T_TMP/xdg/kmdash/themes"
printf '{\n  "name": "broken",\n  "colors": {\n    "border": { "bg": 300, "fg": "purplish" }\n  }\n}\n' >"$T_TMP/xdg/kmdash/themes/broken.json"
BCFG=$T_TMP/broken.json
serial_target_config "$BCFG" "$S" '"ui": { "theme": "broken" }'
dash_run broken 200 40 "$KMDASH" --config "$BCFG"
check "a broken theme: the error names the file and line" wait_screen broken "broken.json:4:"
check "a broken theme: the default theme is used" wait_screen broken "default theme in use"
check "a broken theme: its other errors are counted" wait_screen broken "0-255 (and 1 more)"
check "a broken theme: the dashboard runs" wait_screen broken "5 Bench"
check "broken: quits" quits broken
