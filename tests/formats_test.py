#!/usr/bin/env python3
"""End-to-end tests of the input formats other than the monitor CSV (issue 5, in progress):
nvidia-smi query CSV (long layout, units in header and values, [N/A], [Not Supported]), checked
against an independent Python reading of testdata/nvidia-smi, and the error for a file that is
no known format. Usage: formats_test.py PATH/TO/gpuviz SOURCE_DIR"""
import datetime as dt
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, expect_error, finish, near, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
SMI = os.path.join(SRC, "testdata", "nvidia-smi", "gpu_metrics.csv")


def smi_oracle(path):
    """Queries (a query ends where the GPU index stops increasing; its time is its first row's),
    then per GPU the statistics and trapezoid energy of power.draw (gaps over 5 s excluded)."""
    lines = open(path).read().split("\n")[1:]
    queries, cur, last = [], None, None
    for line in lines:
        cells = [c.strip() for c in line.split(", ")]
        if len(cells) != 6:
            continue
        t = dt.datetime.strptime(cells[0], "%Y/%m/%d %H:%M:%S.%f")
        idx = int(cells[1])
        if cur is None or idx <= last:
            cur = {"t": t, "gpus": {}}
            queries.append(cur)
        last = idx
        num = lambda c: None if c.startswith("[") else float(c.split()[0])
        cur["gpus"][idx] = {"power": num(cells[2]), "temp": num(cells[3]), "util": num(cells[4]), "mem": num(cells[5])}
    out = {}
    for g in (0, 1):
        pts = [(q["t"], q["gpus"][g]["power"]) for q in queries if g in q["gpus"] and q["gpus"][g]["power"] is not None]
        temps = [q["gpus"][g]["temp"] for q in queries if g in q["gpus"]]
        e = sum((a[1] + b[1]) / 2 * (b[0] - a[0]).total_seconds() for a, b in zip(pts, pts[1:])
                if 0 < (b[0] - a[0]).total_seconds() <= 5)
        vals = [v for _, v in pts]
        out[g] = {"n": len(vals), "mean": sum(vals) / len(vals), "min": min(vals), "max": max(vals),
                  "energy_wh": e / 3600, "temp_max": max(temps)}
    return len(queries), out


@test
def nvidia_smi_long_layout():
    out = os.path.join(TMP, "smi.json")
    rc, so, se = run(SMI, "-o", os.path.join(TMP, "smi.html"), "--summary-json", out)
    check(rc == 0, se)
    doc = json.load(open(out))
    queries, exp = smi_oracle(SMI)
    check(doc["inputs"]["csv"]["rows_read"] == queries == 900, doc["inputs"]["csv"])
    check(doc["inputs"]["csv"]["rows_skipped"] == 1, "the short row")
    check("gpu_metrics.csv:904: skipped row: expected 6 fields, found 3" in se, se)
    for g in doc["gpus"]:
        w = exp[g["index"]]
        check(g["power_column"] == "gpu%d power.draw" % g["index"], g["power_column"])
        check(g["samples"] == w["n"], "samples %d != %d" % (g["samples"], w["n"]))
        near(g["power_w"]["mean"], w["mean"], 1e-3, "mean power")
        near(g["power_w"]["min"], w["min"], 1e-9, "min power")
        near(g["power_w"]["max"], w["max"], 1e-9, "max power")
        near(g["energy_wh"], w["energy_wh"], 1e-6, "energy")
        near(g["temp_c"]["max"], w["temp_max"], 0, "temperature")
    check(doc["gpus"][0]["missing"] == 1, "[N/A] is a missing reading")
    page = open(os.path.join(TMP, "smi.html")).read()
    data = json.loads(re.search(r'id="gv-data">(.*?)</script>', page, re.S).group(1))
    units = sorted({(s["name"], s["unit"]) for s in data["series"] if s["kind"] == "other"})
    check(units == [("gpu0 memory.used", "MiB"), ("gpu0 utilization.gpu", "%"), ("gpu1 memory.used", "MiB"),
                    ("gpu1 utilization.gpu", "%")], units)
    # the same with one thread
    rc, _, _ = run(SMI, "-o", os.path.join(TMP, "smi1.html"), "--summary-json", os.path.join(TMP, "smi1.json"), "--threads", "1")
    check(rc == 0 and open(out).read() == open(os.path.join(TMP, "smi1.json")).read(), "threads")


@test
def nvidia_smi_noheader_nounits():
    # `--format=csv,noheader,nounits`: the same data without the header line and the units
    import re as _re
    lines = open(SMI).read().split("\n")[1:]
    plain = "\n".join(_re.sub(r" (W|%|MiB)(?=,|$)", "", l) for l in lines)
    p = os.path.join(TMP, "noheader.csv")
    open(p, "w").write(plain)
    expect_error([p, "-o", os.path.join(TMP, "n.html")], 2, "line 1 is data, not a header")
    cols = "timestamp,index,power.draw [W],temperature.gpu,utilization.gpu [%],memory.used [MiB]"
    a = os.path.join(TMP, "nh.json")
    rc, so, se = run(p, "--columns", cols, "-o", os.path.join(TMP, "n.html"), "--summary-json", a, "-q")
    check(rc == 0, se)
    rc, so, se = run(SMI, "-o", os.path.join(TMP, "h.html"), "--summary-json", os.path.join(TMP, "h.json"), "-q")
    got, want = json.load(open(a)), json.load(open(os.path.join(TMP, "h.json")))
    for k in ("gpus", "phases", "time_range", "energy_wh_total"):
        check(got[k] == want[k], "%s differs without header and units" % k)
    check(got["inputs"]["csv"]["rows_read"] == 900, "rows")
    expect_error([p, "--columns", "index,power.draw"], 2, "--columns must name a timestamp column")


@test
def unknown_format_says_what_it_found():
    p = os.path.join(TMP, "weird.csv")
    open(p, "w").write("time;power\n1;2\n")
    expect_error([p], 2, "weird.csv:1: no time column in the header")
    rc, so, se = run(p)
    check("line 1 is 'time;power'" in se, se)


DCGM = os.path.join(SRC, "testdata", "dcgm", "dmon.txt")


def dcgm_oracle(path, start, interval_s):
    """Samples (one per run of increasing GPU ids, at start + k * interval) and per-GPU power
    statistics and trapezoid energy."""
    samples, cur, last = [], None, None
    for line in open(path):
        w = line.split()
        if not w or w[0] in ("#Entity", "ID") or w[0] != "GPU":
            continue
        gid = int(w[1])
        if cur is None or gid <= last:
            cur = {}
            samples.append(cur)
        last = gid
        cur[gid] = [None if x == "N/A" else float(x) for x in w[2:]]
    out = {}
    for g in (0, 1):
        pts = [(start + dt.timedelta(seconds=k * interval_s), s[g][0]) for k, s in enumerate(samples) if s.get(g) and s[g][0] is not None]
        e = sum((a[1] + b[1]) / 2 * (b[0] - a[0]).total_seconds() for a, b in zip(pts, pts[1:]) if (b[0] - a[0]).total_seconds() <= 5)
        v = [p for _, p in pts]
        out[g] = {"n": len(v), "mean": sum(v) / len(v), "max": max(v), "energy_wh": e / 3600,
                  "temp_max": max(s[g][1] for s in samples if g in s)}
    return len(samples), out


@test
def dcgm_dmon():
    out = os.path.join(TMP, "dcgm.json")
    args = [DCGM, "-o", os.path.join(TMP, "dcgm.html"), "--summary-json", out]
    expect_error(args, 2, "has no timestamps: give --start")
    expect_error(args + ["--start", "2025-12-22 21:06:00"], 2, "and --interval MS")
    rc, so, se = run(*args, "--start", "2025-12-22 21:06:00", "--interval", "1000")
    check(rc == 0, se)
    doc = json.load(open(out))
    n, exp = dcgm_oracle(DCGM, dt.datetime(2025, 12, 22, 21, 6, 0), 1.0)
    check(doc["inputs"]["csv"]["rows_read"] == n == 120, doc["inputs"]["csv"])
    check(doc["time_range"]["start"] == "2025-12-22T21:06:00.000" and doc["time_range"]["end"] == "2025-12-22T21:07:59.000", doc["time_range"])
    for g in doc["gpus"]:
        w = exp[g["index"]]
        check(g["samples"] == w["n"], "samples")
        near(g["power_w"]["mean"], w["mean"], 1e-3, "mean")
        near(g["power_w"]["max"], w["max"], 1e-9, "max")
        near(g["energy_wh"], w["energy_wh"], 1e-6, "energy")
        near(g["temp_c"]["max"], w["temp_max"], 0, "temp")
    # the content decides; --format overrides it
    expect_error([DCGM, "--format", "csv", "-o", os.path.join(TMP, "x.html")], 2, "no time column")
    rc, so, se = run(DCGM, "--format", "dcgm", "--start", "2025-12-22 21:06:00", "--interval", "500", "-o", os.path.join(TMP, "h.html"), "--summary-json", out)
    check(rc == 0 and json.load(open(out))["time_range"]["end"] == "2025-12-22T21:06:59.500", "interval 500 ms")
    expect_error([DCGM, "--start", "yesterday"], 2, "--start takes a time")
    expect_error([DCGM, "--interval", "0"], 2, "--interval takes milliseconds > 0")
    expect_error([DCGM, "--format", "xml"], 2, "--format takes auto, csv or dcgm")


def summary_of(*args, stdin=None):
    import subprocess
    out = os.path.join(TMP, "g.json")
    p = subprocess.run([GPUVIZ, *args, "-o", os.path.join(TMP, "g.html"), "--summary-json", out, "-q"],
                       input=stdin, capture_output=True, cwd=TMP)
    check(p.returncode == 0, p.stderr.decode())
    doc = json.load(open(out))
    for k in ("inputs", "gpuviz_version"):
        doc.pop(k)
    return doc


RUN2 = os.path.join(SRC, "testdata", "run2")


@test
def gzip_and_standard_input():
    import gzip
    import shutil
    csv, log = os.path.join(RUN2, "gpu_metrics.csv"), os.path.join(RUN2, "training.log")
    plain = summary_of(csv, "--training-log", log)
    gz_csv, gz_log = os.path.join(TMP, "m.csv.gz"), os.path.join(TMP, "t.log.gz")
    with open(csv, "rb") as f, gzip.open(gz_csv, "wb") as g:
        shutil.copyfileobj(f, g)
    with open(log, "rb") as f, gzip.open(gz_log, "wb") as g:
        shutil.copyfileobj(f, g)
    check(summary_of(gz_csv, "--training-log", gz_log) == plain, "gzip inputs give the same summary")
    # the content decides, not the name: a gzip file without .gz, a plain file named .gz
    named = os.path.join(TMP, "metrics_no_suffix")
    shutil.copy(gz_csv, named)
    check(summary_of(named, "--training-log", log) == plain, "gzip without .gz")
    data = open(csv, "rb").read()
    check(summary_of("-", "--training-log", log, stdin=data) == plain, "CSV on standard input")
    check(summary_of("-", "--training-log", log, stdin=open(gz_csv, "rb").read()) == plain, "gzip on standard input")
    check(summary_of(csv, "--training-log", "-", stdin=open(log, "rb").read()) == plain, "log on standard input")
    # concatenated members (cat a.gz b.gz) are one stream
    half = data.index(b"\n", len(data) // 2) + 1
    two = os.path.join(TMP, "two.csv.gz")
    with open(two, "wb") as f:
        f.write(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    check(summary_of(two, "--training-log", log) == plain, "two gzip members")
    # a truncated gzip file is an input error that says so
    cut = os.path.join(TMP, "cut.csv.gz")
    open(cut, "wb").write(open(gz_csv, "rb").read()[:5000])
    expect_error([cut, "-o", os.path.join(TMP, "c.html")], 2, "cut.csv.gz: gzip data ends early")
    bad = os.path.join(TMP, "bad.csv.gz")
    raw = bytearray(open(gz_csv, "rb").read())
    raw[40:60] = b"\xff" * 20
    open(bad, "wb").write(bytes(raw))
    expect_error([bad, "-o", os.path.join(TMP, "b.html")], 2, "bad.csv.gz: gzip data is corrupt")
    expect_error(["-", "--training-log", "-"], 2, "only one input can come from standard input")


finish("formats")
