#!/usr/bin/env bash
# kmdash status --json against the embedded target carries what the text
# says: the config file, the VM's pid and port (as its runtime directory
# has them), the link with its RTT, the module as a fixed word with its
# refcount and build id, and the last benchmark; loaded and unloaded.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/config
KM=$T_BUILD/kmdash
T_VMS+=(qemu)
CFG=$T_TMP/status.json
cat >"$CFG" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
                 "bench": { "args": ["--duration", "1"] } } ] }
EOC

out=$("$KM" --config "$CFG" run build deploy load bench 2>&1)
check "the module is loaded and benchmarked" contains "$out" "build+deploy+load+bench succeeded"

# field JSON PATH: one value of the object ("link.state"), as Python prints it.
field()
{
	python3 -c 'import json, sys
o = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    o = o[k] if isinstance(o, dict) and k in o else "(absent)"
print("null" if o is None else str(o).lower() if isinstance(o, bool) else o)' "$1" "$2"
}
# is FIELD WANT: with the JSON and the text in $json / $text.
is() { local got; got=$(field "$json" "$1"); [ "$got" = "$2" ] && return 0
	echo "$1: got '$got', want '$2'" >&2; return 1; }

json=$("$KM" --config "$CFG" status --json)
check "status --json: exit 0 with the target up" test $? -eq 0
text=$("$KM" --config "$CFG" status)
check "status --json: one JSON object" python3 -c 'import json, sys; json.loads(sys.argv[1])' "$json"
check "the config file read" is config "$CFG"
check "the VM's pid, as its runtime directory has it" \
	is vm.pid "$(cat "$(vm_dir qemu)/qemu.pid")"
check "the VM's port, as its runtime directory has it" \
	is vm.port "$(cat "$(vm_dir qemu)/port")"
check "the VM's stage, as the text says it" \
	is vm.stage "$(sed -n 's/^vm  *\([a-z-]*\).*/\1/p' <<<"$text")"
check "the link UP" is link.state UP
check "... with its RTT (not -1 while UP)" \
	python3 -c 'import json, sys; r = json.loads(sys.argv[1])["link"]["rtt_us"]; sys.exit(not (isinstance(r, (int, float)) and r >= 0))' "$json"
check "the module as a fixed word" is module.state loaded
check "... with its refcount" is module.refcnt "$(sed -n 's/.*(refcnt \([0-9]*\).*/\1/p' <<<"$text")"
id=$(field "$json" module.build_id)
check "... and build id, the one the text begins" \
	contains "$text" "build id ${id:0:12}"
check "... not crashed" is module.crashed false
# the text rounds: the same number to the unit
same_ops() { python3 -c 'import sys; sys.exit(not (sys.argv[2] and abs(float(sys.argv[1]) - float(sys.argv[2])) <= 0.5))' \
	"$(field "$json" bench.ops_s)" "$(sed -n 's/^bench .*, \([0-9]*\) ops\/s.*/\1/p' <<<"$text")"; }
check "the last benchmark's ops/s, as the text says it" same_ops
check "... and its state" is bench.state ok
check "no gdbstub: no gdb key" is gdb "(absent)"

"$KM" --config "$CFG" run unload >/dev/null 2>&1
json=$("$KM" --config "$CFG" status --json)
check "unloaded: the module's word is not_loaded" is module.state not_loaded
check "... and no refcount" is module.refcnt null
