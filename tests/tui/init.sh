#!/usr/bin/env bash
# kmdash init on a terminal: it shows the config and asks before writing
# it; n writes nothing; y writes it; over an existing config it asks again
# (no by default), and keeps the old one as .bak.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

MOD=$T_TMP/mod
cp -r "$T_ROOT/tests/fixtures/kmod_twofile" "$MOD"
CONFIG=$T_TMP/xdg/kmdash/config.json
# init_in NAME: kmdash init in the module's directory, on a terminal.
init_in() { tm_run "$1" 120 40 "cd $MOD && $(dash_env) $KMDASH init; echo kmdash exited: \$?; sleep 600"; }

init_in no
check "init shows the config" wait_screen no "\"$MOD\"" 10
check "... and asks before writing" wait_screen no "Write it? [Y/n]" 5
keys no n Enter
check "n: not written (exit 1)" wait_screen no "kmdash exited: 1" 5
check "... no file" test ! -e "$CONFIG"

init_in yes
check "asked again" wait_screen yes "Write it? [Y/n]" 10
keys yes y Enter
check "y: written" wait_screen yes "wrote $CONFIG" 5
check "... then checked" wait_screen yes "module    ok: twofile" 15
check "... exit 0" wait_screen yes "kmdash exited: 0" 15
check "the file is there" grep -qF "\"dir\":	\"$MOD\"" "$CONFIG"

printf '{ "ui": { "graph": "ascii" } }\n' >"$CONFIG"
init_in over
check "over another config: it asks to replace it, no by default" \
	wait_screen over "Replace the config (the old one is kept as .bak)? [y/N]" 10
keys over Enter
check "Enter: not replaced" wait_screen over "kmdash exited: 1" 5
check "... the config unchanged" grep -q '"ascii"' "$CONFIG"
