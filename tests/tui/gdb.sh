#!/usr/bin/env bash
# g in the dashboard, against the embedded target: gdb opens in a tmux
# window of its own with the module's symbols (we are inside tmux), the
# status bar and the tunnel pane say the VM is halted while gdb holds it
# and stop saying so when it runs, a second g says a debugger is attached,
# and on a board (no QEMU) g explains why there is no gdbstub.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "gdb in the dashboard" "the embedded target is not built (make target)"
	exit 0
fi
command -v gdb-multiarch >/dev/null ||
	{ not_ok "gdb-multiarch is installed (make deps)"; exit 0; }
T_VMS+=(qemu)
# the command line shares the dashboard's state (the kept .ko) and config
export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/xdg
KM=$T_BUILD/kmdash

vm_start qemu >/dev/null 2>&1
out=$("$KM" run deploy load 2>&1)
check "the module is deployed and loaded" test $? -eq 0

dash_run dash 160 45 "$KMDASH"
check "the dashboard comes up with the link" wait_screen dash:0 "link UP" 90
keys dash:0 g
gdb_window() { tm list-windows -t dash -F '#{window_name}' | grep -qx kmdash-gdb; }
check "g opens a tmux window of its own, named for gdb" wait_until 20 gdb_window
check "... where gdb is at its prompt" wait_screen dash:kmdash-gdb "(gdb)" 20
check "... with the module's symbols loaded" \
	wait_screen dash:kmdash-gdb "kmdash: storage_hash's symbols loaded" 5
check "gdb holds the VM: the status bar says it is halted" \
	wait_screen dash:0 "VM halted by gdb" 10
check "... and the tunnel pane shows HALTED" wait_screen dash:0 " HALTED " 5
keys dash:kmdash-gdb c Enter
check "gdb continues: the status bar says so no more" \
	wait_gone dash:0 "VM halted by gdb" 10
check "... and the link is UP, on the same connection" \
	wait_screen dash:0 "reconnects 0" 10
keys dash:0 g
check "g again while gdb is attached says so" \
	wait_screen dash:0 "a debugger is attached" 10
keys dash:kmdash-gdb C-c
check "Ctrl-C in gdb halts the VM again" wait_screen dash:0 "VM halted by gdb" 10
keys dash:kmdash-gdb detach Enter
check "detach lets it run" wait_gone dash:0 "VM halted by gdb" 10
keys dash:kmdash-gdb quit Enter
# gdb's window keeps its dead pane (remain-on-exit): gone with it
tm kill-window -t dash:kmdash-gdb
check "q quits the dashboard (exit 0, no leak)" quits dash:0

# --- ui.gdb_window "split": gdb beside the dashboard ----------------------------
echo '{ "ui": { "gdb_window": "split" } }' >"$T_TMP/split.json"
dash_run split 200 45 "$KMDASH" --config "$T_TMP/split.json"
check "split: the dashboard comes up with the link" wait_screen split:0 "link UP" 90
keys split:0 g
two_panes() { [ "$(tm list-panes -t split:0 | wc -l)" = 2 ]; }
check "split: g opens gdb in a pane beside the dashboard" wait_until 20 two_panes
check "... in the same window, no other" \
	test "$(tm list-windows -t split | wc -l)" = 1
check "... where gdb is at its prompt" wait_screen split:0.1 "(gdb)" 20
keys split:0.1 detach Enter quit Enter
check "... and quits" wait_until 10 pane_dead split:0.1
tm kill-pane -t split:0.1
check "split: q quits the dashboard" quits split:0

# --- outside tmux: the dashboard steps aside and comes back ---------------------
dash_run aside 160 45 env -u TMUX "$KMDASH"
check "outside tmux: the dashboard comes up with the link" \
	wait_screen aside "link UP" 90
keys aside g
check "g: gdb has the terminal, at its prompt" wait_screen aside "(gdb)" 20
check "... the dashboard stepped aside" wait_gone aside "link UP" 5
check "... gdb holds the VM" \
	bash -c '"$1" vm status 2>&1 | grep -q "halted by gdb"' _ "$KMDASH"
keys aside detach Enter quit Enter
check "gdb exits: the dashboard comes back" wait_screen aside "link UP" 20
check "... with the VM running" wait_gone aside "VM halted by gdb" 10
check "outside tmux: q quits the dashboard (exit 0, no leak)" quits aside

# --- a board: no QEMU, no gdbstub --------------------------------------------
quiet_serial "$T_TMP/board.sock"
serial_target_config "$T_TMP/board.json" "$T_TMP/board.sock"
dash_run board 320 45 "$KMDASH" --config "$T_TMP/board.json"
check "a board's dashboard comes up" wait_screen board "board" 10
keys board g
check "g on a board says only QEMU targets have a gdbstub" \
	wait_screen board "only QEMU targets have one" 10
check "... and what a board needs for kgdb" \
	wait_screen board "CONFIG_KGDB_SERIAL_CONSOLE" 5
check "... and opens no gdb" bash -c '! tmux -S "$1" list-windows -a -F "#{window_name}" | grep -q kmdash-gdb' _ "$TM_SOCK"
quits board
