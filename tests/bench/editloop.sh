#!/usr/bin/env bash
# The edit loop on the embedded target: one line of the module changed ->
# cross-build -> unload -> deploy -> load -> the module's kernel line of the
# new build, RUNS interleaved runs (default 5), medians with min-max. Each
# way has a copy of kmod/ of its own in a temp dir (the checkout is never
# touched); each run changes the text of the module's "loaded" line
# ("loaded: gen N, ...") with a shell redirect (a save) and times from
# that save to exactly that line:
#   kmdash watch    one long-lived `kmdash watch --json` (what the
#                   dashboard's w runs), the line in its kernel-log output
#   kmdash CLI      `kmdash run build reload`, one process per run
#   shell           the bare kbuild call kmdash makes (make -C KDIR M=...)
#                   + scp + ssh 'rmmod; insmod; dmesg | tail -1'; its
#                   make alone is the "bare kbuild" figure
#   make kmod       the project's outer make (the old default build), for
#                   the before/after of the build on the same commit
#   kmdash build    `kmdash run build` alone, with kbuild's recorded plan
#                   (the default) and with build.kbuild_plan false (the
#                   top-level Makefile every time): the plan's before/after
# then the build with nothing changed (bare kbuild and `kmdash run build`),
# and where kbuild's time goes (from the time each of its lines appears).
# Goals (issue 12): watch <= 1.2x bare kbuild; shell / watch >= 1.4x;
# shell / CLI >= 1.3x.
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

RUNS=${KMDASH_BENCH_RUNS:-5}
private_cache
grep -q 'pr_info("loaded: device' kmod/storage_hash.c || { echo "the module's load line changed: update editloop.sh"; exit 1; }
cp kmod/storage_hash.c "$T_TMP/pristine.c"
for w in watch cli shell outer bplan bfull; do
	cp -r kmod "$T_TMP/$w"
done
# edit WAY GEN: a save of WAY's copy whose load line says "gen GEN".
edit() { sed "s/pr_info(\"loaded: device/pr_info(\"loaded: gen $2, device/" "$T_TMP/pristine.c" >"$T_TMP/$1/storage_hash.c"; }
# kbuild for the shell's copy: kmdash's own argv, with the shell's M=.
mapfile -t kb < <("$KMDASH" --module "$T_TMP/shell" config --print |
	python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["targets"][0]["build"]["argv"]))')
[ ${#kb[@]} -gt 3 ] || { echo "no build argv in kmdash config --print"; exit 1; }
shm=$T_TMP/shell-build
mkdir -p "$shm"
cp -rs "$T_TMP/shell/." "$shm/"
kb=("${kb[@]/#M=*/M=$shm}")
echo "bare kbuild: ${kb[*]}"
# stamp: each line of stdin with the time it came (for where kbuild's
# time goes).
stamp() { perl -MTime::HiRes=time -ne '$| = 1; printf "%.4f %s", time, $_'; }
# kbuild_stamped LOG [MAKE-ARG...]: the bare kbuild call, its lines
# stamped into LOG, then "__end RC" stamped when it exits; fails as it
# does.
kbuild_stamped()
{
	{
		"${kb[@]}" "${@:2}" 2>&1
		echo "__end $?"
	} | stamp >"$1"
	grep -q ' __end 0$' "$1"
}

vm_start qemu >/dev/null || { echo "boot failed"; exit 1; }
cfg=$(vm_dir qemu)/ssh_config
ko=$(vm_ssh qemu 'mkdir -p /tmp/kmdash && echo /tmp/kmdash/storage_hash.ko') || exit 1

# First builds and uploads: not part of the loop.
gen=0
edit cli 0
"$KMDASH" --module "$T_TMP/cli" run build reload >"$T_TMP/first.log" 2>&1 || { cat "$T_TMP/first.log"; exit 1; }
"${kb[@]}" >"$T_TMP/first-kb.log" 2>&1 || { cat "$T_TMP/first-kb.log"; exit 1; }
make -s kmod KMOD_SRC="$T_TMP/outer" KMOD_OUT="$T_TMP/outer-build" >"$T_TMP/first-outer.log" 2>&1 || { cat "$T_TMP/first-outer.log"; exit 1; }
cat >"$T_TMP/noplan.json" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "build": { "kbuild_plan": false } } ] }
EOF
# kmdash_build WAY [ARG...]: kmdash run build of WAY's copy
kmdash_build() { "$KMDASH" "${@:2}" --module "$T_TMP/$1" run build >"$T_TMP/$1.log" 2>&1 || { cat "$T_TMP/$1.log"; exit 1; }; }
kmdash_build bplan
kmdash_build bfull --config "$T_TMP/noplan.json"
W=$T_TMP/watch.json
: >"$W"
"$KMDASH" --module "$T_TMP/watch" watch --json >"$W" 2>"$T_TMP/watch.err" &
wpid=$!
track_pid $wpid
wait_until 30 grep -q '"event":"watch"' "$W" || { echo "kmdash watch did not start"; cat "$T_TMP/watch.err"; exit 1; }

# until_line FILE TEXT PID: polls every 5 ms until FILE holds TEXT (0) or
# PID is gone (1), 60 s at most.
until_line()
{
	local deadline=$((SECONDS + 60))
	until grep -qF -- "$2" "$1"; do
		kill -0 "$3" 2>/dev/null && [ $SECONDS -lt $deadline ] || return 1
		sleep 0.005
	done
}
dones() { grep -c '"event":"done"' "$W"; }
more_dones() { [ "$(dones)" -gt "$1" ]; }
# watch_save: one timed save in watch mode; the time in $wtime.
watch_save()
{
	local n t0
	gen=$((gen + 1))
	n=$(dones)
	edit watch $gen
	t0=$(now)
	until_line "$W" "storage_hash: loaded: gen $gen," $wpid || return 1
	wtime=$(elapsed "$t0")
	# the job's end before anything else runs
	wait_until 60 more_dones "$n" || return 1
	grep '"event":"done"' "$W" | tail -1 | grep -q '"state":"ok"'
}
watch_save || { echo "kmdash watch: the first save did not reload"; tail "$W"; exit 1; }

fails=()
wt=() cli=() clie=() shell=() bare=() outer=() bplan=() bfull=()
for i in $(seq "$RUNS"); do
	watch_save || { echo "kmdash watch: gen $gen did not load"; tail -20 "$W"; cat "$T_TMP/watch.err"; exit 1; }
	wt+=("$wtime")

	while :; do
		gen=$((gen + 1))
		edit cli $gen
		: >"$T_TMP/cli.log"
		t0=$(now)
		"$KMDASH" --module "$T_TMP/cli" run build reload >>"$T_TMP/cli.log" 2>&1 &
		pid=$!
		track_pid $pid
		until_line "$T_TMP/cli.log" "storage_hash: loaded: gen $gen," $pid && t=$(elapsed "$t0") || t=
		wait $pid && rc=0 || rc=$?
		if [ -n "$t" ] && [ $rc -eq 0 ]; then
			cli+=("$t") clie+=("$(elapsed "$t0")")
			break
		fi
		fails+=("cli: exit $rc, $(grep -m1 -E 'failed|error' "$T_TMP/cli.log" || echo "no 'loaded: gen $gen' line")")
		[ ${#fails[@]} -lt "$RUNS" ] || { echo "kmdash run build reload failed ${#fails[@]} times:"; cat "$T_TMP/cli.log"; exit 1; }
	done

	gen=$((gen + 1))
	edit shell $gen
	t0=$(now)
	kbuild_stamped "$T_TMP/kb.$i.log" && b=$(elapsed "$t0") &&
		scp -q -F "$cfg" "$shm/storage_hash.ko" "kmdash-target:$ko" &&
		ssh -F "$cfg" kmdash-target "rmmod storage_hash 2>/dev/null; insmod $ko && dmesg | tail -1" \
			>"$T_TMP/sh.log" 2>&1 || { echo "shell loop failed"; cat "$T_TMP/kb.$i.log" "$T_TMP/sh.log"; exit 1; }
	shell+=("$(elapsed "$t0")") bare+=("$b")
	echo "$t0" >"$T_TMP/kb.$i.t0"
	grep -q "loaded: gen $gen," "$T_TMP/sh.log" || { echo "shell loop: not the new module:"; cat "$T_TMP/sh.log"; exit 1; }

	edit outer $gen
	t0=$(now)
	make -s kmod KMOD_SRC="$T_TMP/outer" KMOD_OUT="$T_TMP/outer-build" >/dev/null 2>&1 || { echo "make kmod failed"; exit 1; }
	outer+=("$(elapsed "$t0")")

	edit bplan $gen
	t0=$(now)
	kmdash_build bplan
	bplan+=("$(elapsed "$t0")")
	grep -qF "kbuild's top-level Makefile skipped" "$(sed -n 's/^journal: //p' "$T_TMP/bplan.log")/build.log" ||
		{ echo "kmdash run build did not use kbuild's plan:"; cat "$T_TMP/bplan.log"; exit 1; }
	edit bfull $gen
	t0=$(now)
	kmdash_build bfull --config "$T_TMP/noplan.json"
	bfull+=("$(elapsed "$t0")")
done
kill -INT $wpid

# Nothing changed: the bare kbuild call and kmdash's build step.
nbare=() nkm=()
for i in $(seq "$RUNS"); do
	t0=$(now)
	kbuild_stamped "$T_TMP/nkb.$i.log" V=1 || { echo "kbuild (nothing changed) failed"; cat "$T_TMP/nkb.$i.log"; exit 1; }
	nbare+=("$(elapsed "$t0")")
	echo "$t0" >"$T_TMP/nkb.$i.t0"
	t0=$(now)
	"$KMDASH" --module "$T_TMP/cli" run build >"$T_TMP/nkm.log" 2>&1 || { cat "$T_TMP/nkm.log"; exit 1; }
	nkm+=("$(elapsed "$t0")")
done

# phases PREFIX LABEL [REGEX LABEL]...: kbuild's time per phase over the
# runs' stamped logs PREFIX.*.log, one "LABEL median (min-max)" a line:
# the first LABEL from the start to the first line matching the first
# REGEX, each next one from there to the next REGEX's first line, the last
# to make's exit. A REGEX that matches nothing gives its phase 0 s.
phases()
{
	local prefix=$1 f i n
	shift
	local -a labels=("$1") res=()
	shift
	while [ $# -ge 2 ]; do
		res+=("$1") labels+=("$2")
		shift 2
	done
	n=${#labels[@]}
	local -a d
	for f in "$T_TMP/$prefix".*.log; do
		mapfile -t d < <(awk -v t0="$(cat "${f%.log}.t0")" -v res="$(printf '%s\n' "${res[@]}")" '
			BEGIN { n = split(res, re, "\n") }
			/ __end / { end = $1; next }
			{ for (k = 1; k <= n; k++) if (!m[k] && $0 ~ re[k]) m[k] = $1 }
			END {
				for (k = n; k >= 1; k--) if (!m[k]) m[k] = (k == n) ? end : m[k + 1]
				m[0] = t0; m[n + 1] = end
				for (k = 0; k <= n; k++) printf "%.3f\n", m[k + 1] - m[k]
			}' "$f")
		for ((i = 0; i < n; i++)); do
			eval "ph_$i+=(\"\${d[$i]}\")"
		done
	done
	for ((i = 0; i < n; i++)); do
		eval "local -a v=(\"\${ph_$i[@]}\")"
		printf '%s %s (%s)\n' "${labels[$i]}" "$(median "${v[@]}")" "$(spread "${v[@]}")"
		unset "ph_$i"
	done
}

# pair A B: the runs' own ratios A[i] / B[i] (the ways of one run ran
# back to back, under the same load), their median (min-max).
pair()
{
	local -n a=$1 b=$2
	local i
	local -a r=()
	for ((i = 0; i < ${#a[@]}; i++)); do
		r+=("$(ratio "${a[$i]}" "${b[$i]}")")
	done
	echo "$(median "${r[@]}") ($(spread "${r[@]}"))"
}

w=$(median "${wt[@]}") c=$(median "${cli[@]}") h=$(median "${shell[@]}")
k=$(median "${bare[@]}") o=$(median "${outer[@]}")
echo "save (one line changed) -> build -> unload -> deploy -> load -> the new build's load line; median (min-max) of $RUNS interleaved runs"
report "kmdash watch: save to the line" "$w" s "($(spread "${wt[@]}")); goal <= 1.2x bare kbuild: $(ratio "$w" "$k")x, $(goal_max "$(ratio "$w" "$k")" 1.2)"
report "kmdash run build reload: to the line" "$c" s "($(spread "${cli[@]}")); to exit $(median "${clie[@]}") s ($(spread "${clie[@]}"))"
report "shell: kbuild + scp + ssh insmod + dmesg" "$h" s "($(spread "${shell[@]}"))"
report "bare kbuild (the shell's make), one line" "$k" s "($(spread "${bare[@]}")); kmdash watch - bare kbuild: $(awk -v w="$w" -v k="$k" 'BEGIN { printf "%+.2f", w - k }') s"
report "kmdash run build, one line (kbuild's plan)" "$(median "${bplan[@]}")" s "($(spread "${bplan[@]}"))"
report "... with build.kbuild_plan false (before)" "$(median "${bfull[@]}")" s "($(spread "${bfull[@]}")); before / after, run by run: $(pair bfull bplan)"
report "make kmod (outer make, old default), one line" "$o" s "($(spread "${outer[@]}")); / bare kbuild: $(ratio "$o" "$k")x"
report "shell / kmdash watch" "$(ratio "$h" "$w")" x "goal >= 1.4x: $(goal_min "$(ratio "$h" "$w")" 1.4); run by run: $(pair shell wt)"
report "shell / kmdash run build reload" "$(ratio "$h" "$c")" x "goal >= 1.3x: $(goal_min "$(ratio "$h" "$c")" 1.3); run by run: $(pair shell cli)"
report "kmdash watch / bare kbuild, run by run" "$(pair wt bare | cut -d' ' -f1)" x "$(pair wt bare | cut -d' ' -f2); goal <= 1.2x"
nb=$(median "${nbare[@]}") nk=$(median "${nkm[@]}")
report "bare kbuild, nothing changed" "$nb" s "($(spread "${nbare[@]}"))"
report "kmdash run build, nothing changed" "$nk" s "($(spread "${nkm[@]}")); bare kbuild / kmdash: $(ratio "$nb" "$nk")x (kbuild's plan skips its top-level Makefile, below)"
echo "where the bare kbuild's time goes, s, median (min-max):"
echo "  one line changed (kbuild's own lines):"
phases kb "make's parsing of the kernel's Makefiles and the Kbuild, to the first CC" \
	'CC \\[M\\].*[^d]\\.o$' "compiling storage_hash.o, to MODPOST" \
	'MODPOST' "modpost and modfinal's .mod.o, to LD" \
	'LD \\[M\\]' "the link of the .ko and the BTF check, to make's exit" | sed 's/^/    /'
echo "  nothing changed (V=1: the sub-makes' lines):"
phases nkb "the kernel's top-level Makefile (its compiler probes: cc-option, as-instr)" \
	'Makefile\\.build obj=' "the module's directory (Makefile.build)" \
	'Makefile\\.modpost' "modpost" \
	'Makefile\\.modfinal' "modfinal, to make's exit" | sed 's/^/    /'
if [ ${#fails[@]} -gt 0 ]; then
	echo "kmdash runs that failed and were retried (not in the figures): ${#fails[@]}"
	printf '  %s\n' "${fails[@]}"
fi
