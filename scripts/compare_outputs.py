#!/usr/bin/env python3
"""Runs two gpuviz binaries on every bundled input and compares all their outputs byte for byte:
the page, the summary JSON, the events (CSV and JSON) and the console. For a change that should
change no output (a refactor: issue 14), build the commit before it beside this one:

    git worktree add /tmp/gv-old HEAD~1 && cmake -S /tmp/gv-old -B /tmp/gv-old/build && cmake --build /tmp/gv-old/build
    python3 scripts/compare_outputs.py /tmp/gv-old/build/gpuviz build/gpuviz

Exits 1 and names the first differing lines when any output differs, else 0."""
import difflib
import glob
import os
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cases():
    """(name, arguments) for every bundled input."""
    out = []
    for d in sorted(glob.glob(os.path.join(SRC, "testdata", "*", ""))):
        name = os.path.basename(os.path.dirname(d))
        csvs = sorted(glob.glob(d + "*.csv")) + sorted(glob.glob(d + "*.out")) + sorted(glob.glob(d + "*.txt"))
        logs = sorted(glob.glob(d + "*.log"))
        rules = sorted(glob.glob(d + "*.json"))
        if not csvs:
            continue
        args = [csvs[0]] + (["--training-log", logs[0]] if logs else []) + (["--rules", rules[0]] if rules else [])
        out.append((name, args))
        if logs:
            out.append((name + "-threads1", args + ["--threads", "1"]))
    for f in sorted(glob.glob(os.path.join(SRC, "tests", "hostile", "*.csv"))):
        out.append(("hostile-" + os.path.basename(f), [f]))
    return out


def outputs(binary, args, where):
    os.makedirs(where, exist_ok=True)
    p = subprocess.run([binary, *args, "-o", os.path.join(where, "page.html"), "--summary-json",
                        os.path.join(where, "summary.json"), "--export-events", os.path.join(where, "events.csv")],
                       capture_output=True, cwd=SRC)
    subprocess.run([binary, *args, "-o", os.path.join(where, "page2.html"), "--export-events",
                    os.path.join(where, "events.json"), "-q"], capture_output=True, cwd=SRC)
    got = {"exit status": str(p.returncode), "console": p.stderr.decode("utf-8", "replace").replace(where, "$OUT")}
    for f in ("page.html", "summary.json", "events.csv", "events.json"):
        path = os.path.join(where, f)
        got[f] = open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else "(none)"
    return got


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = (os.path.abspath(b) for b in sys.argv[1:])
    tmp = tempfile.mkdtemp(prefix="gpuviz-compare-")
    bad = 0
    for name, args in cases():
        a = outputs(old, args, os.path.join(tmp, "o"))
        b = outputs(new, args, os.path.join(tmp, "o"))
        for k in a:
            if a[k] != b[k]:
                bad += 1
                diff = list(difflib.unified_diff(a[k].splitlines(), b[k].splitlines(), "old", "new", n=0, lineterm=""))
                print("DIFFERS %s: %s\n  %s" % (name, k, "\n  ".join(l[:200] for l in diff[:8])))
        print("%-7s %s (exit status %s)" % ("same" if all(a[k] == b[k] for k in a) else "differs", name, b["exit status"]))
    print("%d outputs differ" % bad if bad else "every output is the same, byte for byte")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
