#!/usr/bin/env python3
"""Print docs/calibration.md's comparison table: sva bench results next to
the published numbers in bench/calibration/published.json.

usage: scripts/calibration.py [BENCH_JSON]
BENCH_JSON is the output of `sva bench --json` (full mode); without it the
script runs build/release/tools/sva bench --json itself."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def size_name(x):
    if not str(x).isdigit():
        return x
    x = int(x)
    if x >= 1 << 20 and x % (1 << 20) == 0:
        return "%d MiB" % (x >> 20)
    if x >= 1024 and x % 1024 == 0:
        return "%d KiB" % (x >> 10)
    return "%d B" % x


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            bench = json.load(f)
    else:
        out = subprocess.run([os.path.join(ROOT, "build/release/tools/sva"), "bench", "--json"],
                             check=True, capture_output=True, text=True).stdout
        bench = json.loads(out)
    if bench.get("quick"):
        sys.exit("calibration.py: the bench ran with --quick; compare a full run")
    suites = {s["name"]: s for s in bench["suites"]}
    with open(os.path.join(ROOT, "bench/calibration/published.json")) as f:
        pub = json.load(f)
    worst = 0.0
    pred = []
    print("| source | quantity | size | published | sva | error |")
    print("|---|---|---:|---:|---:|---:|")
    for p in pub["points"]:
        s = suites[p["suite"]]
        col = s["series"].index(p["series"])
        # numeric rows (sizes) or named rows (categorical suites)
        rows = {str(r["x"]) if isinstance(r["x"], str) else int(r["x"]): r["values"][col] for r in s["rows"]}
        key = lambda x: int(x) if x.isdigit() else x
        for x, v in sorted(p["values"].items(), key=lambda kv: (not kv[0].isdigit(), str(key(kv[0])).zfill(12))):
            want = v * p.get("scale", 1.0)
            got = rows.get(key(x))
            if got is None:
                sys.exit("calibration.py: %s has no row %s in suite %s" % (p["series"], x, p["suite"]))
            err = (got - want) / want
            if p.get("fitted", True):
                worst = max(worst, abs(err))
            if p.get("predicted"):
                pred.append(abs(err))
            print("| [%s] | %s (`%s`, %s) | %s | %.3g %s | %.3g | %+.1f%% |" % (
                p["src"], p["what"], p["suite"], p["series"], size_name(x), want, p["unit"], got, 100 * err))
    print()
    print("Largest error over the points the table is fitted to: %.1f%%" % (100 * worst))
    if pred:
        print("Other operations, predicted from the same table: %d of %d within 15%%, largest error %.1f%%"
              % (sum(1 for e in pred if e <= 0.15), len(pred), 100 * max(pred)))


if __name__ == "__main__":
    main()
