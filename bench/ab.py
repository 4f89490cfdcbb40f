#!/usr/bin/env python3
"""Compares two gpuviz binaries on the benchmark inputs (made by bench/run.sh in
~/.cache/gpuviz-bench), runs interleaved (old, new, new, old, ...) so that the machine's changes
of speed fall on both: median wall and CPU time per case.

usage: python3 bench/ab.py OLD_GPUVIZ NEW_GPUVIZ [RUNS]   (e.g. a worktree of the commit before)"""
import os
import resource
import statistics
import subprocess
import sys
import time

CACHE = os.path.expanduser("~/.cache/gpuviz-bench")


def one(binary, args):
    t = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    old, new = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    ref, log = os.path.join(CACHE, "ref-7h"), os.path.join(CACHE, "log-500h")
    out = ["-o", "/tmp/gpuviz-ab.html", "--summary-json", "/tmp/gpuviz-ab.json", "-q"]
    cases = {"reference": [ref + "/gpu_metrics.csv", "--training-log", ref + "/training.log"] + out,
             "reference --threads 1": [ref + "/gpu_metrics.csv", "--training-log", ref + "/training.log", "--threads", "1"] + out,
             "355 MB log": [log + "/gpu_metrics.csv", "--training-log", log + "/training.log"] + out}
    for name, args in cases.items():
        res = {"old": [], "new": []}
        for i in range(runs):
            for k in (("old", "new") if i % 2 == 0 else ("new", "old")):
                res[k].append(one(old if k == "old" else new, args))
        for k in ("old", "new"):
            print("%-22s %s  wall median %.3f s (min %.3f)  cpu median %.3f s" % (
                name, k, statistics.median(x[0] for x in res[k]), min(x[0] for x in res[k]),
                statistics.median(x[1] for x in res[k])))


if __name__ == "__main__":
    main()
