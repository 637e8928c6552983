#!/usr/bin/env bash
# kmdash run against the embedded target, end to end: the full cycle
# (build, deploy, load, bench), unload, what the kernel log shows, the
# explained failures, and a reset in the middle of a followed log.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/config
KM=$T_BUILD/kmdash
# The session boots the target's VM when needed and leaves it running;
# it is the default target's, named after it.
T_VMS+=(qemu)

out=$("$KM" run cycle 2>&1)
rc=$?
check "run cycle exits 0" test "$rc" -eq 0
check "the build step succeeds" contains "$out" "[build] ok"
check "deploy uploads and verifies" contains "$out" "sha256 verified"
# What goes to the target is the .ko without its debug sections (what
# make modules_install INSTALL_MOD_STRIP=1 installs); the build keeps them.
check "deploy ships the module without debug sections" \
	contains "$out" "without debug sections"
aarch64-linux-gnu-strip --strip-debug -o "$T_TMP/stripped.ko" "$T_BUILD/kmod/storage_hash.ko"
want=$(sha256sum <"$T_TMP/stripped.ko" | cut -d' ' -f1)
got=$(vm_ssh qemu 'sha256sum </tmp/kmdash/storage_hash.ko' </dev/null | cut -d' ' -f1)
check "the module on the target is that stripped copy" test "$want" = "$got"
check "the local build keeps its debug sections" \
	bash -c "readelf -S '$T_BUILD/kmod/storage_hash.ko' | grep -q debug_info"
check "the module loads" contains "$out" "[load] ok"
check "the kernel log shows the module's load line" \
	grep -qE 'kernel: .*storage_hash: loaded' <<<"$out"
check "the benchmark ran and reports ops/s" \
	grep -qE '\[bench\] ok .*kmod: [0-9]+ ops/s' <<<"$out"
check "the result says succeeded" contains "$out" "cycle succeeded"
journal=$(sed -n 's/^journal: //p' <<<"$out")
check "the session journal holds the actions" \
	grep -q 'job cycle ok' "$journal/actions.log"
check "the journal holds the kernel log" \
	grep -q 'storage_hash: loaded' "$journal/kmsg.log"
check "the journal holds the build output" test -s "$journal/build.log"
check "the journal holds the benchmark lines" \
	grep -q '"type":"summary"' "$journal/bench.jsonl"
check "the run is in the benchmark history" \
	test -s "$XDG_STATE_HOME/kmdash/qemu/bench-history.jsonl"

out=$("$KM" status 2>&1)
check "status: link UP" contains "$out" "link      UP"
check "status: module loaded" contains "$out" "storage_hash loaded"
check "status: the last benchmark" contains "$out" "bench     last run: kmod"

out=$("$KM" run load 2>&1)
check "loading it again fails" test $? -eq 1
check "... as already loaded" contains "$out" "storage_hash is already loaded"

# A process holds the device open: unload must say so.
holder=$(vm_ssh qemu 'sleep 30 </dev/storage-hash >/dev/null 2>&1 & echo $!' </dev/null)
out=$("$KM" run unload 2>&1)
check "unload while in use fails" test $? -eq 1
check "... as in use" contains "$out" "storage_hash is in use"
vm_ssh qemu "kill $holder" </dev/null

out=$("$KM" run unload 2>&1)
check "run unload exits 0" test $? -eq 0
check "the kernel log shows the unload line" \
	grep -qE 'kernel: .*storage_hash: unloaded' <<<"$out"
check "status: module not loaded" \
	contains "$("$KM" status 2>&1)" "storage_hash not loaded"
out=$("$KM" run unload 2>&1)
check "unloading what is not loaded fails, saying so" \
	contains "$out" "storage_hash is not loaded"
out=$("$KM" run reload 2>&1)
check "reload of a module that is not loaded still works" \
	test $? -eq 0

# In one session the unload of a reload overlaps the upload of the new
# module; the load that follows gets the new one.
out=$("$KM" run deploy unload deploy load 2>&1)
check "deploy, unload, deploy, load in one run: exit 0" test $? -eq 0
check "... the upload went during the unload" \
	contains "$out" "(written during the unload)"
check "... and the module loaded after it" contains "$out" "[load] ok"
check "... and the last line names every step" \
	contains "$out" "deploy+unload+deploy+load succeeded"

# module_config NAME MODULE: the embedded target with "module": MODULE
# (JSON) in $T_TMP/NAME.json; prints the path.
module_config()
{
	cat >"$T_TMP/$1.json" <<EOC
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
                 "module": $2 } ] }
EOC
	echo "$T_TMP/$1.json"
}
# reload_with_strip ARGV: `kmdash run reload` with module.strip = ARGV (JSON).
reload_with_strip()
{
	"$KM" --config "$(module_config strip "{ \"strip\": $1 }")" run reload 2>&1
}

# A strip command that is not installed: the .ko goes as built, saying so.
out=$(reload_with_strip '["kmdash-no-such-strip", "-g"]')
check "a missing strip command: the reload still succeeds" test $? -eq 0
check "... saying the module was not stripped and why" \
	contains "$out" "not stripped: kmdash-no-such-strip is not installed"
got=$(vm_ssh qemu 'sha256sum </tmp/kmdash/storage_hash.ko' </dev/null | cut -d' ' -f1)
check "... and the target has the .ko as built" \
	test "$got" = "$(sha256sum <"$T_BUILD/kmod/storage_hash.ko" | cut -d' ' -f1)"

# A strip that fails: its own message is in the note.
out=$(reload_with_strip '["aarch64-linux-gnu-strip", "--no-such-option"]')
check "a failing strip: the reload still succeeds" test $? -eq 0
check "... saying why, in the strip's own words" \
	contains "$out" "not stripped: aarch64-linux-gnu-strip exited with status 1: aarch64-linux-gnu-strip: unrecognized option '--no-such-option'"

# An upload the target refuses (sysfs takes no new files): the deploy
# fails naming the file and why. The ASan build: the message was read
# from the freed upload once.
out=$("$T_BUILD/asan/kmdash" --config "$(module_config sysfs '{ "remote_dir": "/sys/kernel" }')" run deploy 2>&1)
check "a refused upload: deploy fails (exit 1)" test $? -eq 1
check "... naming the file and the SFTP error" \
	grep -qE "upload of .*storage_hash.ko to /sys/kernel/.*: creating the file failed: " <<<"$out"
check "... and nothing else went wrong (no sanitizer report)" \
	bash -c '! grep -q "Sanitizer" <<<"$1"' _ "$out"

out=$("$KM" --json run unload 2>&1)
check "--json: every line is a JSON object" \
	bash -c 'while IFS= read -r l; do [[ $l == "{"*"}" ]] || exit 1; done <<<"$1"' _ "$out"
check "--json: a done event with exit 0" \
	contains "$out" '"event":"done","state":"ok","exit":0'

out=$("$KM" run explode 2>&1)
check "an unknown step is a usage error (exit 2)" test $? -eq 2
check "... naming it" contains "$out" "unknown step 'explode'"

# A module built for another kernel release: refused before upload.
mkdir -p "$XDG_CONFIG_HOME/kmdash"
sed 's/6\.1\.0-[0-9]*-arm64 SMP/6.1.0-99-arm64 SMP/' \
	"$T_BUILD/kmod/storage_hash.ko" >"$T_TMP/other.ko"
out=$("$KM" --config "$(module_config vermagic "{ \"ko\": \"$T_TMP/other.ko\" }")" run deploy 2>&1)
check "a module for another kernel is refused" test $? -eq 1
check "... with both releases named" \
	grep -qE 'module built for 6\.1\.0-99-arm64, target runs 6\.1\.0-[0-9]+-arm64' <<<"$out"

# A module needing a symbol the target does not export.
make -s kmod KMOD_SRC=tests/fixtures/kmod_usym \
	KMOD_OUT="$T_BUILD/tests/fixtures/kmod_usym" >/dev/null 2>&1
usym=$(module_config usym "{ \"name\": \"kmod_usym\",
      \"ko\": \"$T_BUILD/tests/fixtures/kmod_usym/kmod_usym.ko\" }")
out=$("$KM" --config "$usym" run deploy load 2>&1)
check "a module with an unknown symbol fails to load" test $? -eq 1
check "... and the symbol is named" \
	contains "$out" "unknown symbol usbnet_get_endpoints"

# system_reset while the log is followed: DOWN, UP, no duplicates.
"$KM" --json dmesg -f >"$T_TMP/follow.jsonl" 2>"$T_TMP/follow.err" &
follower=$!
track_pid $follower
has_records() { grep -q '"event":"kmsg"' "$T_TMP/follow.jsonl"; }
wait_until 30 has_records
check "dmesg -f streams records" has_records
check "vm reset is confirmed" "$KM" vm reset
came_back() { grep -q '"marker":"reboot"' "$T_TMP/follow.jsonl" &&
	grep -q 'storage_hash\|Run /init' <(sed -n '/"marker":"reboot"/,$p' "$T_TMP/follow.jsonl"); }
wait_until 60 came_back
kill "$follower" 2>/dev/null
wait "$follower" 2>/dev/null
f=$T_TMP/follow.jsonl
check "the follower saw the link go DOWN" \
	grep -q '"event":"link","state":"DOWN"' "$f"
check "... and come back UP by itself" \
	bash -c 'grep "\"event\":\"link\"" "$1" | tail -1 | grep -q "\"state\":\"UP\""' _ "$f"
if ! grep -q '"marker":"reboot"' "$f"; then
	echo "follower: $(wc -l <"$f") lines; link events and the last lines:"
	grep '"event":"link"' "$f"
	tail -3 "$f" | cut -c1-160
	cat "$T_TMP/follow.err"
fi
check "the reboot is marked" grep -q '"marker":"reboot"' "$f"
check "the new boot's log follows the marker" \
	bash -c 'sed -n "/\"marker\":\"reboot\"/,\$p" "$1" | grep -q "Booting Linux"' _ "$f"
# Within each boot, every sequence number appears once.
check "no record is duplicated" \
	bash -c 'awk "/\"marker\":\"reboot\"/ { boot++ } /\"event\":\"kmsg\"/ { match(\$0, /\"seq\":[0-9]+/); k = boot \":\" substr(\$0, RSTART, RLENGTH); if (seen[k]++) { print \"duplicate \" k; bad = 1 } } END { exit bad }" "$1"' _ "$f"
check "the follower reported no error" test ! -s "$T_TMP/follow.err"

check "vm stop stops the VM" "$KM" vm stop
no_qemu() { ! pgrep -f "qemu-system-aarch64 .*$KMDASH_RUNTIME_DIR" >/dev/null; }
check "no QEMU of this test is left" wait_until 10 no_qemu
