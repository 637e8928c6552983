#!/usr/bin/env bash
# When the module breaks, against the embedded target: a step's result is
# the truth (an oops, BUG or panic fails it, a WARNING is counted), the
# trace is decoded to the line the fixture marks, an old oops never fails
# a new step, the way back is named, and R brings the target back.
# Faults come from tests/fixtures/kmod_faulty (storage_hash with a test
# fault in sh_get) and tests/fixtures/kmod_crash (crashmod: a fault per
# `mode`); the expected lines are the fixtures' marked ones.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/config
KM=$T_BUILD/kmdash
T_VMS+=(qemu)

# marked FILE TAG: the line number of "kmdash-test: TAG" in FILE.
marked() { grep -n "kmdash-test: $2 \*/" "$1" | head -1 | cut -d: -f1; }
# marked_in DIR TAG: "FILE LINE" of the marker among DIR's sources.
marked_in()
{
	local f

	f=$(grep -l "kmdash-test: $2 \*/" "$1"/*.c | head -1)
	echo "$f $(marked "$f" "$2")"
}

faulty=$T_BUILD/tests/fixtures/kmod_faulty
crashd=$T_BUILD/tests/fixtures/kmod_crash
make -s kmod KMOD_SRC=tests/fixtures/kmod_faulty KMOD_OUT="$faulty" >/dev/null 2>&1
make -s kmod KMOD_SRC=tests/fixtures/kmod_crash KMOD_OUT="$crashd" >/dev/null 2>&1
check "the fault fixtures build" test -s "$faulty/storage_hash.ko" -a -s "$crashd/crashmod.ko"

oops_line=$(marked tests/fixtures/kmod_faulty/storage_hash.c oops)
bug_line=$(marked tests/fixtures/kmod_faulty/storage_hash.c bug)

# config NAME MODULE [EXTRA]: the embedded target with "module": MODULE.
config()
{
	cat >"$T_TMP/$1.json" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
                 "module": $2, "bench": { "args": ["--duration", "3"] } } ] }
EOC
	echo "$T_TMP/$1.json"
}
faulty_cfg() # FAULT
{
	config "faulty-$1" "{ \"ko\": \"$faulty/storage_hash.ko\",
	  \"params\": [\"fault=$1\", \"fault_after=20000\"] }"
}
crash_cfg() # MODE [LOAD_TIMEOUT_MS]
{
	config "crash-$1" "{ \"name\": \"crashmod\", \"ko\": \"$crashd/crashmod.ko\",
	  \"params\": [\"mode=$1\"], \"load_timeout_ms\": ${2:-10000} }"
}
# reset: the VM back, as R does; the next step waits for the link.
reset() { "$KM" vm reset >/dev/null 2>&1; }

# --- an oops inside the ioctl, half a second into the benchmark ----------
out=$("$KM" run cycle 2>&1)
check "a clean cycle first (exit 0)" test $? -eq 0
out=$("$KM" --config "$(faulty_cfg oops)" run reload 2>&1)
check "the faulty engine loads" test $? -eq 0
# The benchmark program itself: an oops ends only the calling thread.
out=$(vm_ssh qemu 'cd /tmp/kmdash && ./sebench --duration 3; echo "exit=$?"' 2>&1 </dev/null)
check "sebench exits non-zero when a worker died in the ioctl" \
	grep -qx 'exit=1' <<<"$out"
check "... without a summary line" \
	bash -c '! grep -q "\"type\":\"summary\"" <<<"$1"' _ "$out"
check "... saying why" grep -q "was killed inside the module's ioctl" <<<"$out"
out=$("$KM" --config "$(faulty_cfg oops)" run bench 2>&1)
check "oops in an ioctl: run exits non-zero" test $? -ne 0
check "... the bench step fails" grep -q '^\[bench\] failed' <<<"$out"
check "... with the oops as its reason, at the marked line" \
	grep -qE "^\[bench\] failed .*kernel oops in storage_hash at kmod/storage_hash.c:$oops_line \(" <<<"$out"
check "... and the decoded frame is printed under the trace" \
	grep -qE "decode .*-> .*kmod/storage_hash.c:$oops_line" <<<"$out"
check "... inlined into sh_do_op, as the chain shows" \
	grep -qE "decode .*storage_hash.c:$oops_line .*\(inlined by\) .*sh_do_op" <<<"$out"
hist=$XDG_STATE_HOME/kmdash/qemu/bench-history.jsonl
# set_states: the state of each set of runs in the history, in order
set_states() { grep '"type":"set"' "$hist" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4 | tr '\n' ' '; }
check "the broken run is in the history, its set marked failed" \
	bash -c '[[ "$1" == *"failed " ]]' _ "$(set_states)"
check "... and never a baseline: the set before it was done" \
	bash -c '[[ "$1" == *"done failed " ]]' _ "$(set_states)"
check "... its run is marked failed too" \
	bash -c 'grep -v "\"type\":\"set\"" "$1" | tail -1 | grep -q "\"state\":\"failed\""' _ "$hist"

out=$("$KM" status 2>&1)
check "status: the module is marked oopsed" \
	grep -qE "module +storage_hash loaded, oopsed at [0-9]+\.[0-9] s, kernel tainted [A-Z]*D" <<<"$out"
out=$("$KM" --config "$(faulty_cfg oops)" run unload 2>&1)
check "unload after the oops fails" test $? -ne 0
check "... saying the oops leaked the reference and R is the way out" \
	grep -q "never released it.*press R to reset the VM" <<<"$out"

# A new process replays the log: the old oops does not fail a new step.
out=$("$KM" --config "$(faulty_cfg oops)" run deploy 2>&1)
check "an old oops replayed on connect fails no new step" test $? -eq 0

# --- R brings the target back, and the one-key loop works twice ---------
reset
out=$("$KM" run cycle 2>&1)
check "after a reset, a cycle succeeds" test $? -eq 0
out=$("$KM" run cycle 2>&1)
check "a second cycle with the module loaded succeeds (it reloads)" \
	test $? -eq 0
check "... unloading the loaded module first" \
	grep -q '^\[unload\] ok' <<<"$out"

# --- BUG_ON inside the ioctl ---------------------------------------------
out=$("$KM" --config "$(faulty_cfg bug)" run reload bench 2>&1)
check "BUG in an ioctl: the bench step fails" \
	grep -qE "^\[bench\] failed .*kernel BUG in storage_hash at kmod/storage_hash.c:$bug_line \(" <<<"$out"
reset

# --- crashmod: an oops in module_init (.init.text) -----------------------
read -r file line < <(marked_in tests/fixtures/kmod_crash init_oops)
out=$("$KM" --config "$(crash_cfg init_oops)" run deploy load 2>&1)
check "oops in module_init: the load fails" test $? -ne 0
check "... as module init crashed, decoded to the marked .init.text line" \
	grep -qE "^\[load\] failed .*module init crashed: kernel oops in crashmod at $file:$line \(" <<<"$out"
reset

# --- WARN_ON: ok, with a warning, decoded ---------------------------------
read -r file line < <(marked_in tests/fixtures/kmod_crash warn)
out=$("$KM" --json --config "$(crash_cfg warn)" run deploy load 2>&1)
check "WARN_ON in init: the load succeeds" test $? -eq 0
check "... with 1 kernel warning in the JSON step event" \
	grep -q '"step":"load","state":"ok".*"kernel_warnings":1' <<<"$out"
out=$("$KM" --config "$(crash_cfg warn)" run reload 2>&1)
check "... and in words, decoded to the marked line" \
	grep -qE "^\[load\] ok .*with 1 kernel warning \(kernel warning in crashmod at $file:$line \(" <<<"$out"
"$KM" --config "$(crash_cfg warn)" run unload >/dev/null 2>&1

# --- an init that spins: the load times out --------------------------------
out=$("$KM" --config "$(crash_cfg spin 3000)" run deploy load 2>&1)
check "a spinning init: the load fails" test $? -ne 0
check "... saying insmod has not returned (module init stuck?)" \
	grep -q "insmod has not returned after 3 s (module init stuck?)" <<<"$out"
check "... and what to do" grep -q "R resets the VM" <<<"$out"
reset

# --- a stale build: the deployed copy decodes, not the rebuilt one --------
read -r file line < <(marked_in tests/fixtures/kmod_crash exit_oops)
out=$("$KM" --config "$(crash_cfg exit_oops)" run deploy load 2>&1)
check "the exit-oops module loads" test $? -eq 0
# Rebuilt after the deploy: another binary (another build id) at that path.
make -s kmod KMOD_SRC=tests/fixtures/kmod_crash KMOD_OUT="$T_TMP/rebuilt" \
	KCFLAGS=-DCRASHMOD_REBUILT >/dev/null 2>&1
cp "$crashd/crashmod.ko" "$T_TMP/deployed.ko"
cp "$T_TMP/rebuilt/crashmod.ko" "$crashd/crashmod.ko"
out=$("$KM" --config "$(crash_cfg exit_oops)" run unload 2>&1)
check "an oops in module_exit (.exit.text): the unload fails" test $? -ne 0
check "... decoded with the deployed copy to the marked line" \
	grep -qE "module exit crashed: kernel oops in crashmod at $file:$line \(" <<<"$out"
rm -rf "$XDG_STATE_HOME/kmdash/qemu/ko"
out=$("$KM" --config "$(crash_cfg exit_oops)" dmesg 2>&1)
check "without the kept copy, it is not decoded against the wrong binary" \
	grep -q "not decoded: the build id of the loaded module" <<<"$out"
cp "$T_TMP/deployed.ko" "$crashd/crashmod.ko"
reset

# --- panic(): the console tells it, the link goes down saying so ----------
read -r file line < <(marked_in tests/fixtures/kmod_crash panic)
out=$("$KM" --config "$(crash_cfg panic)" run deploy load 2>&1)
check "panic in init: the load fails" test $? -ne 0
check "... the link goes DOWN with the panic as its reason" \
	grep -q -- "-- link DOWN: kernel panic: " <<<"$out"
# The panic usually cuts the SSH stream, and its text comes from the
# console, marked "(console)"; on a busy host the stream may still bring
# it first (one run in five once), and the console's copy is its twin.
# Either way the kernel's own line is shown (the link's reason says
# "kernel panic:", never this).
check "... the panic text is shown (from the console if the stream was cut)" \
	grep -q "Kernel panic - not syncing" <<<"$out"
check "... and is decoded to the marked line" \
	grep -qE "decode .*-> .*$file:$line" <<<"$out"
reset
out=$("$KM" run cycle 2>&1)
check "after R, a cycle succeeds again" test $? -eq 0

check "vm stop stops the VM" "$KM" vm stop
