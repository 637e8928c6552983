#!/usr/bin/env bash
# What kmdash's sampling and streaming cost the throughput it measures:
# kmdash run bench with sebench's samples streamed (its default: a tenth
# of the run, at most four a second: four a 1 s run, as the dashboard
# draws them) vs the same run printing only its summary
# (--no-samples), alternated, PAIRS pairs; YCSB C, 1 s a run, the module
# and the user-space baseline. The figure: the median over the pairs of
# streamed/summary-only ops/s, with its spread. Goal: <= 2% lost.
. "$(dirname "$0")/lib.sh"
cd "$T_ROOT"

if [ ! -f "$(target_env IMAGE 2>/dev/null)" ]; then
	echo "the embedded target is not built (make target)"
	exit 1
fi
T_VMS+=(qemu)
PAIRS=${STREAM_BENCH_PAIRS:-7}

# config NAME ARGS-JSON: the embedded target, the example, YCSB C for 1 s.
config()
{
	cat >"$T_TMP/$1.json" <<EOF
{ "targets": [ { "name": "qemu", "vm": { "profile": "virt" },
  "bench": { "workload": "C", "duration_ms": 1000, "runs": 1,
             "args": $2 } } ] }
EOF
}
config streamed '[]'
config quiet '["--no-samples"]'

hist=$XDG_STATE_HOME/kmdash/qemu/bench-history.jsonl
# ops NAME: "kmod user samples" of one set with that config: ops/s of
# each engine, the fewest samples a run had
ops()
{
	"$KMDASH" --config "$T_TMP/$1.json" --json run bench >"$T_TMP/$1.jsonl" 2>&1 ||
		{ echo "run bench ($1) failed:" >&2; tail -5 "$T_TMP/$1.jsonl" >&2; return 1; }
	python3 - "$T_TMP/$1.jsonl" "$hist" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"event":"bench"' in l][-1]
ops = {r["engine"]: r["ops_s"] for r in ev["runs"]}
# the samples kmdash received, as the history keeps them
runs = [json.loads(l) for l in open(sys.argv[2]) if '"set":"%s"' % ev["set"] in l]
print("%.0f %.0f %d" % (ops["kmod"], ops["user"],
                        min(len(r.get("samples", [])) for r in runs)))
EOF
}

"$KMDASH" run build reload >"$T_TMP/load.log" 2>&1 || { tail -5 "$T_TMP/load.log"; exit 1; }
rk=() ru=() ns=()
for i in $(seq "$PAIRS"); do
	# alternate which goes first, so that drift favours neither
	if [ $((i % 2)) -eq 1 ]; then
		s=$(ops streamed) && q=$(ops quiet) || exit 1
	else
		q=$(ops quiet) && s=$(ops streamed) || exit 1
	fi
	read -r sk su sn <<<"$s"
	read -r qk qu qn <<<"$q"
	[ "$qn" -eq 0 ] || { echo "--no-samples still streamed $qn samples"; exit 1; }
	ns+=("$sn")
	rk+=("$(ratio "$sk" "$qk")") ru+=("$(ratio "$su" "$qu")")
done
spread() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd- -; }
lost() { awk -v r="$1" 'BEGIN { printf "%.1f", (1 - r) * 100 }'; }
mk=$(median "${rk[@]}") mu=$(median "${ru[@]}")
echo "YCSB C, 1 s a run; $PAIRS pairs alternated; samples streamed a run: ${ns[*]}"
report "kmod: streamed / summary only, ops/s (median)" "$mk" x \
	"$(lost "$mk")% lost, goal <= 2%: $(goal_min "$mk" 0.98); spread $(spread "${rk[@]}"); all: ${rk[*]}"
report "user: streamed / summary only, ops/s (median)" "$mu" x \
	"$(lost "$mu")% lost; spread $(spread "${ru[@]}"); all: ${ru[*]}"
# resolved WORD RATIOS...: whether the pairs' spread can tell 2% at all
resolved()
{
	local w=$1
	shift
	printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd' ' - |
		awk -v w="$w" '{ if ($2 - $1 > 0.04)
			printf "%s: not resolved here: the pairs spread %.2f-%.2f, wider than the 2%% goal (load average %s)\n", w, $1, $2, la
		else print w ": resolved (the pairs spread less than 4%)" }' la="$(cut -d' ' -f1 /proc/loadavg)"
}
resolved kmod "${rk[@]}"
resolved user "${ru[@]}"
