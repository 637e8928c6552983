#!/usr/bin/env bash
# The command line's conventions, as a user meets them: help for every
# command, options before or after the command and its arguments, "--",
# unknown options and commands refused with "did you mean" (exit 2). No
# target: a board on a closed port, and a build command that fails.
. "$(dirname "$0")/../lib.sh"

KM=${KMDASH:-$T_BUILD/asan/kmdash}
[ -x "$KM" ] || KM=$T_BUILD/kmdash
export XDG_CONFIG_HOME=$T_TMP/xdg XDG_STATE_HOME=$T_TMP/state
# board_config NAME FILE: a board on a closed port whose build fails.
board_config()
{
	mkdir -p "${2%/*}"
	cat >"$2" <<EOC
{
  "targets": [
    { "name": "$1", "ssh": { "host": "127.0.0.1", "port": 1, "user": "root" },
      "build": { "argv": ["false"], "dir": "$T_TMP" } }
  ]
}
EOC
}
# The given config (--config) names its board "board-f"; the default one
# has a board too, so that a command a broken parser runs instead of
# refusing (the old one ran "run buidl") boots no VM.
CFG=$T_TMP/config.json
board_config board-f "$CFG"
board_config board "$XDG_CONFIG_HOME/kmdash/config.json"

# run KMDASH-ARGS...: output (stdout and stderr) in $out, status in $rc.
run() { out=$("$KM" "$@" 2>&1); rc=$?; }
status_is() { [ "$rc" -eq "$1" ] || { echo "exit status $rc, expected $1: $out" >&2; return 1; }; }
lacks() { ! grep -qF -- "$1" <<<"$out" || { echo "unexpected: $1 in: $out" >&2; return 1; }; }

# The three lines of the issue (a board target: the old parser took
# --help for a step and opened a session first).
run -c "$CFG" run --help
check "run --help: exit 0" status_is 0
check "... shows the usage" grep -qE "^usage: kmdash run \[--json\] .*\[--sweep PARAM=V1,V2\] STEP\.\.\.$" <<<"$out"
check "... and the steps" contains "$out" "steps: build, deploy"
check "... not a step" lacks "unknown step"

run -c "$CFG" run build --json
check "run build --json: an option after the step" lacks "unknown step"
check "... every line is a JSON object" \
	bash -c 'while IFS= read -r l; do [[ $l == "{"*"}" ]] || exit 1; done <<<"$1"' _ "$out"
check "... the build failed, so exit 1" status_is 1
check "... and the done event says so" contains "$out" '"event":"done","state":"failed","exit":1'

run config --print --config "$CFG"
check "config --print --config F: exit 0" status_is 0
check "... prints F's target" contains "$out" '"name":	"board-f"'

# Options anywhere, -- ends them.
run --config "$CFG" config --print
check "global option before the command" contains "$out" '"name":	"board-f"'
run config --print -- --config
check "after --, an option is an argument" contains "$out" "unexpected argument '--config'"
check "... exit 2" status_is 2

# Unknown options and commands.
run status --jsn
check "status --jsn: exit 2" status_is 2
check "... did you mean --json" contains "$out" "unknown option '--jsn'; did you mean '--json'?"
check "... with the usage" contains "$out" "usage: kmdash status [--json]"
run vm status --follow
check "another command's option is refused" contains "$out" "kmdash vm: unknown option '--follow'"
run stauts
check "unknown command: exit 2" status_is 2
check "... did you mean status" contains "$out" "unknown command 'stauts'; did you mean 'status'?"
run run buidl
check "unknown step: did you mean build" contains "$out" "unknown step 'buidl'; did you mean 'build'?"
run vm
check "a missing argument: exit 2 and the usage" \
	bash -c '[ "$1" -eq 2 ] && grep -qF "usage: kmdash vm [--name NAME]" <<<"$2"' _ "$rc" "$out"

# vm: what only some verbs take, refused before anything starts.
run vm status --port 2222
check "vm status --port: exit 2" status_is 2
check "... --port is start's" \
	contains "$out" "kmdash vm: --port is an option of 'vm start', not of 'vm status'"
run vm stop now
check "vm stop ARG: exit 2" status_is 2
check "... only ssh takes a command" contains "$out" "unexpected argument 'now' (only 'vm ssh' takes a command)"
run vm status
check "vm on a board: exit 2" status_is 2
check "... it is no VM" contains "$out" "kmdash vm status: target 'board' is not a VM"
# A Pi OS image target: a VM, but not the embedded target's machines.
IMG=$T_TMP/image.json
cat >"$IMG" <<EOC
{ "targets": [ { "name": "img", "vm": { "profile": "image",
  "image": "$T_TMP/pi.img", "kernel": "$T_TMP/kernel8.img", "dtb": "$T_TMP/pi.dtb" } } ] }
EOC
run -c "$IMG" vm start --machine rasp3b
check "vm start --machine rasp3b: exit 2" status_is 2
check "... did you mean raspi3b" contains "$out" "unknown machine 'rasp3b'; did you mean 'raspi3b'? (machines: virt, raspi3b)"
run -c "$IMG" vm start --machine raspi3b
check "--machine on an image target: exit 2" status_is 2
check "... it boots its own image" contains "$out" "--machine is for the embedded target; 'img' boots its own image"
run -c "$IMG" vm start --name ../x
check "vm --name ../x: exit 2, a name names a directory" \
	contains "$out" "--name takes a name of letters, digits, '.', '_' or '-' (it names directories), got '../x'"

# Help from the table: every command of the general help has its own.
run --help
check "--help: exit 0" status_is 0
cmds=$(sed -n '/^commands:/,/^$/s/^  \([a-z]\+\).*/\1/p' <<<"$out")
check "--help lists the commands" test "$(wc -w <<<"$cmds")" -ge 5
for c in $cmds; do
	run help "$c"
	check "help $c: its usage" contains "$out" "usage: kmdash $c"
	run "$c" -h
	check "$c -h: the same help" test "$out" = "$("$KM" help "$c" 2>&1)"
done
run help nosuch
check "help of an unknown command: exit 2" status_is 2
