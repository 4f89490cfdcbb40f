#!/usr/bin/env python3
"""End-to-end tests of several GPU files in one run (one per node, or one node's sampler
restarted into a new file): testdata/multi-node (two nodes, node-b's clock 3.5 s ahead, an N/A,
two rows out of order) with run2's log, checked against an independent Python merge written from
docs/usage.md ("Several GPU files"): the earliest pending row of any file goes next, each file's
series keep their last value between its rows, statistics and energy use each file's own samples.
Usage: multinode_test.py PATH/TO/gpuviz SOURCE_DIR [MAXRSS_LAUNCHER or -]"""
import datetime as dt
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, expect_error, finish, near, run, setup, test  # noqa: E402
import oracle  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
MAXRSS = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
MN = os.path.join(SRC, "testdata", "multi-node")
A, B = os.path.join(MN, "node-a", "gpu_metrics.csv"), os.path.join(MN, "node-b", "gpu_metrics.csv")
LOG = os.path.join(SRC, "testdata", "run2", "training.log")
OFFSET_B = -3.5


def iso(t):
    return t.isoformat(timespec="milliseconds")


def files_oracle(offset_b):
    """Per GPU (node-a gpu0, gpu1, node-b gpu0, gpu1): its power column, own samples (time,
    value) in file order; and the merged stream as (time, file, row values)."""
    _, ra, _, _ = oracle.read_csv(A)
    _, rb, _, _ = oracle.read_csv(B)
    rb = [(t + dt.timedelta(seconds=offset_b), v) for t, v in rb]
    gpus = [("node-a", 0, ra, "gpu0_power_instant_w", "gpu0_temp_c"), ("node-a", 1, ra, "gpu1_power_instant_w", "gpu1_temp_c"),
            ("node-b", 0, rb, "gpu0_power_w", "gpu0_temp_c"), ("node-b", 1, rb, "gpu1_power_w", "gpu1_temp_c")]
    merged, i, j = [], 0, 0
    while i < len(ra) or j < len(rb):  # the earliest head goes next; a tie goes to the first file
        if j >= len(rb) or (i < len(ra) and ra[i][0] <= rb[j][0]):
            merged.append((ra[i][0], 0, ra[i][1]))
            i += 1
        else:
            merged.append((rb[j][0], 1, rb[j][1]))
            j += 1
    return gpus, merged


def held_rows(merged, gpus):
    """Each merged row as (time, per GPU (power, temp)), other files' GPUs holding their values."""
    last, out = [(None, None)] * len(gpus), []
    for t, f, v in merged:
        for k, (node, _, _, pcol, tcol) in enumerate(gpus):
            if (node == "node-a") == (f == 0):
                last[k] = (v.get(pcol), v.get(tcol))
        out.append((t, list(last)))
    return out


def run_merged(*extra, name="m"):
    summ, exp = os.path.join(TMP, name + ".json"), os.path.join(TMP, name + ".events.json")
    rc, so, se = run(A, B, "--training-log", LOG, "-o", os.path.join(TMP, name + ".html"),
                     "--summary-json", summ, "--export-events", exp, *extra)
    check(rc == 0, se)
    return json.load(open(summ)), json.load(open(exp)), se


@test
def two_nodes_merged_on_wall_clock():
    doc, events, se = run_merged("--time-offset", "node-b=%g" % OFFSET_B)
    gpus, merged = files_oracle(OFFSET_B)
    csv = doc["inputs"]["csv"]
    check(csv["rows_read"] == len(merged) == 2400 and csv["rows_skipped"] == 0, csv)
    check([(f["node"], f["time_offset_s"]) for f in csv["files"]] == [("node-a", 0), ("node-b", OFFSET_B)], csv["files"])
    check(doc["time_range"]["start"] == iso(min(t for t, _, _ in merged)), doc["time_range"])
    check(doc["time_range"]["end"] == iso(max(t for t, _, _ in merged)), doc["time_range"])
    names = [g["name"] for g in doc["gpus"]]
    check(names == ["node-a:gpu0", "node-a:gpu1", "node-b:gpu0", "node-b:gpu1"], names)
    check([g["index"] for g in doc["gpus"]] == [0, 1, 2, 3], "numbered across nodes")
    for g, (node, local, rows, pcol, tcol) in zip(doc["gpus"], gpus):
        pts = oracle.series(rows, pcol)
        temps = [v for _, v in oracle.series(rows, tcol)]
        what = g["name"]
        check(g["node"] == node and g["power_column"] == "%s/%s" % (node, pcol), what)
        check(g["samples"] == len(pts), "%s: %d samples, want %d" % (what, g["samples"], len(pts)))
        near(g["power_w"]["mean"], sum(v for _, v in pts) / len(pts), 1e-3, what + " mean")
        near(g["power_w"]["max"], max(v for _, v in pts), 1e-9, what + " max")
        near(g["energy_wh"], oracle.energy_j(pts) / 3600, 1e-6, what + " energy")
        near(g["temp_c"]["max"], max(temps), 0, what + " temp")
    check(doc["gpus"][2]["missing"] == 1, "node-b's N/A is missing; other files' rows are not")
    # events: nearest merged row (held values), windows over each GPU's own samples
    held = held_rows(merged, gpus)
    t0, t1 = merged[0][0], max(t for t, _, _ in merged)
    want = [e for e in sorted(oracle.read_log(LOG), key=lambda e: (e["t"], e["line"])) if t0 <= e["t"] <= t1]
    check(len(events) == len(want) == 5, "%d events" % len(events))
    for e, w in zip(events, want):
        k = min(range(len(held)), key=lambda i: (abs((held[i][0] - w["t"]).total_seconds()), i))
        for g, (p, tc), (node, local, rows, pcol, tcol) in zip(e["gpu"], held[k][1], gpus):
            what = "%s at line %d, %s" % (w["type"], w["line"], node)
            check(g["power_w"] == p and g["temp_c"] == tc, "%s: nearest %r/%r, want %r/%r" % (what, g["power_w"], g["temp_c"], p, tc))
            if w["end"] > w["start"]:
                mean, mx, wh, n = oracle.window(oracle.series(rows, pcol), w["start"], w["end"])
                check(g["window_samples"] == n, "%s: %d window samples, want %d" % (what, g["window_samples"], n))
                near(g["energy_wh"], wh, 1e-6, what + " window energy")
    check("node-b/gpu_metrics.csv:303: sample time goes back 0.500 s" in se, se)
    check("2 GPU files merged: 2400 rows read" in se and "node-b:gpu1" in se, se)


@test
def offsets_move_one_file_only():
    doc, _, _ = run_merged(name="raw")
    gpus, merged = files_oracle(0)
    check(doc["time_range"]["end"] == iso(max(t for t, _, _ in merged)), doc["time_range"])
    check(doc["inputs"]["csv"]["files"][1]["time_offset_s"] == 0, "no offset")
    expect_error([A, B, "--time-offset", "node-c=1"], 2, "--time-offset node-c=...: no GPU file of node 'node-c' (nodes: node-a, node-b)")
    expect_error([A, B, "--node-names", "x"], 2, "--node-names needs one non-empty name (< 80 bytes) per GPU file: 2 files given")
    expect_error([A, B, "--node-names", "x,y,z"], 2, "--node-names has more names than the 2 GPU files")
    for d in ("d1", "d2"):
        os.makedirs(os.path.join(TMP, d, "n"), exist_ok=True)
        open(os.path.join(TMP, d, "n", "gpu_metrics.csv"), "w").write(open(A).read())
    expect_error([os.path.join(TMP, "d1", "n", "gpu_metrics.csv"), os.path.join(TMP, "d2", "n", "gpu_metrics.csv")],
                 2, "would be the same node: name the nodes with --node-names")


@test
def one_node_in_two_files_is_one_node():
    # a sampler restarted into a new file: the halves, named as one node, give node-a's figures
    lines = open(A).read().split("\n")
    half = 1 + 600
    p1, p2 = os.path.join(TMP, "part1.csv"), os.path.join(TMP, "part2.csv")
    open(p1, "w").write("\n".join(lines[:half]) + "\n")
    open(p2, "w").write("\n".join(lines[:1] + lines[half:]))
    outs = []
    for args in ([A], [p2, p1, "--node-names", "a,a"]):
        s = os.path.join(TMP, "half%d.json" % len(args))
        rc, _, se = run(*args, "--training-log", LOG, "-o", os.path.join(TMP, "h.html"), "--summary-json", s, "-q")
        check(rc == 0, se)
        outs.append(json.load(open(s)))
    whole, halves = outs
    check(len(halves["gpus"]) == 2 and halves["gpus"][0]["name"] == "a:gpu0", halves["gpus"])
    for a, b in zip(whole["gpus"], halves["gpus"]):
        for k in ("samples", "energy_wh", "power_w", "temp_c", "missing"):
            check(a[k] == b[k], "%s differs: %r vs %r" % (k, a[k], b[k]))
    check(whole["phases"] == halves["phases"] and whole["events"] == halves["events"], "the same analysis")


@test
def threads_give_identical_results():
    a = run_merged("--time-offset", "node-b=-3.5", name="t2")[0]
    b = run_merged("--time-offset", "node-b=-3.5", "--threads", "1", name="t1")[0]
    check(a == b, "--threads 1 and the default differ")


@test
def memory_stays_bounded_with_several_files():
    if not MAXRSS:
        print("  (peak memory not measured under sanitizers)")
        return
    paths = []
    for n in range(3):  # 3 x ~17 MB
        p = os.path.join(TMP, "big%d.csv" % n)
        with open(p, "w") as f:
            f.write("timestamp,gpu0_power_w,gpu0_temp_c,gpu1_power_w,gpu1_temp_c\n")
            t = dt.datetime(2025, 12, 22, 21, 0, 0)
            for k in range(300000):
                f.write("%s,%.2f,%d,%.2f,%d\n" % ((t + dt.timedelta(milliseconds=10 * k + 3 * n)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                                                   600 + k % 50, 70, 610 + k % 40, 68))
        paths.append(p)
    out = subprocess.run([MAXRSS, GPUVIZ, *paths, "-o", os.path.join(TMP, "big.html"), "-q"], capture_output=True, text=True)
    check(out.returncode == 0, out.stderr)
    kb = int(out.stderr.strip().splitlines()[-1].split()[-1])
    check(kb < 40 * 1024, "peak %d KB for three 17 MB files" % kb)


finish("multinode")
