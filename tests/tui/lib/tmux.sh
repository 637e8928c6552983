# Sourced by the tui tests (after tests/lib.sh): the dashboard in a tmux
# server on a private socket, driven with send-keys and read back with
# capture-pane. The server is tracked and killed by PID.
TM_SOCK=$T_TMP/tmux.sock
KMDASH=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KMDASH" ] || KMDASH=$T_BUILD/kmdash
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
mkdir -p "$T_TMP/xdg" "$T_TMP/state"

tm() { tmux -S "$TM_SOCK" "$@"; }

# tm_run NAME W H CMD: a new session running CMD (a shell string) in a
# W x H window; the pane stays after CMD exits so its status can be read.
tm_run()
{
	local name=$1 w=$2 h=$3 cmd=$4
	if ! tm has-session 2>/dev/null; then
		tm -f /dev/null new-session -d -s "$name" -x "$w" -y "$h" "$cmd" || return 1
		track_pid "$(tm display-message -p '#{pid}')"
		tm set-option -g remain-on-exit on >/dev/null
		tm set-option -g status off >/dev/null
	else
		tm new-session -d -s "$name" -x "$w" -y "$h" "$cmd" || return 1
	fi
	tm set-option -t "$name" remain-on-exit on >/dev/null
	tm set-option -t "$name" status off >/dev/null
}

# The environment every dashboard runs in: private dirs, 256 colours.
dash_env()
{
	echo "env TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state KMDASH_RUNTIME_DIR=$KMDASH_RUNTIME_DIR ASAN_OPTIONS=$ASAN_OPTIONS"
}

# dash_run NAME W H ARGS...: kmdash ARGS in a new session; on exit the
# pane shows "exit N".
dash_run()
{
	local name=$1 w=$2 h=$3
	shift 3
	# Through a shell: LeakSanitizer's ptrace at exit confuses tmux's
	# child handling when kmdash is the pane's process itself.
	tm_run "$name" "$w" "$h" "$(dash_env) $* ${KMDASH_EXTRA:-}; rc=\$?; echo kmdash exited: \$rc; exit \$rc"
}

screen() { tm capture-pane -p -t "$1" 2>/dev/null; }
screen_e() { tm capture-pane -p -e -t "$1" 2>/dev/null; }

# wait_screen NAME TEXT [SECONDS]: polls every 10 ms until the screen
# shows TEXT; on timeout prints what it showed instead.
wait_screen()
{
	local name=$1 text=$2 deadline=$((SECONDS + ${3:-10}))
	while [ $SECONDS -le $deadline ]; do
		screen "$name" | grep -qF -- "$text" && return 0
		sleep 0.01
	done
	echo "--- $name: expected '$text'; the screen shows:" >&2
	screen "$name" >&2
	return 1
}

# wait_gone NAME TEXT [SECONDS]
wait_gone()
{
	local name=$1 text=$2 deadline=$((SECONDS + ${3:-10}))
	while [ $SECONDS -le $deadline ]; do
		screen "$name" | grep -qF -- "$text" || return 0
		sleep 0.01
	done
	echo "--- $name: '$text' stayed on the screen" >&2
	return 1
}

# line NAME N: the screen's line N (1 = the first), trailing spaces gone.
line() { screen "$1" | sed -n "${2}p" | sed 's/[[:space:]]*$//'; }
# msgline NAME: the message line, the rows above the key bar that are no
# pane's (no border, no pane title), joined with single spaces.
msgline()
{
	screen "$1" | sed 's/[[:space:]]*$//' | head -n -1 | tac |
		awk '/^[│└┌]/ || /^ [0-9] [A-Z]/ || $0 == "" { exit } { print }' |
		tac | paste -sd' '
}
# squeezed TEXT: without any white space, to compare wrapped text.
squeezed() { tr -d '[:space:]' <<<"$1"; }
# msg_has NAME TEXT: the message line says TEXT (wrapped or not).
msg_has() { grep -qF -- "$(squeezed "$2")" <<<"$(squeezed "$(msgline "$1")")"; }
# wait_msg NAME TEXT [SECONDS]
wait_msg()
{
	wait_until "${3:-10}" msg_has "$1" "$2" && return 0
	echo "--- $1: expected '$2' on the message line; it shows: $(msgline "$1")" >&2
	return 1
}

dead_status() { tm display-message -p -t "$1" '#{pane_dead_status}'; }
pane_dead() { [ "$(tm display-message -p -t "$1" '#{pane_dead}')" = 1 ]; }

# wait_exit NAME [SECONDS]: waits for the program to end, prints its
# status (from the wrapper's last words: tmux's pane_dead_status is not
# always set when the pty closes first).
wait_exit()
{
	local name=$1 deadline=$((SECONDS + ${2:-10})) st
	while [ $SECONDS -le $deadline ]; do
		st=$(screen "$name" | sed -n 's/^kmdash exited: \([0-9]*\)$/\1/p')
		[ -z "$st" ] && pane_dead "$name" && st=$(dead_status "$name")
		if [ -n "$st" ]; then
			echo "$st"
			return 0
		fi
		sleep 0.01
	done
	echo timeout
	return 1
}

keys() { local n=$1; shift; tm send-keys -t "$n" "$@"; }

# A target that is not a VM: the serial console on a socket this test
# serves, SSH to a closed local port (the link stays down, the dashboard
# must not care). serial_target_config CFG SOCK [TOP-LEVEL-KEYS [TARGET-KEYS]]
serial_target_config()
{
	local cfg=$1 sock=$2 extra=${3:-} textra=${4:-}
	cat >"$cfg" <<EOC
{
  "targets": [
    { "name": "board", "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
      "serial": { "socket": "$sock" }${textra:+, $textra} }
  ]${extra:+,
  $extra}
}
EOC
}

# quits NAME [STATUS]: q ends it with STATUS (default 0).
quits()
{
	local st
	keys "$1" q
	st=$(wait_exit "$1" 20)
	if [ "$st" = "${2:-0}" ]; then
		tm kill-session -t "$1"
		return 0
	fi
	echo "--- $1: exit status '$st', expected ${2:-0}; the screen:" >&2
	screen "$1" | grep -v '^$' | tail -15 >&2
	return 1
}

alive() { ! pane_dead "$1"; }

# quiet_serial SOCK: a serial socket that stays connected and says
# nothing (reads from a FIFO this shell holds open), any number of times.
quiet_serial()
{
	mkfifo "$T_TMP/quiet.fifo"
	exec 9<>"$T_TMP/quiet.fifo"
	socat UNIX-LISTEN:"$1",unlink-early,fork PIPE:"$T_TMP/quiet.fifo"\!\!OPEN:/dev/null &
	track_pid $!
}
