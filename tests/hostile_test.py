#!/usr/bin/env python3
"""The hostile corpus (tests/hostile/): malformed inputs, each with the exit status, warnings or
error it must give (tests/hostile/cases.json), and bounded memory. The three 50 MB inputs (a
field without end, a log line without a newline, a CSV line without one) are made here, not
committed. Usage: hostile_test.py PATH/TO/gpuviz SOURCE_DIR"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, finish, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
CORPUS = os.path.join(SRC, "tests", "hostile")
FIFTY_MB = 50 * 1000 * 1000

generated = {
    "big_field.csv": lambda f: (f.write(b"timestamp,gpu0_power_w\n\""), f.write(b"x" * FIFTY_MB)),
    "big_line.log": lambda f: (f.write(b"y" * FIFTY_MB + b"\n2025-12-22 21:06:01 Step 00001 | Validation bpb: 0.9\n")),
    "big_line.csv": lambda f: f.write(b"z" * FIFTY_MB),
}
for name, make in generated.items():
    with open(os.path.join(TMP, name), "wb") as f:
        make(f)


def path(a):
    if a.startswith("{") and a.endswith("}"):
        return os.path.join(TMP, a[1:-1])
    return os.path.join(CORPUS, a) if not a.startswith("-") and os.path.exists(os.path.join(CORPUS, a)) else a


def run_case(i, case):
    args = [path(a) for a in case["args"]]
    out = os.path.join(TMP, "s%d.json" % i)
    cmd = [GPUVIZ, *args, "-o", os.path.join(TMP, "p%d.html" % i), "--summary-json", out]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=TMP)
    so, se = p.communicate(timeout=120)
    return p.returncode, se.decode("utf-8", "replace"), out


MAXRSS = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] != "-" else None  # "-": sanitizer build


def rss_of(cmd):
    """Peak memory in MB, measured by the small tests/maxrss.c launcher (a process's peak counts
    what it had before exec, so a fork of this Python would overstate it)."""
    p = subprocess.run([MAXRSS, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=TMP)
    return int(p.stderr.decode().strip().splitlines()[-1].split()[1]) / 1024


CASES = json.load(open(os.path.join(CORPUS, "cases.json")))


def make_test(i, case):
    def fn():
        rc, se, out = run_case(i, case)
        check(rc == case["exit"], "exit %d, want %d: %s" % (rc, case["exit"], se[-400:]))
        for s in case.get("stderr", []):
            check(s in se, "stderr lacks %r: %s" % (s, se[-600:]))
        for s in case.get("stderr_not", []):
            check(s not in se, "stderr has %r: %s" % (s, se[-600:]))
        if rc == 0:
            doc = json.load(open(out))
            if "rows" in case:
                check(doc["inputs"]["csv"]["rows_read"] == case["rows"], "rows %d" % doc["inputs"]["csv"]["rows_read"])
            if "events" in case:
                got = {}
                for e in doc["events"]:
                    got[e["type"]] = got.get(e["type"], 0) + 1
                check(got == case["events"], "events %s" % got)
            for k, n in case.get("anomalies", {}).items():
                check(doc["anomaly_counts"][k] == n, "anomalies %s: %d" % (k, doc["anomaly_counts"][k]))
        if "max_rss_mb" in case and MAXRSS:
            args = [path(a) for a in case["args"]]
            rss = rss_of([GPUVIZ, *args, "-o", os.path.join(TMP, "m.html"), "-q"])
            check(rss <= case["max_rss_mb"], "peak memory %.1f MB > %d MB" % (rss, case["max_rss_mb"]))
    fn.__name__ = "case_%02d_%s" % (i, "_".join(os.path.basename(a).strip("{}") for a in case["args"] if not a.startswith("-")))
    return fn


for i, case in enumerate(CASES):
    test(make_test(i, case))

finish("hostile")
