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

# The counts are what n / N walk: an error with two notes and a warning
# with one are two diagnostics, "[1/2]" and "[2/2]", the notes with them.
CFG2=$T_TMP/notes.json
cat >"$CFG2" <<EOC
{ "targets": [ { "name": "board",
    "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
    "serial": { "socket": "$S" },
    "build": { "argv": ["printf", "%s\\\\n",
      "main.c:7:1: error: expected ';' before '}' token",
      "main.c:5:3: note: to match this '{'",
      "main.c:4:2: note: in this block",
      "main.c:3:9: warning: unused variable 'x' [-Wunused-variable]",
      "main.c:2:5: note: declared here"] } } ] }
EOC
dash_run notes 120 40 "$KMDASH" --config "$CFG2"
wait_screen notes "3 Build" >/dev/null
keys notes b 3 z
check "notes: the build's lines are in the pane" \
	wait_screen notes "main.c:2:5: note: declared here" 5
counts=$(screen notes | grep -oE '[0-9]+ errors? [0-9]+ warnings?' | head -1)
total=$(awk '{ print $1 + $3 }' <<<"$counts")
check "notes: the header counts the errors and warnings ($counts)" \
	test -n "$counts"
keys notes n
check "n: the error, numbered out of what the header counts" \
	wait_screen notes "[1/$total] main.c:7:1: expected ';' before '}' token (+2 notes)" 5
keys notes n
check "n again: the warning, the last of them" \
	wait_screen notes "[$total/$total] main.c:3:9: unused variable 'x' (+1 note)" 5
keys notes n
check "n at the last: no next one" wait_screen notes "no next error or warning" 5
check "notes: quits" quits notes

# A build from before this session: the .ko where the config says.
mkdir -p "$T_TMP/built"
head -c 40000 /dev/zero >"$T_TMP/built/storage_hash.ko"
touch -d '3 minutes ago' "$T_TMP/built/storage_hash.ko"
size=$(stat -c %s "$T_TMP/built/storage_hash.ko" | awk '{ printf "%.1f KiB", $1 / 1024 }')
CFG3=$T_TMP/built.json
cat >"$CFG3" <<EOC
{ "targets": [ { "name": "board",
    "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
    "serial": { "socket": "$S" },
    "module": { "ko": "$T_TMP/built/storage_hash.ko" } } ] }
EOC
dash_run built 120 40 "$KMDASH" --config "$CFG3"
check "an existing build is shown at start" \
	wait_screen built "built 3 min ago, ok, storage_hash.ko $size" 5
check "built: quits" quits built
dash_run builtnarrow 60 20 "$KMDASH" --config "$CFG3"
check "... and in the collapsed build pane's line" \
	wait_screen builtnarrow " 3 Build  built 3 min ago, ok, storage_hash.ko" 5
check "builtnarrow: quits" quits builtnarrow
