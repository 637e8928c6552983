#!/usr/bin/env bash
# kmdash gdb against the embedded target: the stub on a private socket
# only, a breakpoint in the module at the right line with the kernel's
# functions in the backtrace, a 20-second halt that kmdash dmesg -f
# rides out, deadlines that wait for the halt, a benchmark halted in the
# middle that is not a baseline, a real link failure while gdb is merely
# attached, and the module's new addresses after a reload.
# Expected lines are the source's: sh_ioctl's lines and the "kmdash-test:
# gdb" marker in kmod/storage_hash.c, found by grep.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "kmdash gdb" "the embedded target is not built (make target)"
	exit 0
fi
command -v gdb-multiarch >/dev/null ||
	{ not_ok "gdb-multiarch is installed (make deps)"; exit 0; }

KCACHE=${XDG_CACHE_HOME:-$HOME/.cache}
export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/config
KM=$T_BUILD/kmdash
SRC=kmod/storage_hash.c
mark_line=$(grep -n 'kmdash-test: gdb \*/' "$SRC" | cut -d: -f1)
fn_first=$(grep -n '^static long sh_ioctl(' "$SRC" | cut -d: -f1)
fn_last=$(awk -v f="$fn_first" 'NR > f && /^}$/ { print NR; exit }' "$SRC")
check "the fixtures: sh_ioctl's lines and its marker" \
	test -n "$mark_line" -a -n "$fn_first" -a -n "$fn_last"

# gdb reads the user's ~/.gdbinit first: one of ours, in a private home
mkdir -p "$T_TMP/home"
echo 'echo kmdash-test: the user gdbinit\n' >"$T_TMP/home/.gdbinit"

# gdb_start NAME SCRIPT: kmdash gdb -- -batch -x SCRIPT in the background,
# its output in $T_TMP/NAME.out, its pid (gdb's, after exec) in GDB_PID.
gdb_start()
{
	: >"$T_TMP/$1.out"
	env HOME="$T_TMP/home" XDG_CACHE_HOME="$KCACHE" \
		"$KM" gdb -- -batch -x "$2" >"$T_TMP/$1.out" 2>&1 </dev/null &
	GDB_PID=$!
	track_pid "$GDB_PID"
}
# said NAME TEXT [SECONDS]: TEXT is in NAME's output.
said() { wait_until "${3:-60}" grep -qF -- "$2" "$T_TMP/$1.out"; }
gdb_end() { wait "$GDB_PID"; }
script() { cat >"$T_TMP/$1.gdb"; echo "$T_TMP/$1.gdb"; }
# stop_line NAME N: the file:line of the Nth breakpoint stop in NAME.out.
stop_line()
{
	grep 'hit Breakpoint' "$T_TMP/$1.out" | sed -n "${2}p" |
		sed -n 's/.* at \(.*\):\([0-9]*\)$/\1:\2/p'
}
sectl_stats() { vm_ssh qemu 'cd /tmp/kmdash && ./sectl stats' 2>&1; }
T_VMS+=(qemu)

# --- security: a socket in the 0700 directory, no TCP port ---------------
# listeners [PID...]: the TCP listeners (ss -ltn), of those processes only
# (the machine is shared: other programs open and close theirs).
listeners()
{
	local pids

	pids=$(IFS='|'; echo "$*")
	ss -ltnpH | grep -E "pid=(${pids:-[0-9]+}),"  | awk '{ print $4 }' | sort
}
before=$(listeners)
vm_start qemu >/dev/null 2>&1
check "the VM is up" test -f "$(vm_dir qemu)/port"
port=$(cat "$(vm_dir qemu)/port")
qemu=$(cat "$(vm_dir qemu)/qemu.pid")
check "QEMU listens on no TCP port but its SSH forward (ss -ltn)" \
	test "$(listeners "$qemu")" = "127.0.0.1:$port"
check "... a port that was not open before" \
	bash -c '! grep -qx "127.0.0.1:$1" <<<"$2"' _ "$port" "$before"
check "the stub is a socket in the runtime directory" test -S "$(vm_dir qemu)/gdb.sock"
check "... mode 0600" test "$(stat -c %a "$(vm_dir qemu)/gdb.sock")" = 600
check "... in a directory of mode 0700" test "$(stat -c %a "$(vm_dir qemu)")" = 700
out=$("$KM" vm status 2>&1)
check "vm status says where the stub is" \
	contains "$out" "gdb stub: $(vm_dir qemu)/gdb.sock"
out=$("$KM" status --json 2>&1)
check "status --json has it as \"gdb\"" \
	contains "$out" "\"gdb\":{\"socket\":\"$(vm_dir qemu)/gdb.sock\""
out=$("$KM" run deploy load 2>&1)
check "the module is deployed and loaded" test $? -eq 0

# --- a breakpoint in the module, the kernel's frames, and on -------------
s=$(script main <<EOF
set pagination off
break sh_ioctl
echo kmdash-test: waiting\n
continue
bt
break storage_hash.c:$mark_line
continue
delete
detach
EOF
)
gdb_start main "$s"
check "gdb is attached and waits at the breakpoint" said main "kmdash-test: waiting"
check "... and QEMU opened no TCP port for it (ss -ltn)" \
	test "$(listeners "$qemu")" = "127.0.0.1:$port"
check "... nor did gdb" test -z "$(listeners "$GDB_PID")"
sectl_stats >"$T_TMP/sectl.out" &
sectl=$!
track_pid "$sectl"
gdb_end
check "kmdash gdb exits with gdb's status 0" test $? -eq 0
wait "$sectl"
check "sectl stats completes with its normal output after detach" \
	grep -q '^uapi_version' "$T_TMP/sectl.out"
check "the user's ~/.gdbinit was read" grep -q "kmdash-test: the user gdbinit" "$T_TMP/main.out"
check "the module's symbols were loaded" grep -q "kmdash: storage_hash's symbols loaded" "$T_TMP/main.out"
check "break sh_ioctl is one location" \
	grep -q "^Breakpoint 1 at 0x[0-9a-f]*: file $T_ROOT/$SRC, line [0-9]*\.$" "$T_TMP/main.out"
at=$(stop_line main 1)
line=${at##*:}
check "the stop names the source file, not the build directory's link" \
	test "${at%:*}" = "$T_ROOT/$SRC"
check "... and a line of sh_ioctl ($fn_first-$fn_last), not another function's ($line)" \
	test "${line:-0}" -ge "$fn_first" -a "${line:-0}" -le "$fn_last"
check "... in sh_ioctl, with its arguments" grep -q "hit Breakpoint 1, sh_ioctl (file=" "$T_TMP/main.out"
check "bt names the kernel's functions" grep -q " in __arm64_sys_ioctl ()" "$T_TMP/main.out"
check "... down to the system call's entry" grep -q " in el0_svc ()" "$T_TMP/main.out"
check "a breakpoint on the marked line stops there" \
	test "$(stop_line main 2)" = "$T_ROOT/$SRC:$mark_line"

# --- a 20-second halt under kmdash dmesg -f -------------------------------
"$KM" dmesg -f --json >"$T_TMP/dmesg.json" 2>&1 </dev/null &
dm=$!
track_pid "$dm"
check "kmdash dmesg -f follows the log" \
	wait_until 60 grep -q '"event":"link","state":"UP"' "$T_TMP/dmesg.json"
s=$(script halt <<'EOF'
set pagination off
break sh_ioctl
echo kmdash-test: waiting\n
continue
echo kmdash-test: halted\n
shell sleep 20
delete
detach
EOF
)
gdb_start halt "$s"
said halt "kmdash-test: waiting"
vm_ssh qemu 'cd /tmp/kmdash && ./sectl stats >/dev/null && echo kmdash-test: after the halt >/dev/kmsg' >/dev/null 2>&1 &
writer=$!
track_pid "$writer"
check "the breakpoint halts the VM" said halt "kmdash-test: halted"
gdb_end
wait "$writer"
check "the records written after the resume arrive" \
	wait_until 30 grep -q '"text":"kmdash-test: after the halt"' "$T_TMP/dmesg.json"
kill "$dm"
wait "$dm" 2>/dev/null
check "dmesg -f says the VM was halted by gdb" \
	grep -q '"event":"vm","state":"halted by gdb"' "$T_TMP/dmesg.json"
check "... and that it runs again" grep -q '"event":"vm","state":"running"' "$T_TMP/dmesg.json"
check "... and the link never left UP: no DOWN, no reconnect" \
	test "$(grep -c '"event":"link"' "$T_TMP/dmesg.json")" = 1
seqs=$(sed -n 's/.*"event":"kmsg","seq":\([0-9]*\).*/\1/p' "$T_TMP/dmesg.json")
check "... no record twice" test -z "$(sort -n <<<"$seqs" | uniq -d)"
check "... and none lost" bash -c '! grep -q "\"marker\":\"lost\"" "$1"' _ "$T_TMP/dmesg.json"

# --- a step's deadline waits out a halt -----------------------------------
cat >"$T_TMP/timeout.json" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "module": { "load_timeout_ms": 3000 } } ] }
EOC
"$KM" run unload >/dev/null 2>&1
s=$(script init <<'EOF'
set pagination off
break do_init_module
echo kmdash-test: waiting\n
continue
echo kmdash-test: halted\n
shell sleep 8
delete
detach
EOF
)
gdb_start init "$s"
said init "kmdash-test: waiting"
out=$("$KM" --config "$T_TMP/timeout.json" run load 2>&1)
rc=$?
gdb_end
check "gdb stopped the load in the kernel's do_init_module" \
	grep -q "hit Breakpoint 1, .* in do_init_module ()" "$T_TMP/init.out"
check "a load halted 8 s with a 3 s load timeout succeeds" test $rc -eq 0
check "... not timed out" bash -c '! grep -q "has not returned" <<<"$1"' _ "$out"

# --- a benchmark halted in the middle ---------------------------------------
cat >"$T_TMP/bench.json" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "bench": { "args": ["--duration", "4"] } } ] }
EOC
"$KM" --config "$T_TMP/bench.json" run bench >"$T_TMP/bench.out" 2>&1 </dev/null &
bench=$!
track_pid "$bench"
wait_until 60 grep -q '^\[bench\] \.\.\.' "$T_TMP/bench.out"
sleep 1
s=$(script hold <<'EOF'
echo kmdash-test: holding\n
shell sleep 2
detach
EOF
)
gdb_start hold "$s"
gdb_end
wait "$bench"
rc=$?
[ $rc -ne 0 ] || cat "$T_TMP/bench.out" "$T_TMP/hold.out" >&2
check "a benchmark the debugger halted fails" test $rc -ne 0
check "... marked interrupted by the debugger" \
	grep -q '^\[bench\] failed .*interrupted by the debugger' "$T_TMP/bench.out"
hist=$XDG_STATE_HOME/kmdash/qemu/bench-history.jsonl
check "... kept in the history as failed, never a baseline" \
	bash -c 'tail -1 "$1" | grep -q "\"state\":\"failed\".*interrupted by the debugger"' _ "$hist"

# --- gdb merely attached, the VM running: a dead link is DOWN ---------------
"$KM" dmesg -f --json >"$T_TMP/down.json" 2>&1 </dev/null &
dm=$!
track_pid "$dm"
wait_until 60 grep -q '"event":"link","state":"UP"' "$T_TMP/down.json"
s=$(script attached <<'EOF'
echo kmdash-test: running\n
continue
detach
EOF
)
gdb_start attached "$s"
said attached "kmdash-test: running"
# every dropbear but the listener (its parent is init): the links break
vm_ssh qemu 'setsid sh -c "sleep 0.3; for p in \$(pidof dropbear); do set -- \$(cat /proc/\$p/stat); [ \"\$4\" = 1 ] || kill \$p; done" </dev/null >/dev/null 2>&1 &' >/dev/null 2>&1
check "the link goes DOWN while gdb is attached and the VM runs" \
	wait_until 30 grep -q '"event":"link","state":"DOWN"' "$T_TMP/down.json"
# gdb's attach pauses the VM until its continue, a few ms that dmesg -f
# may or may not report: the VM ran by the DOWN, with gdb attached
out=$("$KM" vm status 2>&1)
check "... not taken for a halt: the VM runs" contains "$out" ": running, pid"
check "... with gdb attached" contains "$out" "(a debugger is attached)"
check "... and no halt was left reported before the DOWN" \
	bash -c '! sed -n "1,/\"state\":\"DOWN\"/p" "$1" | grep "\"event\":\"vm\"" | tail -1 | grep -qE "\"state\":\"(halted|paused)"' _ "$T_TMP/down.json"
check "... and comes back" \
	wait_until 60 bash -c '[ "$(grep -c "\"state\":\"UP\"" "$1")" -ge 2 ]' _ "$T_TMP/down.json"
kill -INT "$GDB_PID"
gdb_end
kill "$dm"
wait "$dm" 2>/dev/null

# --- reload: the next gdb, and kmdash-reload-symbols in a running one --------
faulty=$T_BUILD/tests/fixtures/kmod_faulty
make -s kmod KMOD_SRC=tests/fixtures/kmod_faulty KMOD_OUT="$faulty" >/dev/null 2>&1
cat >"$T_TMP/faulty.json" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "module": { "ko": "$faulty/storage_hash.ko" } } ] }
EOC
out=$("$KM" --config "$T_TMP/faulty.json" run reload 2>&1)
check "another build is reloaded" test $? -eq 0
text=$(vm_ssh qemu 'cat /sys/module/storage_hash/sections/.text' 2>/dev/null)
tsize=$(aarch64-linux-gnu-readelf -SW "$faulty/storage_hash.ko" |
	sed -n 's/.*\] \.text  *PROGBITS  *[0-9a-f]*  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
s=$(script again <<'EOF'
set pagination off
break sh_ioctl
echo kmdash-test: waiting\n
continue
delete
detach
EOF
)
gdb_start again "$s"
said again "kmdash-test: waiting"
sectl_stats >/dev/null &
track_pid $!
gdb_end
addr=$(sed -n 's/^Breakpoint 1 at \(0x[0-9a-f]*\):.*/\1/p' "$T_TMP/again.out")
# in_range ADDR START SIZE (hex): START <= ADDR < START + SIZE
in_range() { [ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && (($1 >= $2 && $1 < $2 + 0x$3)); }
check "a new gdb after the reload sets the breakpoint in the new .text" \
	in_range "$addr" "$text" "$tsize"
line=$(stop_line again 1)
line=${line##*:}
check "... and stops in sh_ioctl ($line)" \
	test "${line:-0}" -ge "$fn_first" -a "${line:-0}" -le "$fn_last"

s=$(script follow <<'EOF'
set pagination off
break sh_ioctl
info breakpoints
echo kmdash-test: waiting\n
continue
kmdash-reload-symbols
info breakpoints
echo kmdash-test: reloaded\n
continue
delete
detach
EOF
)
gdb_start follow "$s"
said follow "kmdash-test: waiting"
out=$("$KM" run reload 2>&1)
check "the first build is reloaded while gdb is attached" test $? -eq 0
id=$(aarch64-linux-gnu-readelf -n "$T_BUILD/kmod/storage_hash.ko" |
	sed -n 's/.*Build ID: //p')
check "... and gdb's module.gdb names its build" \
	grep -q "# build id $id" "$(vm_dir qemu)/module.gdb"
kill -INT "$GDB_PID"
said follow "kmdash-test: reloaded"
sectl_stats >/dev/null &
track_pid $!
gdb_end
mapfile -t bps < <(sed -n 's/^1 .* \(0x[0-9a-f]*\) in sh_ioctl at .*/\1/p' "$T_TMP/follow.out")
check "kmdash-reload-symbols moves the breakpoint by name to the new build" \
	test "${#bps[@]}" = 2 -a "${bps[0]:-x}" != "${bps[1]:-x}"
line=$(stop_line follow 1)
line=${line##*:}
check "... where it stops, in sh_ioctl ($line)" \
	test "${line:-0}" -ge "$fn_first" -a "${line:-0}" -le "$fn_last"

# --- what kmdash gdb refuses, and says ---------------------------------------
# a second debugger while one is attached: the stub takes one
s=$(script hold <<'EOF2'
echo kmdash-test: holding\n
continue
detach
EOF2
)
gdb_start hold "$s"
said hold "kmdash-test: holding"
out=$("$KM" gdb -- -batch 2>&1 </dev/null)
rc=$?
check "kmdash gdb while a debugger is attached: exit 1" test $rc -eq 1
check "... says one is attached, and what to do" \
	contains "$out" "a debugger is attached to $(vm_dir qemu)/gdb.sock already"
kill -INT "$GDB_PID"
gdb_end
# a function outside .text: sh_exit, in .exit.text, at its own address
# and line (gdb adds .text's offset to all the debug info's addresses:
# with the sections at 0 in the .ko it named .text's first lines)
ex_first=$(grep -n '^static void __exit sh_exit(' "$SRC" | cut -d: -f1)
ex_last=$(awk -v f="$ex_first" 'NR > f && /^}$/ { print NR; exit }' "$SRC")
exit_text=$(vm_ssh qemu 'cat /sys/module/storage_hash/sections/.exit.text' 2>/dev/null)
out=$("$KM" gdb -- -batch -ex 'break sh_exit' 2>&1 </dev/null)
addr=$(sed -n 's/^Breakpoint 1 at \(0x[0-9a-f]*\):.*/\1/p' <<<"$out")
line=$(sed -n 's/^Breakpoint 1 at .*, line \([0-9]*\)\.$/\1/p' <<<"$out")
exit_size=$(aarch64-linux-gnu-readelf -SW "$T_BUILD/kmod/storage_hash.ko" |
	sed -n 's/.*\] \.exit\.text  *PROGBITS  *[0-9a-f]*  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
check "break sh_exit (.exit.text) is in the live .exit.text ($addr)" \
	in_range "$addr" "$exit_text" "$exit_size"
check "... at a line of sh_exit ($ex_first-$ex_last), not .text's ($line)" \
	test "${line:-0}" -ge "${ex_first:-1}" -a "${line:-0}" -le "${ex_last:-0}"
# no gdb-multiarch: the exit status says 'not found', the message how to fix
out=$(PATH=/nonexistent "$KM" gdb -- -batch 2>&1 </dev/null)
rc=$?
check "without gdb-multiarch: exit 127" test $rc -eq 127
check "... and the message says make deps installs it" \
	contains "$out" "cannot run gdb-multiarch"
# the module not loaded: gdb on the kernel alone, and it says so
out=$("$KM" run unload 2>&1)
check "the module is unloaded" test $? -eq 0
out=$("$KM" gdb -- -batch \
	-ex 'info symbol __arm64_sys_ioctl' 2>&1 </dev/null)
rc=$?
check "kmdash gdb with no module loaded: gdb runs (exit 0)" test $rc -eq 0
check "... it says the module is not loaded" \
	contains "$out" "storage_hash is not loaded"
check "... and the kernel's symbols are there" \
	contains "$out" "__arm64_sys_ioctl in section .text"
# a board: no QEMU, no stub (its SSH port is closed: nothing answers)
cat >"$T_TMP/board.json" <<EOC
{ "targets": [ { "name": "board",
  "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" } } ] }
EOC
out=$("$KM" --config "$T_TMP/board.json" gdb 2>&1 </dev/null)
rc=$?
check "kmdash gdb on a board: exit 1" test $rc -eq 1
check "... says only QEMU targets have a gdbstub" \
	contains "$out" "only QEMU targets have one"
check "... and what a board needs for kgdb" \
	contains "$out" CONFIG_KGDB_SERIAL_CONSOLE
