#!/usr/bin/env python3
"""A synthetic benchmark history, in the JSON lines kmdash writes
(core/module/bench.c: a line per run, then its set's line): N sets over
N/5 commits, YCSB A, B and C in turn, one set in ten a sweep over
threads=1,2,4; the module and the user-space baseline, 3 repetitions
each, 10 samples a run, +-5% noise. Deterministic (seeded).
    benchhist.py N > bench-history.jsonl"""
import json
import random
import sys

n = int(sys.argv[1])
rnd = random.Random(15)
facts = {"release": "6.1.0-57-arm64", "cpu": "Cortex-A53", "cores": 2,
         "mhz": "n/a", "mem_kb": 1012345, "board": "linux,dummy-virt",
         "temp_c": "n/a", "throttled": "n/a"}
workloads = ["YCSB A, zipfian 0.99, 10000 records, 1 s",
             "YCSB B, zipfian 0.99, 10000 records, 1 s",
             "YCSB C, zipfian 0.99, 10000 records, 1 s"]
t0 = 1_780_000_000


def run_line(t, commit, set_id, wl, engine, rep, param, point, ops):
    p50 = 1e6 / ops * 0.9
    summ = {"get": ops / 2, "put": ops / 2, "del": 0, "total": ops,
            "p50": p50, "p99": p50 * 3, "p999": p50 * 8}
    samples = [dict({k: v * rnd.uniform(0.95, 1.05) for k, v in summ.items()},
                    t=round(0.1 * (i + 1), 3)) for i in range(10)]
    o = {"started": t, "commit": commit, "build_id": "%032x" % rnd.getrandbits(128),
         "engine": engine, "workload": wl, "set": set_id, "rep": rep,
         "baseline": engine == "user"}
    if param:
        o.update(param=param, point=point)
    o.update(state="done", msg="", elapsed_s=1.0, errors=0, summary=summ,
             samples=samples)
    return json.dumps(o, separators=(",", ":"))


out = sys.stdout
for i in range(n):
    commit = "%040x" % random.Random(i // 5).getrandbits(160)
    wl = workloads[i % 3]
    sweep = "threads=1,2,4" if i % 10 == 9 else ""
    points = [("threads", v) for v in ("1", "2", "4")] if sweep else [("", "")]
    set_id = "%d-%d" % (t0 + i * 60, i)
    nruns = 0
    for rep in range(3):
        for param, point in points:
            scale = int(point) if point else 1
            for engine, base in (("kmod", 70000), ("user", 180000)):
                ops = base * scale * 0.8 ** (param != "") * rnd.uniform(0.95, 1.05)
                out.write(run_line(t0 + i * 60 + nruns, commit, set_id, wl,
                                   engine, rep, param, point, ops) + "\n")
                nruns += 1
    out.write(json.dumps({"type": "set", "id": set_id, "started": t0 + i * 60,
                          "state": "done", "msg": "", "workload": wl,
                          "sweep": sweep, "reps": 3, "baseline": True,
                          "runs": nruns, "commit": commit, "dirty": False,
                          "diff_hash": "", "git_note": "", "target": "qemu",
                          "kmdash": "0.1", "before": facts, "after": facts},
                         separators=(",", ":")) + "\n")
