#!/usr/bin/env bash
# The build pane keeps gcc's colours and drops its other escapes: option
# links (OSC 8, as gcc 10+ prints them on a terminal) and cursor controls
# must not show up as text; n/N walk the diagnostics. The build is a
# printf of two such lines.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

S=$T_TMP/serial.sock
quiet_serial "$S"
CFG=$T_TMP/config.json
cat >"$CFG" <<EOC
{ "targets": [ { "name": "board",
    "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
    "serial": { "socket": "$S" },
    "build": { "argv": ["printf", "%s\\\\n%s\\\\n",
      "\\u001b[?25lmain.c:3:9: \\u001b[01;35m\\u001b[Kwarning: \\u001b[m\\u001b[Kunused variable 'x' [\\u001b]8;;https://gcc.gnu.org/onlinedocs/gcc/Warning-Options.html#index-Wunused-variable\\u0007-Wunused-variable\\u001b]8;;\\u0007]\\u001b[?25h",
      "main.c:7:1: \\u001b[01;31m\\u001b[Kerror: \\u001b[m\\u001b[Kexpected ';' before '}' token"] } } ] }
EOC
dash_run bp 120 40 "$KMDASH" --config "$CFG"
wait_screen bp "3 Build" >/dev/null
keys bp b 3 z
check "the build's line is in the pane" \
	wait_screen bp "main.c:3:9: warning: unused variable 'x' [-Wunused-variable]" 5
check "no link text (OSC 8) on the screen" \
	bash -c '! grep -qF -- "8;;" <<<"$1"' _ "$(screen bp)"
check "no cursor control (ESC [?25l) as text" \
	bash -c '! grep -qE -- "25[lh]" <<<"$1"' _ "$(screen bp)"
check "gcc's colour kept (bold magenta 'warning:')" \
	bash -c 'grep -qE $'"'"'\e\\[[0-9;]*35[0-9;]*mwarning:'"'"' <<<"$1"' _ "$(screen_e bp)"
# n / N: from one diagnostic to the next, spelled out at the bottom.
keys bp n
check "n: the first diagnostic, spelled out" \
	wait_screen bp "[1/2] main.c:3:9: unused variable 'x'" 5
keys bp n
check "n again: the error" \
	wait_screen bp "[2/2] main.c:7:1: expected ';' before '}' token" 5
keys bp N
check "N: back to the warning" wait_screen bp "[1/2] main.c:3:9" 5
check "build pane: quits" quits bp
