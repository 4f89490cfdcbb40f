#!/usr/bin/env python3
"""Golden files: the console report and the summary JSON of the bundled test runs, compared byte
for byte with tests/golden/. They do not say what is right (the other suites check the values
against independent readings); they say what changed, so that a refactor that should change
nothing (issue 14) is seen to change nothing, and a change that should show is reviewed.

    golden_test.py PATH/TO/gpuviz SOURCE_DIR             compare
    GPUVIZ_GOLDEN=write golden_test.py gpuviz SOURCE_DIR  rewrite them (then review `git diff`)

The outputs are made from SOURCE_DIR with relative input paths; the temporary output folder is
written as $OUT and the version as $VERSION, so that neither makes a difference."""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, finish, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
GOLDEN = os.path.join(SRC, "tests", "golden")
WRITE = os.environ.get("GPUVIZ_GOLDEN") == "write"

# (name, arguments): every bundled run, with its events, checks and options that show in the
# console or the summary
CASES = [
    ("run2", ["testdata/run2/gpu_metrics.csv", "--training-log", "testdata/run2/training.log"]),
    ("anomalies", ["testdata/anomalies/gpu_metrics.csv", "--training-log", "testdata/anomalies/training.log",
                   "--check", "anomalies.critical.count == 0", "--check", "max(temp_c) < 95"]),
    ("run2_range", ["testdata/run2/gpu_metrics.csv", "--training-log", "testdata/run2/training.log",
                    "--time-range", "0.05,0.2", "--no-idle-cutoff"]),
]


def normalise(text):
    return re.sub(r'("gpuviz_version":\s*)"[^"]*"', r'\1"$VERSION"', text.replace(TMP, "$OUT"))


def compare(name, got):
    path = os.path.join(GOLDEN, name)
    if WRITE:
        with open(path, "w") as f:
            f.write(got)
        return
    want = open(path).read() if os.path.exists(path) else ""
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "tests/golden/" + name, "now", n=1))
    check(got == want, "%s differs (GPUVIZ_GOLDEN=write rewrites it):\n%s" % (name, diff[:3000]))


def make_test(name, args):
    def golden():
        summary = os.path.join(TMP, name + ".json")
        rc, so, se = run(*args, "-o", os.path.join(TMP, name + ".html"), "--summary-json", summary, cwd=SRC)
        check(rc in (0, 1), se)
        compare(name + ".console.txt", normalise(se))
        compare(name + ".summary.json", normalise(open(summary).read()))
    golden.__name__ = "golden_" + name
    return golden


for name, args in CASES:
    test(make_test(name, args))
finish("golden" + (" (written)" if WRITE else ""))
