#!/usr/bin/env bash
# Deploy + load of storage_hash on the embedded target (unload, upload of
# the .ko, insmod, the module's "loaded" kernel line): kmdash against
# OpenSSH on the same guest, same run, median of RUNS (default 5). kmdash
# ships the .ko without debug sections (module.strip); the session is also
# measured with strip off, copying the same 620 KiB as scp.
#   kmdash CLI      `kmdash run reload`: one process per cycle, pays its
#                   own connect (and waits up to 200 ms for kernel lines)
#   kmdash session  one long-lived session (tests/bench/reloaddrive.c):
#                   the dashboard's steady state, no handshake per cycle
#   OpenSSH         scp -F ssh_config + ssh 'rmmod; insmod' (two handshakes)
#   OpenSSH mux     the same over a ControlMaster connection (informational:
#                   what a well-tuned shell setup gets)
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

RUNS=${KMDASH_BENCH_RUNS:-5}
make -s kmod >"$T_TMP/build.log" 2>&1 || { cat "$T_TMP/build.log"; exit 1; }
bench_cc "$T_TMP/reloaddrive" tests/bench/reloaddrive.c || exit 1
# kmdash's embedded default target is called qemu: it attaches to this VM.
vm_start qemu >/dev/null || { echo "boot failed"; exit 1; }
cfg=$(vm_dir qemu)/ssh_config
ko=$T_BUILD/kmod/storage_hash.ko
# The tools are uploaded once when missing: not part of the cycle.
kfails=()
# kmdash_reload: one timed `kmdash run reload`; a failed one is counted
# and retried (RUNS failures in all end the benchmark).
kmdash_reload()
{
	local t0
	while :; do
		t0=$(now)
		if "$KMDASH" run reload >"$T_TMP/cli.log" 2>&1 &&
			grep -q 'storage_hash: loaded' "$T_TMP/cli.log"; then
			KTIME=$(elapsed "$t0")
			return 0
		fi
		kfails+=("$(grep -m1 -E 'failed|error' "$T_TMP/cli.log" || tail -1 "$T_TMP/cli.log")")
		[ ${#kfails[@]} -lt "$RUNS" ] || { echo "kmdash run reload failed ${#kfails[@]} times:"; cat "$T_TMP/cli.log"; exit 1; }
	done
}
kmdash_reload

cli=() sess=() ossh=() mux=()
for i in $(seq "$RUNS"); do
	kmdash_reload
	cli+=("$KTIME")

	t0=$(now)
	scp -q -F "$cfg" "$ko" kmdash-target:/tmp/kmdash/storage_hash.ko &&
		ssh -F "$cfg" kmdash-target 'rmmod storage_hash 2>/dev/null; insmod /tmp/kmdash/storage_hash.ko && dmesg | tail -1' \
			>"$T_TMP/ossh.log" 2>&1 || { echo "OpenSSH deploy failed"; cat "$T_TMP/ossh.log"; exit 1; }
	ossh+=("$(elapsed "$t0")")
	grep -q 'storage_hash: loaded' "$T_TMP/ossh.log" || { echo "no load line from OpenSSH:"; cat "$T_TMP/ossh.log"; exit 1; }
done
"$T_TMP/reloaddrive" "$RUNS" reload >"$T_TMP/sess.log" 2>&1 || { cat "$T_TMP/sess.log"; exit 1; }
mapfile -t sess < <(awk '/^run / { print $3 }' "$T_TMP/sess.log")
while IFS= read -r l; do kfails+=("session: $l"); done < <(grep '^fail ' "$T_TMP/sess.log")
# The same with module.strip off: the whole 620 KiB .ko goes, as with scp.
cat >"$T_TMP/nostrip.json" <<'EOC'
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" }, "module": { "strip": [] } } ] }
EOC
"$T_TMP/reloaddrive" -c "$T_TMP/nostrip.json" "$RUNS" reload >"$T_TMP/full.log" 2>&1 || { cat "$T_TMP/full.log"; exit 1; }
mapfile -t full < <(awk '/^run / { print $3 }' "$T_TMP/full.log")
while IFS= read -r l; do kfails+=("session, not stripped: $l"); done < <(grep '^fail ' "$T_TMP/full.log")
ship=$(sed -n 's/.*deployed storage_hash.ko (\([0-9]* KiB[^,]*\),.*/\1/p' "$T_TMP/sess.log" | tail -1)

# OpenSSH with a master connection: the handshake is paid once.
mo=(-o ControlMaster=auto -o ControlPath="$T_TMP/mux.%C" -o ControlPersist=60)
ssh -F "$cfg" "${mo[@]}" kmdash-target true || { echo "OpenSSH master failed"; exit 1; }
for i in $(seq "$RUNS"); do
	t0=$(now)
	scp -q -F "$cfg" "${mo[@]}" "$ko" kmdash-target:/tmp/kmdash/storage_hash.ko &&
		ssh -F "$cfg" "${mo[@]}" kmdash-target 'rmmod storage_hash 2>/dev/null; insmod /tmp/kmdash/storage_hash.ko' ||
		{ echo "OpenSSH mux deploy failed"; exit 1; }
	mux+=("$(elapsed "$t0")")
done
ssh -F "$cfg" "${mo[@]}" -O exit kmdash-target 2>/dev/null

c=$(median "${cli[@]}") s=$(median "${sess[@]}") o=$(median "${ossh[@]}") m=$(median "${mux[@]}")
f=$(median "${full[@]}")
echo "unload + upload of the .ko + insmod + 'loaded' kernel line, virt guest; median of $RUNS"
echo "kmdash ships the .ko without debug sections (module.strip, like INSTALL_MOD_STRIP=1: $ship);"
echo "OpenSSH copies the 620 KiB .ko as built; 'not stripped' is kmdash copying that too"
report "kmdash session (long-lived), per cycle" "$s" s "all: ${sess[*]}"
report "kmdash session, not stripped (620 KiB)" "$f" s "all: ${full[*]}"
report "kmdash run reload (one process per cycle)" "$c" s "all: ${cli[*]}"
report "OpenSSH scp + ssh insmod" "$o" s "all: ${ossh[*]}"
report "OpenSSH scp + ssh over ControlMaster" "$m" s "all: ${mux[*]} (informational)"
r1=$(ratio "$o" "$s") r2=$(ratio "$o" "$c") r3=$(ratio "$o" "$f")
report "speed-up, kmdash session vs scp + ssh" "$r1" x "goal >= 5x: $(goal_min "$r1" 5)"
report "speed-up, session not stripped vs scp + ssh" "$r3" x "the same bytes as scp: $(goal_min "$r3" 5)"
report "speed-up, kmdash run reload vs scp + ssh" "$r2" x "no goal: one process per cycle pays a handshake like scp does (the 5x goal is the session's: no handshake)"
report "speed-up, kmdash session vs OpenSSH mux" "$(ratio "$m" "$s")" x "no goal"
if [ ${#kfails[@]} -gt 0 ]; then
	echo "kmdash runs that failed and were retried (not in the figures): ${#kfails[@]}"
	printf '  %s\n' "${kfails[@]}"
fi
