#!/usr/bin/env bash
# The edit loop on the embedded target: one line of the module changed ->
# cross-build -> unload -> deploy -> load -> the module's first kernel line
# of the new build, median of RUNS (default 5). The module is a copy of
# kmod/ in a temp dir (the checkout is never touched), built and loaded
# through a config file pointing at it; each run changes the text of the
# module's "loaded" line ("loaded: gen N, ...") and waits for exactly it.
#   kmdash CLI      `kmdash run build reload`, until the line is printed
#   kmdash session  one long-lived session (tests/bench/reloaddrive.c)
#   shell           make kmod + scp + ssh 'rmmod; insmod; dmesg | tail'
# Goal: <= 3 s; the original setup guide: "< 2 minutes".
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

RUNS=${KMDASH_BENCH_RUNS:-5}
make -s kmod >"$T_TMP/build.log" 2>&1 || { cat "$T_TMP/build.log"; exit 1; }
bench_cc "$T_TMP/reloaddrive" tests/bench/reloaddrive.c || exit 1
src=$T_TMP/src out=$T_TMP/out
cp -r kmod "$src"
cp kmod/storage_hash.c "$T_TMP/pristine.c"
grep -q 'pr_info("loaded: device' "$src/storage_hash.c" || { echo "the module's load line changed: update editloop.sh"; exit 1; }
cat >"$T_TMP/edit" <<EOF
#!/bin/sh
sed "s/pr_info(\"loaded: device/pr_info(\"loaded: gen \$1, device/" "$T_TMP/pristine.c" >"$src/storage_hash.c"
EOF
chmod +x "$T_TMP/edit"
cat >"$T_TMP/config.json" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "build": { "argv": ["make", "-C", "$T_ROOT", "kmod", "KMOD_SRC=$src", "KMOD_OUT=$out"] },
  "module": { "ko": "$out/storage_hash.ko" } } ] }
EOF
vm_start qemu >/dev/null || { echo "boot failed"; exit 1; }
cfg=$(vm_dir qemu)/ssh_config
# First build and the tools' upload: not part of the loop.
"$T_TMP/edit" 0
"$KMDASH" -c "$T_TMP/config.json" run build reload >"$T_TMP/first.log" 2>&1 || { cat "$T_TMP/first.log"; exit 1; }

fails=()
line_seen() { grep -q "storage_hash: loaded: gen $1," "$T_TMP/cli.log"; }
seen_or_gone() { line_seen "$1" || ! kill -0 "$2" 2>/dev/null; }
cli=() clie=() sess=() shell=() gen=0
for i in $(seq "$RUNS"); do
	while :; do
		gen=$((gen + 1))
		"$T_TMP/edit" "$gen"
		t0=$(now)
		"$KMDASH" -c "$T_TMP/config.json" run build reload >"$T_TMP/cli.log" 2>&1 &
		pid=$!
		track_pid $pid
		wait_until 60 seen_or_gone "$gen" $pid
		line_seen "$gen" && t=$(elapsed "$t0") || t=
		wait $pid && rc=0 || rc=$?
		if [ -n "$t" ] && [ $rc -eq 0 ]; then
			cli+=("$t") clie+=("$(elapsed "$t0")")
			break
		fi
		fails+=("cli: exit $rc, $(grep -m1 -E 'failed|error' "$T_TMP/cli.log" || echo "no 'loaded: gen $gen' line; $(grep -c kernel: "$T_TMP/cli.log") kernel lines: $(grep -F '[load]' "$T_TMP/cli.log" | tr '\n' ' ')")")
		[ ${#fails[@]} -lt "$RUNS" ] || { echo "kmdash run build reload failed ${#fails[@]} times:"; cat "$T_TMP/cli.log"; exit 1; }
	done

	gen=$((gen + 1))
	"$T_TMP/edit" "$gen"
	t0=$(now)
	make -s kmod KMOD_SRC="$src" KMOD_OUT="$out" >/dev/null 2>&1 &&
		scp -q -F "$cfg" "$out/storage_hash.ko" kmdash-target:/tmp/kmdash/storage_hash.ko &&
		ssh -F "$cfg" kmdash-target 'rmmod storage_hash 2>/dev/null; insmod /tmp/kmdash/storage_hash.ko && dmesg | tail -1' \
			>"$T_TMP/sh.log" 2>&1 || { echo "shell loop failed"; cat "$T_TMP/sh.log"; exit 1; }
	shell+=("$(elapsed "$t0")")
	grep -q "loaded: gen $gen," "$T_TMP/sh.log" || { echo "shell loop: not the new module:"; cat "$T_TMP/sh.log"; exit 1; }
done
"$T_TMP/reloaddrive" -c "$T_TMP/config.json" -e "$T_TMP/edit" -w "loaded: gen" "$RUNS" build reload \
	>"$T_TMP/sess.log" 2>&1 || { cat "$T_TMP/sess.log"; exit 1; }
mapfile -t sess < <(awk '/^run / { print $3 }' "$T_TMP/sess.log")
while IFS= read -r l; do fails+=("session: $l"); done < <(grep '^fail ' "$T_TMP/sess.log")

c=$(median "${cli[@]}") s=$(median "${sess[@]}") h=$(median "${shell[@]}")
echo "edit one line -> build -> unload -> deploy -> load -> the new build's load line; median of $RUNS"
report "kmdash run build reload, to the line" "$c" s "goal <= 3 s: $(goal_max "$c" 3); all: ${cli[*]}"
report "kmdash run build reload, to exit" "$(median "${clie[@]}")" s "all: ${clie[*]}"
report "kmdash session (long-lived), to the line" "$s" s "goal <= 3 s: $(goal_max "$s" 3); all: ${sess[*]}"
report "shell: make + scp + ssh insmod + dmesg" "$h" s "all: ${shell[*]}"
report "setup guide / kmdash CLI" "$(ratio 120 "$c")" x "guide: < 2 minutes (120 s)"
report "shell / kmdash CLI" "$(ratio "$h" "$c")" x "shell / kmdash session: $(ratio "$h" "$s")x"
if [ ${#fails[@]} -gt 0 ]; then
	echo "kmdash runs that failed and were retried (not in the figures): ${#fails[@]}"
	printf '  %s\n' "${fails[@]}"
fi
