#!/usr/bin/env bash
# The benchmark against the embedded target, end to end, kept short (runs
# of a few thousand operations, R = 2; real detection rates are `make
# bench`'s): YCSB A with zipfian keys gives both engines, R runs each,
# median and spread in the --json output; a sweep gives a point per value
# per engine; the history names the commit and exports; the HTML report's
# SVG charts are well-formed XML; workload E is refused as not
# applicable; the action log's commands for an unload and a load work
# when pasted into bash.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"

export XDG_STATE_HOME=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/config
KM=$T_BUILD/kmdash
T_VMS+=(qemu) # the session boots the default target's VM
SHORT=(--runs 2 --operations 3000)
# the module is the checkout's example: its commit is the checkout's
COMMIT=$(git -C "$T_ROOT" rev-parse --short=7 HEAD)

# json_get FILE PYTHON-EXPR: evaluates EXPR with ev = the bench event.
json_get()
{
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if "\"event\":\"bench\"" in l][-1]
print(eval(sys.argv[2]))' "$@"
}

"$KM" --json run cycle --workload A --distribution zipfian "${SHORT[@]}" \
	>"$T_TMP/a.jsonl" 2>"$T_TMP/a.err"
rc=$?
check "run cycle with workload A, zipfian, R=2: exit 0" test "$rc" -eq 0 ||
	{ tail -5 "$T_TMP/a.jsonl"; cat "$T_TMP/a.err"; }
check "--json: a bench event" grep -q '"event":"bench"' "$T_TMP/a.jsonl"
check "... it ran YCSB A with zipfian keys" \
	test "$(json_get "$T_TMP/a.jsonl" 'ev["workload"].split(",")[:2]')" = "['YCSB A', ' zipfian 0.99']"
check "... both engines: kmod and the user-space baseline" \
	test "$(json_get "$T_TMP/a.jsonl" '[e["engine"] for e in ev["points"][0]["engines"]]')" = "['kmod', 'user']"
check "... R runs of each" \
	test "$(json_get "$T_TMP/a.jsonl" '[e["runs"] for e in ev["points"][0]["engines"]]')" = "[2, 2]"
check "... median and spread of ops/s and p99 for each" \
	test "$(json_get "$T_TMP/a.jsonl" 'all(e[m]["min"] <= e[m]["median"] <= e[m]["max"] for e in ev["points"][0]["engines"] for m in ("ops_s", "p50_us", "p99_us", "p999_us"))')" = True
check "... and their ratio" \
	test "$(json_get "$T_TMP/a.jsonl" 'ev["points"][0]["ratio"]["ops_s"]["median"] > 0')" = True
check "... interleaved: kmod, user, kmod, user" \
	test "$(json_get "$T_TMP/a.jsonl" '[r["engine"] for r in ev["runs"]]')" = "['kmod', 'user', 'kmod', 'user']"
check "... at the module's commit, on the target it ran on" \
	test "$(json_get "$T_TMP/a.jsonl" 'ev["commit"][:7] + " " + ev["target"] + " " + ev["before"]["cpu"]')" = "$COMMIT qemu Cortex-A53"
check "... first of its kind: not enough history" \
	test "$(json_get "$T_TMP/a.jsonl" 'ev["verdict"]["verdict"]')" = "not enough history"
check "--json: each run's command as an action event" \
	test "$(grep -c '"kind":"bench"' "$T_TMP/a.jsonl")" -eq 4

out=$("$KM" run bench --workload A --distribution zipfian "${SHORT[@]}" 2>&1)
check "run bench, in text: a summary table, median (min-max)" \
	contains "$out" "2 runs of each engine, interleaved; median (min-max)"
check "... a row for kmod, user and their ratio" \
	bash -c 'grep -qE "^  kmod  " <<<"$1" && grep -qE "^  user  " <<<"$1" && grep -qE "^  kmod/user  " <<<"$1"' _ "$out"
check "... the second run: still not enough history (1 earlier run)" \
	contains "$out" "not enough history: 1 earlier run of this workload"
check "... the commands it ran" \
	contains "$out" "'cd /tmp/kmdash && ./sebench --workload A --distribution zipfian --operations 3000 --engine user'"
"$KM" --json run bench --workload A --distribution zipfian "${SHORT[@]}" >"$T_TMP/c.jsonl" 2>&1
check "the third run is judged against the noise of two" \
	test "$(json_get "$T_TMP/c.jsonl" 'ev["verdict"]["verdict"] in ("within the noise", "regression", "improvement")')" = True
check "... naming the commits compared and the noise measured" \
	test "$(json_get "$T_TMP/c.jsonl" '(ev["verdict"]["commits"], ev["verdict"]["compared"], ev["verdict"]["noise_pct"] > 0)')" = "(['$COMMIT', '$COMMIT'], 2, True)"

# A sweep over threads=1,2: 2 points, each with both engines.
"$KM" --json run bench --sweep threads=1,2 "${SHORT[@]}" >"$T_TMP/s.jsonl" 2>&1
check "a sweep over threads=1,2: exit 0" test $? -eq 0
check "... 2 points" \
	test "$(json_get "$T_TMP/s.jsonl" '[(p["param"], p["value"]) for p in ev["points"]]')" = "[('threads', '1'), ('threads', '2')]"
check "... each with both engines, R runs each" \
	test "$(json_get "$T_TMP/s.jsonl" '[[e["engine"] + ":" + str(e["runs"]) for e in p["engines"]] for p in ev["points"]]')" = "[['kmod:2', 'user:2'], ['kmod:2', 'user:2']]"
out=$("$KM" run bench --sweep thread=1,2 2>&1)
check "a misspelled sweep is a usage error, with the near name" \
	bash -c '[ $1 -eq 2 ] && grep -q "did you mean .threads." <<<"$2"' _ $? "$out"

# E: scans do not apply to a hash engine; not faked.
out=$("$KM" run bench --workload E "${SHORT[@]}" 2>&1)
check "workload E fails" test $? -eq 1
check "... saying scans do not apply to a hash engine" \
	contains "$out" "a hash engine keeps no order to scan, so E is not applicable"

# The history: exported, and the report.
"$KM" bench history --json >"$T_TMP/h.jsonl"
check "bench history --json: a line per set (the E run failed, kept)" \
	test "$(wc -l <"$T_TMP/h.jsonl")" -eq 5
check "... the failed one says so" \
	test "$(python3 -c 'import json,sys; print([json.loads(l)["state"] for l in open(sys.argv[1])])' "$T_TMP/h.jsonl")" = "['done', 'done', 'done', 'done', 'failed']"
"$KM" bench history --csv >"$T_TMP/h.csv"
check "bench history --csv: a header and a line per run (4+4+4+8+1)" \
	test "$(wc -l <"$T_TMP/h.csv")" -eq 22
"$KM" bench report -o "$T_TMP/report.html" 2>"$T_TMP/report.err"
check "bench report writes the file" test -s "$T_TMP/report.html"
python3 - "$T_TMP/report.html" "$T_TMP/svg" <<'EOF'
import re, sys
html = open(sys.argv[1]).read()
for i, s in enumerate(re.findall(r"<svg.*?</svg>", html, re.S)):
    open("%s%d.svg" % (sys.argv[2], i), "w").write(s)
EOF
svgs=("$T_TMP"/svg*.svg)
check "... with SVG charts (trend, ratio; a sweep's two)" test ${#svgs[@]} -ge 4
xml_ok() { for f in "$@"; do xmllint --noout "$f" || return 1; done; }
check "... each well-formed XML (xmllint)" xml_ok "${svgs[@]}"
check "... the report names the commit" grep -q "$COMMIT" "$T_TMP/report.html"
check "... runs no script and fetches nothing" \
	bash -c '! grep -qiE "<script|<link|src=|@import" "$1"' _ "$T_TMP/report.html"
out=$("$KM" bench report --since deadbee -o "$T_TMP/r2.html" 2>&1)
check "--since an unknown commit fails, naming it" \
	bash -c '[ $1 -eq 1 ] && grep -q "no benchmark at commit .deadbee." <<<"$2"' _ $? "$out"

# The action log's commands, pasted into bash, do what kmdash did.
"$KM" --json run unload load >"$T_TMP/ul.jsonl" 2>&1
check "run unload load: exit 0" test $? -eq 0
cmd_of() { python3 -c 'import json,sys; print([json.loads(l)["command"] for l in open(sys.argv[1]) if "\"kind\":\"%s\"" % sys.argv[2] in l][-1])' "$T_TMP/ul.jsonl" "$1"; }
unload=$(cmd_of unload) load=$(cmd_of load)
check "the unload's command is ssh -F the VM's ssh_config" \
	test "$unload" = "ssh -F $KMDASH_RUNTIME_DIR/vm-qemu/ssh_config kmdash-target 'rmmod storage_hash'"
check "... the load's is insmod of the deployed module" \
	test "$load" = "ssh -F $KMDASH_RUNTIME_DIR/vm-qemu/ssh_config kmdash-target 'insmod /tmp/kmdash/storage_hash.ko'"
loaded() { vm_ssh qemu 'test -d /sys/module/storage_hash' </dev/null; }
not_loaded() { ! loaded; }
check "pasted into bash, the unload's command works" bash -c "$unload"
check "... the module is unloaded" not_loaded
check "... the load's command works" bash -c "$load"
check "... the module is loaded again" loaded
journal=$(ls -d "$XDG_STATE_HOME"/kmdash/qemu/2*/ | tail -1)
check "the journal has the commands too" \
	grep -q "action load: ssh -F .* 'insmod /tmp/kmdash/storage_hash.ko'" "$journal/actions.log"
