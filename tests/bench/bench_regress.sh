#!/usr/bin/env bash
# Regressions by the noise band, on the embedded target: the engine's
# source in a git repository of its own, benchmarked by kmdash run bench
# (YCSB C, 1 s a run, the module and the user-space baseline interleaved, R = 3,
# the kmod/user ratio judged).
#  - false regressions: 12 sets of one build (commit A); the last 10 are
#    judged against the ones before: goal 0 flagged;
#  - a real 20% GET slowdown: commit B is tests/fixtures/kmod_slowget,
#    every GET slower by 20% of the time a GET took at A (measured; the
#    delay's cost under the emulator calibrated by one trial build); each
#    of 10 tries is judged against A's history alone: goal flagged as a
#    regression in >= 8 of 10, naming both commits.
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	echo "the embedded target is not built (make target)"
	exit 1
fi
private_cache
T_VMS+=(qemu)
SETS=${REGRESS_BENCH_SETS:-12}
TRIES=${REGRESS_BENCH_TRIES:-10}
SLOWDOWN=${REGRESS_BENCH_SLOWDOWN:-0.20}

make -s kmod >"$T_TMP/kmod.log" 2>&1 || { cat "$T_TMP/kmod.log"; exit 1; }
eng=$T_TMP/engine
mkdir -p "$eng"
cp kmod/storage_hash.c kmod/storage_hash.h "$eng/"
printf 'obj-m += storage_hash.o\nccflags-y += -Werror\n' >"$eng/Kbuild"
git -C "$eng" init -q
git -C "$eng" -c user.name=bench -c user.email=bench@localhost add -A
git -C "$eng" -c user.name=bench -c user.email=bench@localhost commit -qm "A: the engine"
A=$(git -C "$eng" rev-parse --short=7 HEAD)

cfg=$T_TMP/config.json
cat >"$cfg" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "module": { "dir": "$eng" },
  "bench": { "argv": ["$T_BUILD/kmod/tools/sebench"],
             "baseline": ["--engine", "user"],
             "workload": "C", "duration_ms": 1000, "runs": 3 } } ] }
EOF
km() { "$KMDASH" --config "$cfg" "$@"; }
hist=$XDG_STATE_HOME/kmdash/qemu/bench-history.jsonl

# bench_set OUT: one set; OUT gets "verdict|commits named|noise%/change%|
# kmod ops/s|kmod/user ratio" (medians).
bench_set()
{
	km --json run bench >"$T_TMP/set.jsonl" 2>&1 ||
		{ echo "run bench failed:"; tail -5 "$T_TMP/set.jsonl"; return 1; }
	python3 - "$T_TMP/set.jsonl" >"$1" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"event":"bench"' in l][-1]
v = ev["verdict"]
kmod = [e for e in ev["points"][0]["engines"] if e["engine"] == "kmod"][0]
# the commits the verdict names: those compared with, and this set's
named = [c for c in v.get("commits", []) + [ev["commit"][:7]] if c in v["text"]]
print("%s|%s|%.1f/%+.1f|%.0f|%.4f" % (v["verdict"], " ".join(named),
                          v.get("noise_pct", 0), v.get("change_pct", 0),
                          kmod["ops_s"]["median"],
                          ev["points"][0]["ratio"]["ops_s"]["median"]))
EOF
}

km run build reload >"$T_TMP/a.log" 2>&1 || { tail -5 "$T_TMP/a.log"; exit 1; }
flagged=0 judged=0 ops=() ratios=() verdicts=()
for i in $(seq "$SETS"); do
	bench_set "$T_TMP/v" || exit 1
	IFS='|' read -r v commits noise o r <"$T_TMP/v"
	ops+=("$o") ratios+=("$r")
	[ "$i" -le $((SETS - 10)) ] && continue
	judged=$((judged + 1))
	verdicts+=("$v (noise/change $noise%)")
	case "$v" in regression | improvement) flagged=$((flagged + 1)) ;; esac
done
cp "$hist" "$T_TMP/history-a"

# B: every GET slower by SLOWDOWN of the time a GET took at A (1 thread).
# The nominal delay is first tried (a commit of its own, its set then
# dropped from the history): what it costs under the emulator is
# measured by the kmod/user ratio, and the delay scaled to the slowdown.
per_get=$(awk -v o="$(median "${ops[@]}")" 'BEGIN { printf "%.0f", 1e9 / o }')
ratio_a=$(median "${ratios[@]}")
# build_b DELAY: commit the slow build with DELAY ns, build and load it
build_b()
{
	sed "s/SH_GET_DELAY_NS/$1/" tests/fixtures/kmod_slowget/Kbuild >"$eng/Kbuild"
	git -C "$eng" -c user.name=bench -c user.email=bench@localhost commit -qam "B: GET $1 ns slower"
	km run build reload >"$T_TMP/b.log" 2>&1 || { tail -5 "$T_TMP/b.log"; return 1; }
}
d0=$(awk -v p="$per_get" -v s="$SLOWDOWN" 'BEGIN { printf "%.0f", p * s }')
build_b "$d0" || exit 1
bench_set "$T_TMP/v" || exit 1
IFS='|' read -r v commits noise o r0 <"$T_TMP/v"
# the slowdown d0 gave: ratio_a / r0 - 1; the delay for SLOWDOWN
delay=$(awk -v d="$d0" -v a="$ratio_a" -v r="$r0" -v s="$SLOWDOWN" \
	'BEGIN { f = a / r - 1; x = f > 0 ? d * s / f : d;
		if (x > 4 * d) x = 4 * d; if (x < 16) x = 16; printf "%.0f", x }')
[ "$delay" = "$d0" ] || build_b "$delay" || exit 1
B=$(git -C "$eng" rev-parse --short=7 HEAD)
caught=0 named=0 slow=() sratios=() bverdicts=()
for i in $(seq "$TRIES"); do
	cp "$T_TMP/history-a" "$hist"
	bench_set "$T_TMP/v" || exit 1
	IFS='|' read -r v commits noise o r <"$T_TMP/v"
	slow+=("$o") sratios+=("$r")
	bverdicts+=("$v (noise/change $noise%)")
	[ "$v" = regression ] || continue
	caught=$((caught + 1))
	case " $commits " in *" $A"*" $B"* | *" $B"*" $A"*) named=$((named + 1)) ;; esac
done

echo "YCSB C, 1 s a run, R = 3, kmod and user interleaved; commits A $A, B $B;" \
	"load average $(cut -d' ' -f1 /proc/loadavg)"
echo "A's verdicts: ${verdicts[*]}"
echo "B's verdicts: ${bverdicts[*]}"
report "false regressions: one build, $judged sets judged" "$flagged" sets \
	"goal 0: $(goal_max "$flagged" 0)"
report "kmod GET at A, 1 thread (median of $SETS)" "$per_get" ns \
	"kmod ops/s: ${ops[*]}; kmod/user: ${ratios[*]}"
report "B: every GET slower by" "$delay" ns \
	"nominal $d0 ns ($(awk -v s="$SLOWDOWN" 'BEGIN { printf "%.0f%%", s * 100 }') of a GET) cost $(ratio "$ratio_a" "$r0")x; scaled"
report "B vs A, kmod/user ratio (medians)" "$(ratio "$(median "${sratios[@]}")" "$ratio_a")" x \
	"the slowdown as measured; kmod/user at B: ${sratios[*]}"
report "20% slower GET flagged a regression" "$caught" "of $TRIES" \
	"goal >= 8: $(goal_min "$caught" 8); naming both commits: $named"
