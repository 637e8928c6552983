#!/usr/bin/env bash
# Regressions by the noise band, on the embedded target: the engine's
# source in a git repository of its own, benchmarked by kmdash run bench
# (YCSB C, 1 s a run, the module and the user-space baseline interleaved, R = 3,
# judged by kmdash: the kmod/user ratio, or the module's own figures when
# the history shows them moving less; each verdict says which).
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
print("%s|%s|%.1f/%+.1f%% of %s|%.0f|%.4f" % (v["verdict"], " ".join(named),
                          v.get("noise_pct", 0), v.get("change_pct", 0),
                          v.get("judged", "?"),
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
	verdicts+=("$v (noise/change $noise)")
	case "$v" in regression | improvement) flagged=$((flagged + 1)) ;; esac
done
cp "$hist" "$T_TMP/history-a"

# B: every GET slower by SLOWDOWN of the time a GET took at A (1 thread).
# What a delay costs under the emulator is measured, not assumed: the
# fixture's delay has a fixed cost of its own (16 ns already slows a GET
# by some 15% under TCG), so the cost is far from proportional. Trial
# builds (each a commit of its own, their sets then dropped from the
# history), judged by the module's own ops/s (the kmod/user ratio carries
# the user-space table's noise too), two sets each: the least delay and
# the nominal one bracket the slowdown, then two steps of false position
# narrow the bracket; the delay of the last step is B.
ops_a=$(median "${ops[@]}")
per_get=$(awk -v o="$ops_a" 'BEGIN { printf "%.0f", 1e9 / o }')
ratio_a=$(median "${ratios[@]}")
# build_b DELAY: commit the slow build with DELAY ns, build and load it
build_b()
{
	sed "s/SH_GET_DELAY_NS/$1/" tests/fixtures/kmod_slowget/Kbuild >"$eng/Kbuild"
	git -C "$eng" -c user.name=bench -c user.email=bench@localhost commit -qam "B: GET $1 ns slower"
	km run build reload >"$T_TMP/b.log" 2>&1 || { tail -5 "$T_TMP/b.log"; return 1; }
}
# trial DELAY: the slowdown it gives (ops_a / ops - 1, median of 2 sets)
trial()
{
	local o1 o2 x
	build_b "$1" || return 1
	bench_set "$T_TMP/v" || return 1
	IFS='|' read -r x x x o1 x <"$T_TMP/v"
	bench_set "$T_TMP/v" || return 1
	IFS='|' read -r x x x o2 x <"$T_TMP/v"
	awk -v a="$ops_a" -v p="$o1" -v q="$o2" 'BEGIN { printf "%.4f", 2 * a / (p + q) - 1 }'
}
pct() { awk -v f="$1" 'BEGIN { printf "%+.0f%%", 100 * f }'; }
d0=$(awk -v p="$per_get" -v s="$SLOWDOWN" 'BEGIN { printf "%.0f", p * s }')
lo=16 hi=$d0
flo=$(trial "$lo") || exit 1
fhi=$(trial "$hi") || exit 1
calib="$lo ns: $(pct "$flo"), $hi ns: $(pct "$fhi")"
delay=$lo
if awk -v f="$flo" -v s="$SLOWDOWN" 'BEGIN { exit !(f < s) }'; then
	for step in 1 2; do
		delay=$(awk -v a="$lo" -v fa="$flo" -v b="$hi" -v fb="$fhi" -v s="$SLOWDOWN" \
			'BEGIN { x = fb > fa ? a + (s - fa) * (b - a) / (fb - fa) : b;
				if (x < a) x = a; if (x > 4 * b) x = 4 * b; printf "%.0f", x }')
		[ "$step" = 2 ] && break
		f=$(trial "$delay") || exit 1
		calib="$calib, $delay ns: $(pct "$f")"
		if awk -v f="$f" -v s="$SLOWDOWN" 'BEGIN { exit !(f < s) }'; then
			lo=$delay flo=$f
		else
			hi=$delay fhi=$f
		fi
	done
fi
build_b "$delay" || exit 1
B=$(git -C "$eng" rev-parse --short=7 HEAD)
caught=0 named=0 slow=() sratios=() bverdicts=()
for i in $(seq "$TRIES"); do
	cp "$T_TMP/history-a" "$hist"
	bench_set "$T_TMP/v" || exit 1
	IFS='|' read -r v commits noise o r <"$T_TMP/v"
	slow+=("$o") sratios+=("$r")
	bverdicts+=("$v (noise/change $noise)")
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
	"for $(awk -v s="$SLOWDOWN" 'BEGIN { printf "%.0f%%", s * 100 }') of a GET, measured: $calib"
report "B vs A, kmod ops/s (medians)" "$(ratio "$(median "${slow[@]}")" "$ops_a")" x \
	"the slowdown as measured; kmod ops/s at B: ${slow[*]}"
report "B vs A, kmod/user ratio (medians)" "$(ratio "$(median "${sratios[@]}")" "$ratio_a")" x \
	"kmod/user at B: ${sratios[*]}"
report "20% slower GET flagged a regression" "$caught" "of $TRIES" \
	"goal >= 8: $(goal_min "$caught" 8); naming both commits: $named"
