#!/usr/bin/env bash
# The console pane over a serial socket this test serves: colours (8, 256,
# RGB), attributes, a wide character and cursor positioning on the
# screen; console-input mode sends keys to the line and Ctrl-] leaves it;
# the scrollback pages back and f returns to the live screen.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

S=$T_TMP/serial.sock
CFG=$T_TMP/config.json
TYPED=$T_TMP/typed
serial_target_config "$CFG" "$S"
mkfifo "$T_TMP/line"
exec 8<>"$T_TMP/line"
# What the test writes to fd 8 goes down the line; what kmdash sends
# ends up in $TYPED.
socat UNIX-LISTEN:"$S",unlink-early PIPE:"$T_TMP/line"\!\!CREATE:"$TYPED" &
track_pid $!
wait_until 5 test -S "$S"

dash_run con 80 24 "$KMDASH" --config "$CFG" --pane console
check "the console pane opens" wait_screen con "1 Console"
sleep 0.3
printf '\033[31mRED\033[0m plain \033[1;44mBOLDBLUE\033[0m \033[38;5;208mORANGE\033[0m \033[38;2;255;0;0mRGBRED\033[0m \033[4mUNDER\033[0m \033[7mREV\033[0m\r\n' >&8
printf '世界 wide\r\n' >&8
printf '\033[5;10HXY' >&8
check "text arrives on the screen" wait_screen con "RED plain BOLDBLUE ORANGE RGBRED UNDER REV"
check "a wide character takes two cells" wait_screen con "│世界 wide"
E=$(screen_e con)
check_sgr()
{
	# the SGR sequence right before WORD contains CODE
	grep -qP "\\e\\[([0-9;]*;)?$1(;[0-9;]*)?m(\\e\\[[0-9;]*m)*$2" <<<"$E" && return 0
	echo "no SGR $1 before $2 in: $(grep -a "$2" <<<"$E" | cat -v | head -2)" >&2
	return 1
}
check "8 colours: red foreground" check_sgr 31 RED
check "bold" check_sgr 1 BOLDBLUE
check "blue background" check_sgr 44 BOLDBLUE
check "256 colours: index 208" check_sgr '38;5;208' ORANGE
check "RGB mapped to the nearest of 256" check_sgr '38;5;196' RGBRED
check "underline" check_sgr 4 UNDER
check "reverse" check_sgr 7 REV
wait_screen con XY >/dev/null
check "cursor positioning: XY at row 5, column 10" \
	bash -c "tmux -S '$TM_SOCK' capture-pane -p -t con | sed -n 7p | grep -qE '^│ {9}XY'"

# console-input mode
keys con Enter
check "Enter: console input mode, shown in the status bar" \
	wait_screen con "CONSOLE INPUT"
check "the key bar shows how to leave" wait_screen con "C-] Leave console"
keys con -l 'echo hello-q'
keys con Enter
check "typed keys reach the serial line" \
	wait_until 5 grep -q 'echo hello-q' "$TYPED"
check "Enter sends a carriage return" wait_until 5 grep -q $'hello-q\r' "$TYPED"
check "q went to the target, kmdash still runs" alive con

# Cursor keys as the program on the line asked for them: less and vi turn
# on application cursor mode (DECCKM, ESC[?1h) and expect ESC O A for Up;
# without it Up is ESC [ A. The marker on the screen shows that kmdash
# has read the mode change before the key is pressed.
grown() { [ "$(stat -c %s "$TYPED")" -ge "$1" ]; }
key_sends()
{
	local key=$1 want=$2 before got
	before=$(stat -c %s "$TYPED")
	keys con "$key"
	wait_until 5 grown $((before + ${#want}))
	got=$(tail -c +$((before + 1)) "$TYPED")
	[ "$got" = "$want" ] && return 0
	echo "$key sent: $(printf %s "$got" | od -An -c)" >&2
	return 1
}
printf '\033[?1hCKM-ON\r\n' >&8
wait_screen con CKM-ON >/dev/null
check "application cursor mode: Up sends ESC O A" key_sends Up $'\033OA'
printf '\033[?1lCKM-OFF\r\n' >&8
wait_screen con CKM-OFF >/dev/null
check "normal cursor mode: Up sends ESC [ A" key_sends Up $'\033[A'
keys con C-]
check "Ctrl-] leaves console input" wait_gone con "CONSOLE INPUT"
before=$(stat -c %s "$TYPED")
keys con T
sleep 0.2
check "after Ctrl-] keys no longer go to the line" test "$(stat -c %s "$TYPED")" = "$before"

# scrollback
for i in $(seq 1 60); do printf 'line-%03d\r\n' "$i"; done >&8
check "new lines scroll" wait_screen con "line-060"
keys con PPage
check "PgUp shows the scrollback" wait_screen con "scrollback -"
check "PgUp: older lines" wait_screen con "line-030"
keys con f
check "f: back to the live screen" wait_gone con "scrollback -"
check "quits" quits con
