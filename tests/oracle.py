#!/usr/bin/env python3
"""An independent reimplementation, in plain Python, of what gpuviz computes on testdata/run2.

It shares no code with gpuviz and is written from the definitions in docs/formats.md, using only
the standard library (csv, re, datetime). tests/cli_test.py compares gpuviz's exports with it.
Run it alone to see the expected values:  python3 tests/oracle.py testdata/run2
"""
import csv
import datetime as dt
import json
import math
import re
import sys

# Intervals longer than max(5 s, 5 x the typical interval) are gaps. The generated runs read here
# sample at 1 s or faster, where that is always 5 s; formats_test and corpus_test check slow samplers.
GAP_S = 5.0


def parse_time(s):
    s = s.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            pass
    return None


def read_csv(path):
    """Valid rows as (time, {column: float or None}); counts of skipped rows and restarts."""
    rows, skipped, restarts = [], 0, 0
    with open(path, newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = next(csv.reader([lines[0]]))
    for line in lines[1:]:
        if line.strip() == "":
            skipped += 1
            continue
        cells = next(csv.reader([line]))
        if cells == header:
            restarts += 1
            continue
        if len(cells) != len(header):
            skipped += 1
            continue
        rec = dict(zip(header, cells))
        t = parse_time(rec["timestamp"])
        vals, bad = {}, False
        for k, v in rec.items():
            if k in ("timestamp", "elapsed_sec"):
                continue
            if v in ("N/A", ""):
                vals[k] = None
                continue
            try:
                vals[k] = float(v)
            except ValueError:
                bad = True
        if t is None or bad:
            skipped += 1
            continue
        rows.append((t, vals))
    return header, rows, skipped, restarts


def secs(a, b):
    return (b - a).total_seconds()


def series(rows, col):
    return [(t, v[col]) for t, v in rows if v.get(col) is not None]


def energy_j(pts):
    e = 0.0
    for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
        d = secs(t0, t1)
        if 0 < d <= GAP_S:
            e += (v0 + v1) / 2 * d
    return e


def window(pts, a, b):
    inside = [v for t, v in pts if a <= t <= b]
    e = 0.0
    for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
        d = secs(t0, t1)
        if not (0 < d <= GAP_S):
            continue
        lo, hi = max(a, t0), min(b, t1)
        if hi <= lo:
            continue
        f = lambda x: v0 + (v1 - v0) * secs(t0, x) / d
        e += (f(lo) + f(hi)) / 2 * secs(lo, hi)
    mean = sum(inside) / len(inside) if inside else None
    return mean, (max(inside) if inside else None), e / 3600, len(inside)


def nearest(rows, t):
    best = min(range(len(rows)), key=lambda i: (abs(secs(rows[i][0], t)), i))
    return rows[best]


TS_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?) ")
TS_LOG = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) - ")


def own_time(line):
    """(time of the line's own, or None; the text after a prefix)."""
    t = None
    m = TS_PREFIX.match(line)
    if m:
        t = dt.datetime.fromisoformat(m.group(1).replace("T", " "))
        line = line[m.end():]
    m = TS_LOG.match(line)
    if m:
        t = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S") + dt.timedelta(milliseconds=int(m.group(2)))
    return t, line


def log_clock(path):
    """{line number: time} for every line of a nanochat log, written from docs/formats.md ("How a
    log is timed"): a line with a time of its own keeps it; the item lines without one (steps,
    validations, CORE lines) between two stamped lines share the gap left by the durations they
    print (a step its dt, a CORE line its tasks' times) equally among the "slots" (each item
    without a printed duration, plus each end whose stamped line is not a step line); a stamped
    step line ends its dt at its time. Lines after the last stamp follow it by their durations."""
    lines = [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw.rstrip("\r"))
             for raw in open(path, encoding="utf-8", errors="replace").read().split("\n")[:-1]]
    own, items, task_s = {}, {}, 0.0
    for n, line in enumerate(lines, 1):
        t, text = own_time(line)
        if t is not None:
            own[n] = t
        d = re.search(r"dt: ([\d.]+)ms", text)
        if re.match(r"\s*step \d+", text) and "loss" in text:
            items[n] = (float(d.group(1)) / 1000, 0) if d else (0.0, 1)
        elif re.search(r"Step \d+ \| Validation", text):
            items[n] = (0.0, 1)
        m = re.search(r"Evaluating: .*time: ([\d.]+)s", text)
        if m:
            task_s += float(m.group(1))
        if re.search(r"Step \d+ \| CORE metric", text):
            items[n] = (task_s, 0)
            task_s = 0.0
    times = dict(own)
    stamped = sorted(own)
    spans, lo = [], 0
    for hi in stamped + [len(lines) + 1]:
        inside = [n for n in sorted(items) if lo < n < hi and n not in own]
        if inside:
            spans.append((lo, hi, inside))
        lo = hi
    for lo, hi, inside in spans:
        t_lo, t_hi = own.get(lo), own.get(hi)
        lo_slot = 0 if lo in items else 1
        hi_slot = 0 if hi in items else 1
        if t_hi is not None and hi in items:
            t_hi = t_hi - dt.timedelta(seconds=items[hi][0])
        cost = sum(items[n][0] for n in inside)
        slots = lo_slot + hi_slot + sum(items[n][1] for n in inside)
        acc, used = 0.0, lo_slot
        for n in inside:
            acc += items[n][0]
            used += items[n][1]
            if t_lo is not None and t_hi is not None:
                gap = (t_hi - t_lo).total_seconds()
                t = t_lo + dt.timedelta(seconds=acc + (gap - cost) * used / slots) if cost <= gap else \
                    t_lo + dt.timedelta(seconds=acc * gap / cost)
            elif t_lo is not None:
                t = t_lo + dt.timedelta(seconds=acc)
            else:
                t = t_hi - dt.timedelta(seconds=cost - acc)
            times[n] = t
    return times


def read_log(path):
    """Events of testdata/run2/training.log by the rules of docs/formats.md."""
    events, cur, prev, tasks = [], None, None, []
    ckpt = None
    clock = log_clock(path)
    for n, raw in enumerate(open(path, encoding="utf-8", errors="replace").read().split("\n")[:-1], 1):
        line = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw.rstrip("\r"))
        t, line = own_time(line)
        if t is not None:
            cur = t
        t = clock.get(n, cur)
        m = re.search(r"Step (\d+) \| Validation (bpb|loss): ([\d.]+)", line)
        if m:
            events.append(dict(type="validation", t=t, start=prev if prev and prev <= t else t, end=t,
                               step=int(m.group(1)), metrics={m.group(2): float(m.group(3))}, line=n))
        m = re.search(r"Evaluating: (\S+) .*time: ([\d.]+)s", line)
        if m:
            tasks.append((m.group(1), t, float(m.group(2))))
        m = re.search(r"Step (\d+) \| CORE metric: ([\d.]+)", line)
        if m:
            start = tasks[0][1] - dt.timedelta(seconds=tasks[0][2])
            events.append(dict(type="evaluation", t=start, start=start, end=t, step=int(m.group(1)),
                               metrics={"core": float(m.group(2)), "tasks": len(tasks)}, line=n,
                               tasks=[k[0] for k in tasks]))
            tasks = []
        m = re.search(r"Saved (model parameters|metadata|optimizer state) to: .*/(\w+)_checkpoints/(\w+)/\w+?_(\d+)", line)
        if m:
            if ckpt is None or ckpt["step"] != int(m.group(4)):
                ckpt = dict(type="checkpoint", t=t, start=t, end=t, step=int(m.group(4)), metrics={"files": 0},
                            line=n, kind=m.group(2), tag=m.group(3))
                events.append(ckpt)
            ckpt["metrics"]["files"] += 1
            ckpt["end"] = t
        prev = t
    return events


def compute(run_dir, threshold=200.0, buffer_min=10.0):
    header, rows, skipped, restarts = read_csv(run_dir + "/gpu_metrics.csv")
    t_first, t_last = min(r[0] for r in rows), max(r[0] for r in rows)
    gpus = sorted({int(re.match(r"gpu(\d+)_", c).group(1)) for c in header if c.startswith("gpu")})
    out = dict(rows_read=len(rows), rows_skipped=skipped, restarts=restarts,
               t_first=t_first.isoformat(timespec="milliseconds"), t_last=t_last.isoformat(timespec="milliseconds"), gpus={})
    for g in gpus:
        p = series(rows, "gpu%d_power_instant_w" % g)
        c = series(rows, "gpu%d_temp_c" % g)
        out["gpus"][g] = dict(power_mean=sum(v for _, v in p) / len(p), power_min=min(v for _, v in p),
                              power_max=max(v for _, v in p), temp_mean=sum(v for _, v in c) / len(c),
                              temp_min=min(v for _, v in c), temp_max=max(v for _, v in c),
                              energy_wh=energy_j(p) / 3600)
    active = [t for t, v in rows if any((v.get("gpu%d_power_instant_w" % g) or -1) >= threshold for g in gpus)]
    cut = max(active) + dt.timedelta(minutes=buffer_min)
    out["idle_cutoff"] = cut.isoformat(timespec="milliseconds") if cut < t_last else None
    evs = []
    all_events = read_log(run_dir + "/training.log")
    out["left_out"] = sum(1 for e in all_events if not (t_first <= e["t"] <= t_last))
    for e in sorted(all_events, key=lambda e: (e["t"], e["line"])):
        if not (t_first <= e["t"] <= t_last):
            continue
        near = nearest(rows, e["t"])
        ge = []
        for g in gpus:
            x = dict(index=g, power_w=near[1]["gpu%d_power_instant_w" % g], temp_c=near[1]["gpu%d_temp_c" % g])
            if e["end"] > e["start"]:
                mean, mx, wh, n = window(series(rows, "gpu%d_power_instant_w" % g), e["start"], e["end"])
                x.update(mean_power_w=mean, max_power_w=mx, energy_wh=wh, window_samples=n)
            ge.append(x)
        evs.append(dict(type=e["type"], timestamp=e["t"].isoformat(timespec="milliseconds"),
                        elapsed_hours=secs(t_first, e["t"]) / 3600, step=e["step"], metrics=e["metrics"],
                        start=e["start"].isoformat(timespec="milliseconds"), end=e["end"].isoformat(timespec="milliseconds"),
                        line=e["line"], gpu=ge, tasks=e.get("tasks", [])))
    out["events"] = evs
    return out


if __name__ == "__main__":
    json.dump(compute(sys.argv[1] if len(sys.argv) > 1 else "testdata/run2"), sys.stdout, indent=1, default=str)
    print()


# ---------------------------------------------------------------------------------------------
# Phases (docs/formats.md, "Phases"): written from the definitions, not from the C code.
BRIDGE_FACTOR, BRIDGE_MIN_S = 20, 300.0
PHASES = ("training", "validation", "evaluation", "checkpoint", "idle", "other")


def read_steps(path):
    """(time, step, dt seconds or None, phase index) of every training step line."""
    steps, cur, phase, prev_step = [], None, -1, None
    clock = log_clock(path)
    for n, raw in enumerate(open(path, encoding="utf-8", errors="replace").read().split("\n"), 1):
        line = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw.rstrip("\r"))
        t, line = own_time(line)
        cur = clock.get(n, t if t is not None else cur)
        m = re.match(r"\s*step (\d+)", line)
        if m and "loss" in line:
            n = int(m.group(1))
            if prev_step is None or n < prev_step:
                phase += 1
            prev_step = n
            d = re.search(r"dt: ([\d.]+)ms", line)
            steps.append((cur, n, float(d.group(1)) / 1000 if d else None, phase))
    return steps


def activity_windows(run_dir):
    """(start, end, phase name, priority) windows: events over training spans."""
    wins = []
    steps = read_steps(run_dir + "/training.log")
    # a line without a dt covers back up to 2 x the median gap between its phase's lines (300 s at least)
    sparse = {}
    for ph in {s[3] for s in steps}:
        ts = [s[0] for s in steps if s[3] == ph]
        gaps = sorted((b - a).total_seconds() for a, b in zip(ts, ts[1:]) if b > a)
        sparse[ph] = max(BRIDGE_MIN_S, 2 * gaps[len(gaps) // 2]) if gaps else BRIDGE_MIN_S
    for i, (t, n, d, ph) in enumerate(steps):
        prev = steps[i - 1] if i else None
        if prev and prev[3] == ph:
            limit = max(BRIDGE_FACTOR * d, BRIDGE_MIN_S) if d else sparse[ph]
            start = prev[0] if (t - prev[0]).total_seconds() <= limit else t
        else:
            start = t - dt.timedelta(seconds=min(d, BRIDGE_MIN_S)) if d else t
        if t > start:
            wins.append((start, t, "training", 0))
    prio = {"validation": 1, "evaluation": 2, "checkpoint": 3}
    for e in read_log(run_dir + "/training.log"):
        if e["end"] > e["start"]:
            wins.append((e["start"], e["end"], e["type"], prio[e["type"]]))
    return wins


def phase_at(wins, t):
    best = None
    for a, b, name, p in wins:
        if a <= t < b and (best is None or p > best[1]):
            best = (name, p)
    return best[0] if best else None


def phases(run_dir, threshold=200.0):
    """Seconds and Wh (all GPUs) per phase over the rows of the CSV."""
    header, rows, _, _ = read_csv(run_dir + "/gpu_metrics.csv")
    wins = activity_windows(run_dir)
    cuts = sorted({w[0] for w in wins} | {w[1] for w in wins})
    gpus = sorted({int(re.match(r"gpu(\d+)_", c).group(1)) for c in header if c.startswith("gpu")})
    cols = ["gpu%d_power_instant_w" % g for g in gpus]
    sec = dict.fromkeys(PHASES, 0.0)
    wh = dict.fromkeys(PHASES, 0.0)
    last = {c: None for c in cols}
    import bisect

    def pieces(a, b):
        xs = [a] + cuts[bisect.bisect_right(cuts, a):bisect.bisect_left(cuts, b)] + [b]
        return zip(xs, xs[1:])

    def active(vals):
        return any(vals.get(c) is not None and vals[c] >= threshold for c in cols)

    prev = None
    for t, vals in rows:
        if prev is not None and t > prev[0]:
            gap = (t - prev[0]).total_seconds() > GAP_S
            uncovered = "idle" if not gap and not active(vals) and not active(prev[1]) else "other"
            for a, b in pieces(prev[0], t):
                sec[phase_at(wins, a + (b - a) / 2) or uncovered] += (b - a).total_seconds()
        else:
            uncovered = "other"
        for c in cols:
            v = vals.get(c)
            if v is None:
                continue
            if last[c] is not None and 0 < (t - last[c][0]).total_seconds() <= GAP_S:
                t0, v0 = last[c]
                span = (t - t0).total_seconds()
                f = lambda x: v0 + (v - v0) * (x - t0).total_seconds() / span
                for a, b in pieces(t0, t):
                    wh[phase_at(wins, a + (b - a) / 2) or uncovered] += (f(a) + f(b)) / 2 * (b - a).total_seconds() / 3600
            last[c] = (t, v)
        prev = (t, vals)
    return sec, wh
