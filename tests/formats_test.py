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
    expect_error([p, "--columns", "index,power.draw"], 2, "--columns takes column names, one of them timestamp")


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
    for k in ("inputs", "gpuviz_version", "title"):  # (the file names differ)
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

# ---------------------------------------------------------------- sampler files as people write them
# Small files written here, one per quirk seen in published sampler output (../shared/realworld);
# each test's expected values come from the generator's own numbers.

def write(name, text, encoding="utf-8"):
    p = os.path.join(TMP, name)
    with open(p, "w", encoding=encoding, newline="") as f:
        f.write(text)
    return p


def summary(p, *extra):
    out = os.path.join(TMP, "q.json")
    rc, so, se = run(p, "-o", os.path.join(TMP, "q.html"), "--summary-json", out, "--no-idle-cutoff", *extra)
    check(rc == 0, "exit %d: %s" % (rc, se))
    return json.load(open(out)), se


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000)


T0 = dt.datetime(2025, 7, 26, 23, 32, 9, 703000)


def smi_noindex(gpus, queries, late=()):
    """nvidia-smi -lms 100 without an index column: each query's rows 2 ms apart, queries 100 ms
    apart; in the queries listed in late, GPU 0's row comes 60 ms before the others (as seen in a
    real file). GPU g of query q draws 100 + 10 g + q W."""
    rows = ["timestamp, power.draw [W], utilization.gpu [%], memory.used [MiB]"]
    for q in range(queries):
        for g in range(gpus):
            t = T0 + dt.timedelta(milliseconds=100 * q + 2 * g - (60 if q in late and g == 0 else 0))
            rows.append("%s, %.2f W, %d %%, %d MiB" % (t.strftime("%Y/%m/%d %H:%M:%S.%f")[:-3], 100 + 10 * g + q, 50, 1000 + g))
    return "\n".join(rows) + "\n"


@test
def nvsmi_without_index_counts_gpus():
    doc, se = summary(write("noidx8.csv", smi_noindex(8, 100, late=(3, 40, 41, 77))))
    check(doc["inputs"]["csv"]["gpus_counted"] == 8 and len(doc["gpus"]) == 8, doc["inputs"]["csv"])
    check(doc["inputs"]["csv"]["rows_read"] == 100, doc["inputs"]["csv"])
    for g in doc["gpus"]:  # mean of 100 + 10 g + q over q = 0..99
        near(g["power_w"]["mean"], 100 + 10 * g["index"] + 49.5, 1e-9, "GPU %d mean" % g["index"])
    check("8 GPUs per query, counted from the rows' times" in se, se)
    check(doc["time_range"]["start"] == iso(T0) and doc["time_range"]["end"] == iso(T0 + dt.timedelta(milliseconds=9900)),
          doc["time_range"])
    # --gpus says otherwise: 4 GPUs per query, 200 queries
    doc, _ = summary(write("noidx8.csv", smi_noindex(8, 100)), "--gpus", "4")
    check(len(doc["gpus"]) == 4 and doc["inputs"]["csv"]["rows_read"] == 200 and doc["inputs"]["csv"]["gpus_counted"] is None,
          doc["inputs"]["csv"])
    # one GPU every second, with a text column (the GPU's name) and 4 s gaps now and then
    rows = ["timestamp, name, utilization.gpu [%], power.draw [W]"]
    t = T0
    for k in range(300):
        t += dt.timedelta(seconds=4 if k % 50 == 49 else 1)
        rows.append("%s, NVIDIA GeForce RTX 4090, 3 %%, %.2f W" % (t.strftime("%Y/%m/%d %H:%M:%S.%f")[:-3], 30 + k % 10))
    doc, se = summary(write("one.csv", "\n".join(rows) + "\n"))
    check(len(doc["gpus"]) == 1 and doc["inputs"]["csv"]["rows_read"] == 300, doc["inputs"]["csv"])
    near(doc["gpus"][0]["power_w"]["mean"], 34.5, 1e-9, "mean")
    # 4 s is under 5 x the 1 s median interval: no sample gap
    check(doc["anomaly_counts"]["sample_gap"] == 0, doc["anomaly_counts"])


@test
def sample_gaps_relative_to_the_rate():
    # 1 Hz with one 10 s hole; then 15 s sampling (every interval is "long" in absolute terms)
    rows = ["timestamp,gpu0_power_w"]
    t = T0
    for k in range(200):
        t += dt.timedelta(seconds=10 if k == 120 else 1)
        rows.append("%s,300.00" % t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])
    doc, _ = summary(write("hole.csv", "\n".join(rows) + "\n"))
    check(doc["anomaly_counts"]["sample_gap"] == 1, doc["anomaly_counts"])
    gap = [a for a in doc["anomalies"] if a["kind"] == "sample_gap"][0]
    near(gap["value"], 10, 1e-9, "gap seconds")
    rows = ["timestamp,gpu0_power_w"] + ["%s,300.00" % (T0 + dt.timedelta(seconds=15 * k)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
                                         for k in range(500)]
    doc, _ = summary(write("slow.csv", "\n".join(rows) + "\n"))
    check(doc["anomaly_counts"]["sample_gap"] == 0, doc["anomaly_counts"])


@test
def memory_and_utilization_only():
    rows = ["timestamp, memory.used [MiB], utilization.gpu [%]"]
    for k in range(50):
        rows.append("%s, %d MiB, %d %%" % ((T0 + dt.timedelta(seconds=15 * k)).strftime("%Y/%m/%d %H:%M:%S.%f")[:-3], 17000 + k, k % 3))
    doc, se = summary(write("mem.csv", "\n".join(rows) + "\n"))
    check(doc["inputs"]["csv"]["rows_read"] == 50 and doc["gpus"] == [], doc["inputs"]["csv"])
    check("no power column: energy and phase energy are not known" in se and "gpu0 memory.used" in se, se)


@test
def utf16_with_bom_and_crlf():
    # PowerShell's `nvidia-smi ... > file`: UTF-16LE with a byte order mark, CRLF line ends
    text = smi_noindex(2, 30).replace("\n", "\r\n")
    plain, _ = summary(write("u8.csv", smi_noindex(2, 30)))
    doc, _ = summary(write("u16.csv", text, encoding="utf-16"))
    check(doc["gpus"] == plain["gpus"] and doc["inputs"]["csv"]["rows_read"] == 30, (doc["gpus"], plain["gpus"]))
    doc, _ = summary(write("u16be.csv", "\ufeff" + text, encoding="utf-16-be"))
    check(doc["gpus"] == plain["gpus"], "big endian")


@test
def time_columns_as_people_write_them():
    # wide GPU0,GPU1 power columns with epoch seconds; a long layout with GPUId and TimeStampUs
    # (epoch microseconds); ISO 8601 with 'Z' and a custom long header with gpu_index
    e0 = 1763638585.215
    rows = ["timestamp,GPU0,GPU1"] + ["%.3f,%.3f,%.3f" % (e0 + 0.2 * k, 200 + k, 250 - k) for k in range(40)]
    doc, _ = summary(write("epoch.csv", "\n".join(rows) + "\n"))
    check([g["index"] for g in doc["gpus"]] == [0, 1], doc["gpus"])
    near(doc["gpus"][0]["power_w"]["mean"], 219.5, 1e-9, "GPU0")
    utc = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=e0)
    check(doc["time_range"]["start"] == iso(utc), (doc["time_range"], iso(utc)))
    us0 = 1718369824263312
    rows = ["GPUId,TimeStampUs,Watts"] + ["%d,%d,%.2f" % (g, us0 + 40000 * k + 500 * g, 70 + g) for k in range(30) for g in range(2)]
    doc, _ = summary(write("dcgmapi.csv", "\n".join(rows) + "\n"))
    check(len(doc["gpus"]) == 2 and doc["inputs"]["csv"]["rows_read"] == 30, doc["inputs"]["csv"])
    near(doc["gpus"][1]["power_w"]["mean"], 71, 1e-9, "GPU1")
    check(doc["time_range"]["start"] == iso(dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us0)), doc["time_range"])
    rows = ["timestamp,gpu_index,temperature_C,utilization_gpu_percent,power_W"]
    for k in range(20):
        for g in range(3):
            rows.append("%sZ,%d, %d, 100, %.2f" % ((T0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3], g, 40 + g, 300 + g))
    doc, _ = summary(write("isoz.csv", "\n".join(rows) + "\n"))
    check([(g["index"], g["power_w"]["mean"], g["temp_c"]["max"]) for g in doc["gpus"]] == [(0, 300, 40), (1, 301, 41), (2, 302, 42)],
          doc["gpus"])
    check(doc["time_range"]["time_zone"] == "UTC", doc["time_range"])
    # ISO 8601 with an offset (a sampler in Singapore): times stay as written, the zone is said;
    # the log's times (no zone) are read on the same clock: its validation lands at 23:32:19
    rows = ["timestamp,gpu_index,power_W"] + ["%s+08:00,0,%.2f" % ((T0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3], 300)
                                             for k in range(30)]
    log = write("tz.log", "%s,000 - nanochat.common - INFO - Distributed world size: 1\nStep 00010 | Validation bpb: 0.9\n%s,000 - x - INFO - done\n"
                % ((T0 + dt.timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S"), (T0 + dt.timedelta(seconds=25)).strftime("%Y-%m-%d %H:%M:%S")))
    doc, se = summary(write("tz.csv", "\n".join(rows) + "\n"), "--training-log", log)
    check(doc["time_range"]["start"] == iso(T0) and doc["time_range"]["time_zone"] == "UTC+08:00", doc["time_range"])
    check(len(doc["events"]) == 1 and T0 + dt.timedelta(seconds=5) <= dt.datetime.strptime(doc["events"][0]["timestamp"], "%Y-%m-%dT%H:%M:%S.%f")
          <= T0 + dt.timedelta(seconds=25), doc["events"])
    check("UTC+08:00 as the file writes them" in se, se)
    rows = ["timestamp,gpu0_power_w"] + ["%s -0530,100" % (T0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S") for k in range(5)]
    doc, _ = summary(write("tz2.csv", "\n".join(rows) + "\n"))
    check(doc["time_range"]["time_zone"] == "UTC-05:30" and doc["inputs"]["csv"]["rows_read"] == 5, (doc["time_range"], doc["inputs"]["csv"]))
    # a DCGM API dump: each GPU polled on its own (times of its own), a batch of GPU 0's rows, then
    # GPU 1's, GPU 2's, twice: reordered by time, one sample per round (below)
    rows = ["GPUId,TimeStampUs,Watts"]
    for b in range(2):
        for g in range(3):
            for k in range(12):
                t = us0 + 1000000 * b + 80000 * k + 7000 * g
                rows.append("%d,%d,%.2f" % (g, t, 70 + g + k / 10))
    doc, se = summary(write("gpumajor.csv", "\n".join(rows) + "\n"))
    # by time, GPU 0, 1, 2 of round k are 7 ms apart and the next round 80 ms later: 24 rounds
    check(doc["inputs"]["csv"]["rows_read"] == 24 and len(doc["gpus"]) == 3, doc["inputs"]["csv"])
    for g in range(3):
        near(doc["gpus"][g]["power_w"]["mean"], 70 + g + 0.55, 1e-9, "GPU%d mean" % g)
    check("goes back" not in se, se)
    # a long table: two fields of two GPUs, each field in its own batch (time going back between)
    rows = ["GPUId,TimeStampUs,Field,Values"]
    for g in range(2):
        for f, base in (("power_usage_instant", 100), ("gpu_temp", 40)):
            for k in range(10):
                rows.append("%d,%d,%s,%.1f" % (g, us0 + 500000 * k + 1000 * g + (300 if f == "gpu_temp" else 0), f, base + 10 * g + k))
    doc, _ = summary(write("fields.csv", "\n".join(rows) + "\n"))
    check([(g["index"], g["power_w"]["mean"], g["temp_c"]["max"]) for g in doc["gpus"]] == [(0, 104.5, 49), (1, 114.5, 59)], doc["gpus"])
    # by time: round k has GPU 0's and 1's power (1 ms apart), then their temperatures 0.3 s later,
    # which set values the sample lacks: one sample per round
    check(doc["inputs"]["csv"]["rows_read"] == 10, doc["inputs"]["csv"])
    # a dump whose first GPU's batch is longer than the rows gpuviz holds to tell (512): said so
    rows = ["GPUId,TimeStampUs,Watts"] + ["%d,%d,%.2f" % (g, us0 + 40000 * k, 70 + g) for g in range(2) for k in range(600)]
    expect_error([write("gpumajor_long.csv", "\n".join(rows) + "\n")], 2, "rows are grouped by GPU")


@test
def one_gpu_named_columns_latin1_header():
    # a Windows tool's CSV: `Time,Power (W),Temp (\xb0C)` with the degree sign in Latin-1; one GPU
    rows = [b"Time,Power (W),Temp (\xb0C)"] + [("2025-01-01 00:00:%02d,%d,%d" % (k, 100 + k, 50 + k % 3)).encode() for k in range(20)]
    p = os.path.join(TMP, "latin1.csv")
    open(p, "wb").write(b"\r\n".join(rows) + b"\r\n")
    doc, _ = summary(p)
    g = doc["gpus"]
    check(len(g) == 1 and g[0]["power_column"] == "Power (W)", g)
    near(g[0]["power_w"]["mean"], 109.5, 1e-9, "mean power")
    check(g[0]["temp_c"]["max"] == 52, g)


@test
def columns_named_by_the_user():
    rows = ["When,Card,Pwr (W),Hot"] + ["2025-01-01 00:00:%02d,%d,%d,%d" % (k, g, 100 * (g + 1) + k, 50 + g) for k in range(10) for g in range(2)]
    p = write("mapped.csv", "\n".join(rows) + "\n")
    expect_error([p], 2, "no time column in the header")
    doc, _ = summary(p, "--map", "time=When,gpu=Card,power=Pwr (W),temp=Hot")
    check([(g["index"], g["power_w"]["mean"], g["temp_c"]["max"]) for g in doc["gpus"]] == [(0, 104.5, 50), (1, 204.5, 51)], doc["gpus"])
    expect_error([p, "--map", "time=Nope"], 2, "the column map's 'time=Nope' names a column the header lacks")
    expect_error([p, "--map", "speed=When"], 2, "is not ROLE=COLUMN")



@test
def nvidia_smi_dmon_text():
    # `nvidia-smi dmon -s pu -o DT`: rows carry their date and time; '-' is a missing reading
    lines = ["#Date       Time        gpu    pwr  gtemp  mtemp     sm    mem",
             "#YYYYMMDD   HH:MM:SS    Idx      W      C      C      %      %"]
    for k in range(6):
        t = T0.replace(microsecond=0) + dt.timedelta(seconds=k)
        for g in range(2):
            lines.append("%s %s    %d    %d     %d      -     %d      1" % (t.strftime("%Y%m%d"), t.strftime("%H:%M:%S"), g,
                                                                          100 + 10 * g + k, 40 + g, 50))
    doc, _ = summary(write("dmon_dt.txt", "\n".join(lines) + "\n"))
    check([(g["index"], g["power_w"]["mean"], g["temp_c"]["max"]) for g in doc["gpus"]] == [(0, 102.5, 40), (1, 112.5, 41)], doc["gpus"])
    check(doc["time_range"]["start"] == iso(T0.replace(microsecond=0)) and doc["inputs"]["csv"]["rows_read"] == 6,
          (doc["time_range"], doc["inputs"]["csv"]))
    # without -o DT it has no times: --start and --interval place it
    plain = [l[20:] if not l.startswith("#") else "# " + l[21:] for l in lines]
    plain[0], plain[1] = "# gpu    pwr  gtemp  mtemp     sm    mem", "# Idx      W      C      C      %      %"
    p = write("dmon.txt", "\n".join(plain) + "\n")
    expect_error([p], 2, "has no timestamps")
    doc, _ = summary(p, "--start", "2025-07-26 23:32:09", "--interval", "1000")
    check([(g["index"], g["power_w"]["mean"]) for g in doc["gpus"]] == [(0, 102.5), (1, 112.5)], doc["gpus"])


@test
def node_power_columns_and_slow_sampling():
    # a BMC/PDU log: whole-server watts per node every 11 s, their total beside them; node 2's
    # sampler misses 3 readings once (a 44 s hole: more than 5 x 11 s? no, 44 < 55: integrated)
    # and once 10 (121 s: a gap, not integrated)
    rows = ["timestamp,n1_watts,n2_watts,total_watts"]
    t, ts = T0.replace(microsecond=0), []
    for k in range(120):
        t += dt.timedelta(seconds=44 if k == 30 else 121 if k == 80 else 11)
        ts.append(t)
        rows.append("%s,%d,%d,%d" % (t.strftime("%Y-%m-%dT%H:%M:%S"), 2000 + k, 3000 - k, 5000))
    doc, se = summary(write("nodes.csv", "\n".join(rows) + "\n"))
    check([g["name"] for g in doc["gpus"]] == ["n1", "n2"], doc["gpus"])
    near(doc["gpus"][0]["power_w"]["mean"], 2000 + 59.5, 1e-9, "n1 mean")
    # energy: every interval but the 121 s one, trapezoids of 2000 + k W (n1) and 3000 - k W (n2)
    for g, f in ((0, lambda k: 2000 + k), (1, lambda k: 3000 - k)):
        want = sum((f(k) + f(k - 1)) / 2 * (ts[k] - ts[k - 1]).total_seconds() / 3600
                   for k in range(1, 120) if k != 80)
        near(doc["gpus"][g]["energy_wh"], want, 1e-3, "node %d energy" % g)
    check("node n1" in se and "node n2" in se, se)
    # next to per-GPU columns a node column is a plain series (it holds the GPUs' power)
    rows = ["timestamp,gpu0_power_w,n1_watts"] + ["%s,%d,%d" % ((T0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                                                             300, 2000) for k in range(20)]
    doc, _ = summary(write("gpu_and_node.csv", "\n".join(rows) + "\n"))
    check([g["name"] for g in doc["gpus"]] == ["gpu0"], doc["gpus"])


@test
def nvidia_smi_table_repeated():
    # `while true; do nvidia-smi; done >> log`: the full table, each snapshot after its date line
    # (whole seconds); 2 GPUs; 3 snapshots share second 0, 1 in second 5, 2 in second 6; one power
    # reading N/A; the processes table lists a process on GPU 1 (not a GPU row)
    def snap(t, readings):
        out = [t.strftime("%a %b %d %H:%M:%S %Y") + "       ",
               "+-----------------------------------------------------------------------------+",
               "| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |",
               "|-------------------------------+----------------------+----------------------+",
               "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |",
               "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |",
               "|===============================+======================+======================|"]
        for g, (w, c, u) in enumerate(readings):
            out += ["|   %d  Tesla V100-SXM2...  On   | 00000000:0%d:00.0 Off |                    0 |" % (g, g),
                    "| %3d%%   %2dC    P0   %s /  300W |   1024MiB / 16160MiB |    %3d%%      Default |"
                    % (30 + g, c, ("%6.2fW" % w) if w is not None else "   N/A", u),
                    "+-------------------------------+----------------------+----------------------+"]
        out += ["", "+-----------------------------------------------------------------------------+",
                "| Processes:                                                                  |",
                "|  GPU   GI   CI        PID   Type   Process name                  GPU Memory |",
                "|=============================================================================|",
                "|    1   N/A  N/A     12345      C   python                           1021MiB |",
                "+-----------------------------------------------------------------------------+"]
        return out
    base = T0.replace(microsecond=0)
    plan = [0, 0, 0, 5, 6, 6]  # seconds of the snapshots
    lines, want = [], []
    for k, sec in enumerate(plan):
        readings = [(100.0 + k, 40 + k, 50), (None if k == 2 else 200.5 + k, 50 + k, 60)]
        lines += snap(base + dt.timedelta(seconds=sec), readings)
        want.append(readings)
    doc, se = summary(write("smi_table.log", "\n".join(lines) + "\n"))
    check(doc["inputs"]["csv"]["rows_read"] == 6 and len(doc["gpus"]) == 2, (doc["inputs"]["csv"], doc["gpus"]))
    near(doc["gpus"][0]["power_w"]["mean"], sum(100.0 + k for k in range(6)) / 6, 1e-9, "GPU0 mean")
    near(doc["gpus"][1]["power_w"]["mean"], sum(200.5 + k for k in range(6) if k != 2) / 5, 1e-9, "GPU1 mean")
    check(doc["gpus"][1]["missing"] == 1, doc["gpus"][1])
    check(doc["gpus"][0]["temp_c"]["max"] == 45 and doc["gpus"][1]["temp_c"]["min"] == 50, doc["gpus"])
    # second 0's three snapshots at +0, +1/3, +2/3 s; second 6's two at +0, +0.5 s
    check(doc["time_range"]["start"] == iso(base), doc["time_range"])
    check(doc["time_range"]["end"] == iso(base + dt.timedelta(seconds=6.5)), doc["time_range"])


@test
def times_of_day_and_elapsed_seconds():
    # a home-made sampler writing only the time of day, across midnight: --start gives the date
    # (a time of day before --start's is the next day's)
    start = dt.datetime(2025, 7, 26, 23, 59, 0)
    rows = ["time,gpu0_power_w"] + ["%s,%d" % ((start + dt.timedelta(seconds=10 * k)).strftime("%H:%M:%S.%f")[:-3], 100 + k)
                                    for k in range(12)]
    p = write("tod.csv", "\n".join(rows) + "\n")
    expect_error([p], 2, "tod.csv:2: column 'time' holds times of day without a date")
    doc, _ = summary(p, "--start", "2025-07-26 23:59:00")
    check(doc["time_range"]["start"] == iso(start) and doc["time_range"]["end"] == iso(start + dt.timedelta(seconds=110)),
          doc["time_range"])
    # seconds since the sampler started, alone (an `elapsed_sec` column): --start places them
    rows = ["elapsed_sec,gpu0_power_w,gpu0_temp_c"] + ["%.1f,%d,50" % (0.5 * k, 200) for k in range(20)]
    p = write("elapsed.csv", "\n".join(rows) + "\n")
    expect_error([p], 2, "holds seconds since the sampler started")
    doc, _ = summary(p, "--start", "2025-07-26 23:32:09")
    t0 = dt.datetime(2025, 7, 26, 23, 32, 9)
    check(doc["time_range"]["start"] == iso(t0) and doc["time_range"]["end"] == iso(t0 + dt.timedelta(seconds=9.5)), doc["time_range"])
    near(doc["gpus"][0]["energy_wh"], 200 * 9.5 / 3600, 1e-6, "energy")


finish("formats")
