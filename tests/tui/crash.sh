#!/usr/bin/env bash
# The crash in the dashboard, against the embedded target: `a` twice works
# (the second reloads), an oops in the benchmark puts the decoded location
# on the kernel log's banner, Enter opens $EDITOR at that line (in a new
# tmux window: we are inside tmux), `u` explains why the module stays, and
# `a` then offers the reset that brings the target back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/tmux.sh"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	skip "the crash in the dashboard" "the embedded target is not built (make target)"
	exit 0
fi
T_VMS+=(qemu)

faulty=$T_BUILD/tests/fixtures/kmod_faulty
make -s kmod KMOD_SRC=tests/fixtures/kmod_faulty KMOD_OUT="$faulty" >/dev/null 2>&1
line=$(grep -n 'kmdash-test: oops \*/' "$T_ROOT/tests/fixtures/kmod_faulty/storage_hash.c" | cut -d: -f1)

# The editor: records its arguments, then leaves.
cat >"$T_TMP/editor" <<EOS
#!/bin/sh
printf '%s\n' "\$@" >"$T_TMP/editor.args"
EOS
chmod +x "$T_TMP/editor"

# The faulty module in the dashboard's config (a second file: the default
# target, then this one through --config).
cat >"$T_TMP/faulty.json" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "build": { "argv": ["true"] },
  "module": { "ko": "$faulty/storage_hash.ko",
              "params": ["fault=oops", "fault_after=20000"] },
  "bench": { "args": ["--duration", "3"] } } ] }
EOC

KMDASH_EXTRA= dash_run good 160 45 "$KMDASH"
check "the dashboard comes up with the link" wait_screen good "link UP" 90
keys good a
check "a: the first cycle succeeds" wait_screen good "last: cycle ok" 120
keys good a
check "a again, with the module loaded: it unloads it first" \
	wait_screen good "storage_hash: unloaded" 60
check "... and the cycle succeeds" wait_screen good "last: cycle ok" 120
keys good q
wait_exit good >/dev/null

# The message line above the key bar has the whole reason.
dash_run bad 160 45 "EDITOR=$T_TMP/editor" "$KMDASH" --config "$T_TMP/faulty.json"
check "the faulty module's dashboard comes up" wait_screen bad "link UP" 90
keys bad a
check "a: the cycle fails with the oops as its reason" \
	wait_msg bad "bench failed after" 120
check "... naming the module and the marked line" \
	wait_msg bad "kernel oops in storage_hash at kmod/storage_hash.c:$line" 10
check "the kernel log's banner names the location" \
	wait_screen bad "OOPS in storage_hash at kmod/storage_hash.c:$line (" 10
check "... and the keys" wait_screen bad "o: jump, Enter: open"
check "the status bar says the module oopsed" wait_screen bad "oopsed at"
keys bad o
keys bad Enter
opened() { [ -s "$T_TMP/editor.args" ]; }
check "Enter on the decoded frame runs \$EDITOR" wait_until 10 opened
check "... with +LINE of the marked line" \
	grep -qx "+$line" "$T_TMP/editor.args"
check "... and the module's source file" \
	grep -qx "$T_ROOT/kmod/storage_hash.c" "$T_TMP/editor.args"
check "... in a tmux window of its own, named for it" \
	bash -c 'tmux -S "$1" list-windows -t bad -F "#{window_name}" | grep -qx kmdash-edit' _ "$TM_SOCK"
# back to the dashboard's window (the editor's shows its dead pane)
tm kill-window -t bad:kmdash-edit
keys bad u
check "u after the oops explains why the module stays" \
	wait_msg bad "never released it" 20
check "... and names the way out" wait_msg bad "press R to reset the VM"
keys bad a
check "a after the oops offers the reset" \
	wait_screen bad "Reset the VM, then run the cycle? (y/n)" 10
keys bad n
check "n keeps the VM as it is" wait_gone bad "Reset the VM, then run" 5
keys bad q
wait_exit bad >/dev/null

# The same trace in a 50-column side pane, its lines wrapped: o and
# Enter still open the marked line.
rm -f "$T_TMP/editor.args"
dash_run side 50 20 "EDITOR=$T_TMP/editor" "$KMDASH" --config "$T_TMP/faulty.json" --pane dmesg
check "50x20 --pane dmesg: the oops banner" wait_screen side "OOPS in storage_hash" 30
keys side o
keys side Enter
check "... o, Enter on the wrapped trace runs \$EDITOR" wait_until 10 opened
check "... at the marked line" grep -qx "+$line" "$T_TMP/editor.args"
tm kill-window -t side:kmdash-edit 2>/dev/null
keys side q
wait_exit side >/dev/null
