# Sourced by the fault-injection tests and their benchmarks (after
# tests/lib.sh and tests/tui/lib/tmux.sh): what breaks the world, and what
# reads kmdash's state from the outside (its journal, its fds and memory).
#
#   dash_pid NAME            kmdash's PID in tmux session NAME
#   fd_count PID             its open file descriptors (rss_kb: tests/lib.sh)
#   journal_dir [TARGET]     the newest session journal under $T_TMP/state
#   kmsg_seqs FILE           the sequence numbers of a journal's kmsg.log
#   seq_holes FILE           where a file of sequence numbers (one a line)
#                            does not go 1, 2, 3, ...: "prev -> next"
#   rss_settled PID          waits until its RSS stops growing
#   console_type NAME CMD    types CMD into the target's serial console
#                            through the dashboard's console input mode
#   guest_dropbear           the guest's dropbear command line (target/init)
#   sshd_restart NAME N [CMD]  through dashboard NAME's serial console: kills
#                            the guest's dropbear, runs CMD while it is down
#                            (else waits a second), starts it again, then
#                            writes "kmdash-fault: restarted N" to the
#                            kernel log and the console
#   relay_start PORT TO      a TCP relay on 127.0.0.1:PORT to 127.0.0.1:TO
#                            that the test can cut (tests/faults/cutrelay.c)
#   relay_cut_after BYTES    cuts its connections once BYTES more went
#                            from the client to the server; relay_cut: now

# The dashboard's shell runs kmdash as its child.
dash_pid()
{
	local shell
	shell=$(tm display-message -p -t "$1" '#{pane_pid}') || return 1
	pgrep -P "$shell" | head -1
}

fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# Session directories are named after their start (20261121-093000,
# then -2, -3 in the same second): the newest sorts last.
journal_dir()
{
	local t=${1:-qemu}
	printf '%s\n' "$T_TMP/state/kmdash/$t"/[0-9]*-[0-9]* | sort -V | tail -1
}

# "[   12.345678] info   #42 text": 42, one a line, in the file's order.
kmsg_seqs() { sed -n 's/^\[[ 0-9.]*\] [a-z]* *#\([0-9]*\) .*/\1/p' "$1"; }

seq_holes()
{
	awk 'NR == 1 && $1 != 1 { print "starts at " $1 }
	     NR > 1 && $1 != prev + 1 { print prev " -> " $1 } { prev = $1 }' "$1" | head -3
}

# (it grows by steps: three seconds in a row within 1% of the first)
rss_settled()
{
	local a b still=0
	a=$(rss_kb "$1")
	for _ in $(seq 60); do
		sleep 1
		b=$(rss_kb "$1")
		if [ $((b * 100)) -le $((a * 101)) ]; then
			still=$((still + 1))
			[ $still -ge 3 ] && return 0
		else
			a=$b still=0
		fi
	done
	return 1
}

console_type()
{
	local name=$1 cmd=$2
	keys "$name" 1
	keys "$name" Enter
	wait_screen "$name" "CONSOLE INPUT" 10 >/dev/null || return 1
	keys "$name" -l "$cmd"
	keys "$name" Enter
	keys "$name" C-]
	wait_gone "$name" "CONSOLE INPUT" 10 >/dev/null
}

# The guest's SSH server as target/init starts it: one source of truth.
guest_dropbear() { grep -o '^\s*dropbear -r .*' "$T_ROOT/target/init" | sed 's/^\s*//'; }

# The marker's number is computed in the guest ($((N))): the line as
# typed (echoed by the shell) does not match it, only its output does.
sshd_restart()
{
	local name=$1 n=$2 down=${3:-sleep 1}
	console_type "$name" "kill \$(pidof dropbear); $down; $(guest_dropbear); m=\"kmdash-fault: restarted \$(($n))\"; echo \"\$m\" >/dev/kmsg; echo \"\$m\""
}

RELAY=$T_BUILD/asan/tests/faults/cutrelay
relay_start()
{
	[ -x "$RELAY" ] || { echo "$RELAY is not built (make asan)" >&2; return 1; }
	"$RELAY" "$1" "$2" "$T_TMP/relay.cut" 2>>"$T_TMP/relay.log" &
	RELAY_PID=$!
	track_pid "$RELAY_PID"
	wait_until 5 bash -c "ss -Hltn 'sport = :$1' | grep -q ."
}
relay_cut_after() { echo "$1" >"$T_TMP/relay.cut" && kill -USR1 "$RELAY_PID"; }
relay_cut() { relay_cut_after 0; }
relay_cuts() { grep -c '^cut ' "$T_TMP/relay.log" 2>/dev/null; }
