#!/usr/bin/env bash
# The dashboard at every size: the grid, the stacked layout with one-line
# summaries, "too small", a resize storm, and --pane NAME for each pane.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

S=$T_TMP/serial.sock
CFG=$T_TMP/config.json
# No module built (the checkout's own build must not show here).
serial_target_config "$CFG" "$S" "" "\"module\": { \"ko\": \"$T_TMP/none/storage_hash.ko\" }"
quiet_serial "$S"

all_panes()
{
	local s
	s=$(screen "$1")
	contains "$s" "1 Console" && contains "$s" "2 Tunnel" &&
		contains "$s" "3 Build" && contains "$s" "4 Kernel log" &&
		contains "$s" "5 Bench"
}

for size in 200x50 120x40 100x30; do
	w=${size%x*} h=${size#*x}
	dash_run "g$size" "$w" "$h" "$KMDASH" --config "$CFG"
	check "$size: the grid shows all five panes" \
		wait_screen "g$size" "5 Bench"
	check "$size: every pane title" all_panes "g$size"
	check "$size: status bar names the target and the link" \
		wait_screen "g$size" "board │ link DOWN"
	check "$size: key bar" wait_screen "g$size" "q Quit"
	check "$size: the tunnel says why the link is down" \
		wait_screen "g$size" "refus"
	check "$size: the build pane invites a build" \
		wait_screen "g$size" "not built yet"
	check "$size: q quits with status 0" quits "g$size"
done

for size in 60x20 40x12; do
	w=${size%x*} h=${size#*x}
	dash_run "s$size" "$w" "$h" "$KMDASH" --config "$CFG"
	check "$size: stacked, console focused with its border" \
		wait_screen "s$size" "┌ 1 Console"
	check "$size: collapsed tunnel summary" wait_screen "s$size" " 2 Tunnel  DOWN"
	check "$size: collapsed build summary" \
		wait_screen "s$size" " 3 Build  not built yet"
	check "$size: collapsed kernel log" wait_screen "s$size" " 4 Kernel log"
	check "$size: collapsed bench summary" \
		wait_screen "s$size" " 5 Bench  no benchmark yet"
	keys "s$size" Tab
	check "$size: Tab moves the big pane to the tunnel" \
		wait_screen "s$size" "┌ 2 Tunnel"
	check "$size: ... and collapses the console" wait_gone "s$size" "┌ 1 Console"
	keys "s$size" 4
	check "$size: 4 focuses the kernel log" wait_screen "s$size" "┌ 4 Kernel log"
	check "$size: quits" quits "s$size"
done

dash_run small 30 8 "$KMDASH" --config "$CFG"
check "30x8: terminal too small" wait_screen small "terminal too small"
tm resize-window -t small -x 120 -y 40
check "30x8 -> 120x40: the grid appears" wait_screen small "5 Bench"
check "too small: still quits" quits small

dash_run storm 120 40 "$KMDASH" --config "$CFG"
wait_screen storm "5 Bench" >/dev/null
for i in $(seq 1 50); do
	tm resize-window -t storm -x $((20 + (i * 37) % 200)) -y $((5 + (i * 13) % 60))
done
tm resize-window -t storm -x 120 -y 40
# tmux 3.3 hands queued pane resizes to the pty after a delay: let them
# land, then set the final size once more (the size kmdash must end at).
sleep 0.5
tm resize-window -t storm -x 119 -y 40
tm resize-window -t storm -x 120 -y 40
echo "# after the storm: $(tm display -p -t storm '#{pane_width}x#{pane_height}')"
check "resize storm: the dashboard is alive" alive storm
check "resize storm: the grid is whole again" wait_screen storm "5 Bench"
check "resize storm: all panes" all_panes storm
check "resize storm: the key bar is on the last line" \
	bash -c "tmux -S '$TM_SOCK' capture-pane -p -t storm | sed -n 40p | grep -q 'q Quit'"
check "resize storm: the status bar is on the first line" \
	bash -c "tmux -S '$TM_SOCK' capture-pane -p -t storm | sed -n 1p | grep -q 'board'"
check "resize storm: quits with status 0" quits storm

zoomed()
{
	local s
	s=$(screen "$1")
	contains "$s" "$2" && ! grep -qF "$3" <<<"$s"
}
for p in console:1_Console tunnel:2_Tunnel build:3_Build dmesg:4_Kernel_log bench:5_Bench; do
	name=${p%%:*} title=${p#*:}
	title=${title//_/ }
	other="1 Console"
	[ "$name" = console ] && other="2 Tunnel"
	dash_run "p$name" 60 20 "$KMDASH" --config "$CFG" --pane "$name"
	check "--pane $name: shows its pane" wait_screen "p$name" "$title"
	check "--pane $name: and no other" zoomed "p$name" "$title" "$other"
	check "--pane $name: quits" quits "p$name"
done

dash_run zoom 120 40 "$KMDASH" --config "$CFG"
wait_screen zoom "5 Bench" >/dev/null
keys zoom 3 z
check "z zooms the focused pane" wait_gone zoom "1 Console"
check "z: the build pane fills the screen" wait_screen zoom "3 Build"
keys zoom z
check "z again: the grid" wait_screen zoom "1 Console"
keys zoom q
wait_exit zoom >/dev/null

out=$("$KMDASH" --config "$CFG" --pane nosuch 2>&1)
check "--pane nosuch: exit status 2" test $? = 2
check "--pane nosuch: says which panes exist" contains "$out" "no pane 'nosuch' (console, tunnel, build, dmesg, bench)"
out=$("$KMDASH" --config "$CFG" </dev/null 2>&1)
check "no terminal: exit status 2" test $? = 2
check "no terminal: says the dashboard needs one" contains "$out" "the dashboard needs a terminal"

# --record with a terminal ncurses cannot open: the error, exit 2, and the
# terminal as it was (recording had set it raw before newterm failed).
# No leak check here: a failed newterm() leaks libtinfo's own screen.
tm_run badterm 80 24 "env TERM=kmdash-no-such-term LANG=C.UTF-8 XDG_CONFIG_HOME=$T_TMP/xdg KMDASH_RUNTIME_DIR=$KMDASH_RUNTIME_DIR ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 $KMDASH --config $CFG --record $T_TMP/bad.cast; echo kmdash exited: \$?; stty -a | grep -o -- '-\?icanon'; sleep 30"
check "--record, unknown TERM: the error is shown" \
	wait_screen badterm "cannot open the terminal 'kmdash-no-such-term'" 10
check "... exit status 2" wait_screen badterm "kmdash exited: 2" 5
check "... and the terminal is back in line mode (icanon)" \
	bash -c 'sleep 0.3; tmux -S "$1" capture-pane -p -t badterm | grep -qx icanon' _ "$TM_SOCK"
tm kill-session -t badterm
