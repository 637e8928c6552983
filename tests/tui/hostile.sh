#!/usr/bin/env bash
# A board that tries to write to the developer's terminal. A real sshd on
# 127.0.0.1 plays the target: its ForceCommand runs what kmdash asks with
# the board's files swapped for ones whose every answer carries the
# sequences a compromised board would send (OSC 52 clipboard, OSC 0/2
# title, tmux's ESC k window name, DCS, CSI that moves the cursor or
# queries the terminal, C1 raw and in UTF-8, raw ESC, NUL, invalid UTF-8,
# a 1 MB line): the kernel log, uname, the module's sysfs files, insmod
# and rmmod errors, the benchmark's labels, a build's output, an oops
# pasted into kmdash decode and the serial console. What kmdash writes to its terminal is read raw (tmux
# pipe-pane: capture-pane would show what tmux made of it) and scanned by
# tests/tui/termscan.c; tmux runs with set-clipboard on and allow-rename
# on, and its paste buffers, pane title and window name must not change.
# The dashboard, then kmdash dmesg, status, check, run and decode.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"
. "$T_ROOT/tests/sshd.sh"

SCAN=$T_BUILD/asan/tests/tui/termscan
[ -x "$SCAN" ] || { not_ok "termscan is built (make asan)"; exit 1; }

# --- the hostile board ----------------------------------------------------
F=$T_TMP/board
mkdir -p "$F/bin" "$F/remote" "$F/sys/module/storage_hash/notes" \
	"$F/sys/module/storage_hash/stats"
# One payload, everywhere: each sequence between brackets, after a marker.
hostile()
{
	printf 'HOSTILE-%s' "$1"
	printf '[osc52 \033]52;c;SGFja2Vk\007]'
	printf '[title \033]0;PWNED-TITLE\007\033]2;PWNED-TITLE\033\\]'
	printf '[win \033kPWNED-WIN\033\\]'
	printf '[dcs \033P+q544e\033\\]'
	printf '[csi \033[H\033[2J\033[6n\033[c\033[>c\033[18t\033[?1049l]'
	printf '[c1 \233''31m\235''0;C1-TITLE\234\220x\234]'
	printf '[c1utf8 \302\233''31m\302\235''0;C1-TITLE\302\234]'
	printf '[esc \0337\033c]'
	printf '[bad \377\376\340\200\233]'
	printf '[nul \000] END'
}
hostile payload >"$F/payload"
# the kernel log: records as /dev/kmsg gives them, with raw bytes, with
# the kernel's own \xNN escapes, and a 1 MB record
{
	printf '6,1,1000000,-;storage_hash: '
	hostile KMSG-RAW
	printf '\n6,2,2000000,-;storage_hash: HOSTILE-KMSG-ESCAPED \\x1b]52;c;SGFja2Vk\\x07 \\x1b]0;PWNED-TITLE\\x07 \\xc2\\x9b2J \\x9b6n\n'
	printf '4,3,3000000,-;HOSTILE-KMSG-BIG '
	for _ in $(seq 256); do
		hostile BIG
		head -c 3800 /dev/zero | tr '\0' x
	done
	printf '\n6,4,4000000,-;HOSTILE-KMSG-LAST the end of the log\n'
} >"$F/kmsg"
printf '1\n' >"$F/sys/module/storage_hash/refcnt"
hostile INITSTATE >"$F/sys/module/storage_hash/initstate"
head -c 36 /dev/urandom >"$F/sys/module/storage_hash/notes/.note.gnu.build-id"
hostile STAT >"$F/sys/module/storage_hash/stats/$(printf 'items\033]0;STAT-TITLE\007')"
cat >"$F/bin/cat" <<EOF
#!/bin/sh
# /dev/kmsg streams (and stays open); anything else is cat's
[ "\$1" = "$F/kmsg" ] && exec tail -c +1 -f "\$1"
exec /bin/cat "\$@"
EOF
cat >"$F/bin/uname" <<EOF
#!/bin/sh
printf '6.1.0-'; /bin/cat "$F/payload"; echo
EOF
for tool in insmod rmmod dmesg; do
	cat >"$F/bin/$tool" <<EOF
#!/bin/sh
# an error that quotes the board, then a 1 MB line of it (exit 3: no
# errno that kmdash explains in its own words)
echo "$tool: ERROR: \$(/bin/cat "$F/payload")"
for i in \$(seq 256); do /bin/cat "$F/payload"; head -c 3800 /dev/zero | tr '\\0' y; done; echo
exit 3
EOF
done
# kmdash's marks in the log: appended to the stream as the kernel would
echo 4 >"$F/seq"
cat >"$F/bin/kmsgwrite" <<EOF
#!/bin/sh
read -r line
seq=\$((\$(/bin/cat "$F/seq") + 1))
echo \$seq >"$F/seq"
printf '12,%s,%s000000,-;%s\\n' \$seq \$seq "\$line" >>"$F/kmsg"
EOF
# the benchmark: labels from the board (JSON escapes and raw bytes)
cat >"$F/remote/sebench" <<EOF
#!/bin/sh
printf '{"type":"start","engine":"HOSTILE-BENCH\\\\u001b]0;BENCH-TITLE\\\\u0007\\\\u009b2J\\302\\2336n\\033]52;c;QkVOQ0g=\\007","threads":1,"batch":1,"key_size":16,"value_size":64,"keys":10,"mix":{"get":100,"put":0,"del":0},"duration_s":0.2,"interval_s":0.1}\\n'
printf '{"type":"sample","t":0.1,"ops_s":{"get":1000,"put":0,"del":0,"total":1000},"lat_us":{"p50":1,"p99":2,"p999":3},"calls":100,"errors":0}\\n'
/bin/cat "$F/payload"; echo
printf '{"type":"summary","engine":"HOSTILE-BENCH\\\\u001b]0;BENCH-TITLE\\\\u0007","elapsed_s":0.2,"ops":{"get":200,"put":0,"del":0,"total":200},"ops_s":{"get":1000,"put":0,"del":0,"total":1000},"lat_us":{"p50":1,"p99":2,"p999":3,"max":4},"calls":200,"errors":0}\\n'
EOF
# a trace pasted into kmdash decode: a board's oops, its task's name hostile
trace=$T_ROOT/tests/fixtures/traces/ioctl_oops.kmsg
{
	grep -B1000 -m1 'Modules linked in' "$trace"
	printf '4,250,4091855,-;CPU: 1 PID: 120 Comm: '
	hostile TRACE
	printf ' Tainted: G OE 6.1.0-57-arm64 #1\n'
	sed '1,/Comm: sebench/d' "$trace"
} >"$F/trace"
# the build (here, but its output is a compiler's: only SGR may pass)
# (a second first: libssh2 1.10 leaks the key exchange's buffers of a
# session freed during its handshake, which a build that ends at once
# does to the link it did not wait for)
cat >"$F/build.sh" <<EOF
#!/bin/sh
sleep 1
printf 'evil.c:1:1: \\033[01;31merror:\\033[0m HOSTILE-BUILD '
/bin/cat "$F/payload"; echo
exit 1
EOF
chmod +x "$F"/bin/* "$F/remote/sebench" "$F/build.sh"
# What the board's sshd runs: the command, its paths swapped; the remote
# shell's commands come on its stdin, swapped on the way.
cat >"$F/shell" <<EOF
#!/bin/bash
export PATH=$F/bin:\$PATH
swap=(-e 's|>/dev/kmsg|\\| kmsgwrite|g' -e 's|/dev/kmsg|$F/kmsg|g'
      -e 's|/sys/module/|$F/sys/module/|g')
case \$SSH_ORIGINAL_COMMAND in
internal-sftp) exec /usr/lib/openssh/sftp-server ;;
"exec sh") sed -u "\${swap[@]}" | sh; exit ;;
esac
exec /bin/sh -c "\$(sed "\${swap[@]}" <<<"\$SSH_ORIGINAL_COMMAND")"
EOF
chmod +x "$F/shell"
D=$T_TMP/sshd
sshd_setup "$D"
SSHD_EXTRA="ForceCommand $F/shell" sshd_start "$D" || { not_ok "sshd starts"; exit 1; }

# the serial console: the same bytes down the line
S=$T_TMP/serial.sock
mkfifo "$T_TMP/line"
exec 8<>"$T_TMP/line"
socat UNIX-LISTEN:"$S",unlink-early,fork PIPE:"$T_TMP/line"\!\!OPEN:/dev/null &
track_pid $!
wait_until 5 test -S "$S"

CFG=$T_TMP/config.json
cat >"$CFG" <<EOF
{ "targets": [ { "name": "evil",
    "ssh": { "host": "127.0.0.1", "port": $SSHD_PORT, "user": "root",
             "identity_files": ["$D/id_ed25519"], "known_hosts": "$D/known_hosts" },
    "serial": { "socket": "$S" },
    "build": { "argv": ["$F/build.sh"], "dir": "$F" },
    "module": { "remote_dir": "$F/remote" } } ] }
EOF

# --- the terminal: tmux as a terminal that obeys ----------------------------
# clean NAME RAWFILE [--strict]: termscan finds nothing, said in the log
clean()
{
	local out
	out=$("$SCAN" ${3:-} "$2") && return 0
	echo "--- $1: what reached the terminal:" >&2
	echo "$out" >&2
	return 1
}
# start NAME W H CMD: CMD on a new tmux pane whose raw output goes to
# $T_TMP/NAME.raw from its first byte, in a tmux that obeys: OSC 52 makes
# a paste buffer, OSC 0/2 the pane title, ESC k the window name.
start()
{
	local name=$1
	tm_run "$name" "$2" "$3" "until [ -e $T_TMP/$name.go ]; do sleep 0.05; done; $4"
	tm set-option -g set-clipboard on >/dev/null
	tm set-option -g allow-rename on >/dev/null
	tm set-option -g automatic-rename off >/dev/null
	tm pipe-pane -t "$name" -o "cat >$T_TMP/$name.raw"
	tm display-message -p -t "$name" '#{pane_title}' >"$T_TMP/$name.title"
	touch "$T_TMP/$name.go"
}
# run_tty NAME CMD...: CMD on a terminal (start); waits for it to end;
# its status in $tty_status. Not in a $(...): a tmux server it starts is
# tracked for the cleanup in this shell, not a subshell's copy.
run_tty()
{
	local name=$1
	shift
	start "$name" 120 40 "$(dash_env) $*; echo kmdash exited: \$?; sleep 600"
	tty_status=$(wait_exit "$name" 60)
}
terminal_untouched()
{
	local t w b
	t=$(tm display-message -p -t "$1" '#{pane_title}')
	w=$(tm display-message -p -t "$1" '#{window_name}')
	b=$(tm list-buffers 2>/dev/null)
	[ "$t" = "$(cat "$T_TMP/$1.title")" ] && [ -z "$b" ] && [[ $w != *PWNED* ]] && return 0
	echo "--- $1: pane title '$t' (was '$(cat "$T_TMP/$1.title")'), window '$w', buffers: $b" >&2
	return 1
}

start dash 220 50 "$(dash_env) $KMDASH --config $CFG --no-boot; echo kmdash exited: \$?"
check "the dashboard shows the board's kernel log, escaped" \
	wait_screen dash 'HOSTILE-KMSG-LAST' 20
check "... the 1 MB record wrapped, its OSC 52 as text" \
	wait_screen dash 'HOSTILE-BIG[osc52 \x1b]52;c;SGFja2Vk\x07]'
# W cuts long records to a row: the first one is back on screen
keys dash W
check "... the raw record's OSC 52 as text" wait_screen dash 'HOSTILE-KMSG-RAW[osc52 \x1b]52;c;SGFja2Vk\x07]'
keys dash W
# (it is a terminal: it obeys them, inside its pane)
hostile CONSOLE >&8
printf '\r\nCONSOLE-AFTER\r\n' >&8
check "the console pane goes on after them" wait_screen dash 'CONSOLE-AFTER'
keys dash B
check "the benchmark's label is drawn, escaped" wait_screen dash 'HOSTILE-BENCH\x1b]' 20
wait_screen dash 'last: bench ok' 20 >/dev/null
keys dash l
check "insmod's error, quoting the board, is drawn escaped" wait_screen dash 'failed (exit 3): insmod: ERROR: HOSTILE-payload[osc52 \x1b]52' 20
wait_screen dash 'last: load failed' 20 >/dev/null
keys dash '!'
check "! shows insmod's error in full, escaped" \
	wait_screen dash 'insmod: ERROR: HOSTILE-payload[osc52 \x1b]52;c;SGFja2Vk\x07]' 5
keys dash Escape
keys dash b
check "the build's output is drawn" wait_screen dash 'HOSTILE-BUILD' 20
keys dash 5
check "the bench pane's labels" wait_screen dash 'HOSTILE-BENCH' 10
sleep 1
check "the dashboard: no sequence of the board reached the terminal" \
	clean dashboard "$T_TMP/dash.raw"
check "... tmux's title, window name and paste buffers are untouched" \
	terminal_untouched dash
check "... the build kept its colour (SGR passes as curses colour)" \
	bash -c "tmux -S '$TM_SOCK' capture-pane -p -e -t dash | grep -qP '\\e\\[[0-9;]*31m[^\\e]*error:'"
check "the dashboard quits normally" quits dash

# --- the command line, on a terminal -------------------------------------
for cmd in dmesg status "status --json" check "run load" "run unload" "run bench" "run build"; do
	name=cli-${cmd// /-}
	run_tty "$name" "$KMDASH" --config "$CFG" $cmd
	st=$tty_status
	check "kmdash $cmd ran (exit $st)" test "$st" != timeout
	check "kmdash $cmd: no sequence of the board reached the terminal" \
		clean "$name" "$T_TMP/$name.raw" --strict
	check "kmdash $cmd: tmux's title, window name and buffers untouched" \
		terminal_untouched "$name"
done
run_tty cli-decode "$KMDASH" --config "$CFG" decode "$F/trace"
st=$tty_status
check "kmdash decode ran (exit $st)" test "$st" != timeout
check "kmdash decode: no sequence of the trace reached the terminal" \
	clean cli-decode "$T_TMP/cli-decode.raw" --strict
check "kmdash decode: tmux's title, window name and buffers untouched" \
	terminal_untouched cli-decode
check "decode printed the trace back, escaped" \
	grep -qaF 'Comm: HOSTILE-TRACE[osc52 \x1b]52;c;SGFja2Vk\x07]' "$T_TMP/cli-decode.raw"
check "dmesg printed the board's records, escaped" \
	grep -qaF 'HOSTILE-KMSG-RAW[osc52 \x1b]52;c;SGFja2Vk\x07]' "$T_TMP/cli-dmesg.raw"
check "run load printed insmod's error, escaped" \
	grep -qaF 'insmod: ERROR: HOSTILE-payload[osc52 \x1b]52' "$T_TMP/cli-run-load.raw"
check "run bench printed the board's label, escaped" \
	grep -qaF 'HOSTILE-BENCH\x1b]' "$T_TMP/cli-run-bench.raw"
check "status printed the board's benchmark label, escaped" \
	grep -qaF 'bench     last run: HOSTILE-BENCH\x1b]' "$T_TMP/cli-status.raw"

# and to a pipe, --json too: the same rule, and the JSON stays JSON
out=$(XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state "$KMDASH" --config "$CFG" --json run load 2>&1)
printf '%s\n' "$out" >"$T_TMP/json.raw"
check "run --json: no sequence of the board in its output" clean json "$T_TMP/json.raw" --strict
check "run --json: every line is a JSON object" \
	bash -c 'while IFS= read -r l; do [[ $l == "{"*"}" ]] || exit 1; done <<<"$1"' _ "$out"
check "run --json: insmod's error is in it, escaped" contains "$out" 'HOSTILE-payload[osc52 \\x1b]52'
