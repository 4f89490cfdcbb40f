#!/usr/bin/env python3
"""Writes testdata/run2/: a small, realistic 2-GPU run in the layouts of ../shared/formats.md.

gpu_metrics.csv: monitor v2 (instant, 1-s average, temperature per GPU), 4 Hz for 20 minutes
(a real sampler writes ~100 Hz; bench/ generates those), with the dirt users have: N/A cells,
a burst of identical timestamps, a sampler restart (header repeated), a short row, a garbage
number, a bad date, an empty line.
training.log: a nanochat base run piped through `ts` (second-resolution prefix) with Python
logging lines (`,mmm` times, ANSI colour codes), lines without any time, a validation before
monitoring began, three validations, an evaluation session of 4 tasks closed by its CORE line,
a checkpoint of 4 files, a mid-training phase whose step numbers restart, and a CRLF line.
Deterministic (fixed seed); rerun to regenerate: python3 testdata/generate.py
"""
import datetime as dt
import os
import random

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run2")
T0 = dt.datetime(2025, 12, 22, 21, 6, 0, 162000)
RATE_HZ = 4
DURATION_S = 20 * 60
rnd = random.Random(20251222)


def at(h, m, s, ms=0):
    return dt.datetime(2025, 12, 22, h, m, s, ms * 1000)


# (start, end, gpu0 W, gpu1 W, temp0, temp1): the phases the log below describes
PHASES = [
    (at(21, 0, 0), at(21, 8, 0), 650, 670, 72, 66),     # training
    (at(21, 8, 0), at(21, 8, 20), 400, 410, 68, 62),    # validation (step 250)
    (at(21, 8, 20), at(21, 10, 0), 650, 670, 72, 66),
    (at(21, 10, 0), at(21, 10, 20), 400, 410, 68, 62),  # validation (step 500)
    (at(21, 10, 20), at(21, 13, 0), 650, 670, 73, 67),
    (at(21, 13, 0), at(21, 13, 41), 300, 310, 64, 60),  # evaluation session
    (at(21, 13, 41), at(21, 14, 30), 650, 670, 73, 67),
    (at(21, 14, 30), at(21, 14, 33), 150, 160, 60, 57), # checkpoint
    (at(21, 14, 33), at(21, 15, 0), 620, 640, 72, 66),  # mid training
    (at(21, 15, 0), at(21, 40, 0), 80, 85, 45, 43),     # idle
]


def level(t):
    for a, b, p0, p1, c0, c1 in PHASES:
        if a <= t < b:
            return p0, p1, c0, c1
    raise ValueError(t)


def fmt_ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (t.microsecond // 1000)


def write_csv(path):
    header = ("timestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c,"
              "gpu1_power_instant_w,gpu1_power_avg_w,gpu1_temp_c")
    lines = [header]
    n = DURATION_S * RATE_HZ
    avg = [None, None]
    for i in range(n):
        t = T0 + dt.timedelta(milliseconds=250 * i)
        if 1200 <= i < 1204:  # a burst of identical timestamps (buffered writes)
            t = T0 + dt.timedelta(milliseconds=250 * 1200)
        p0, p1, c0, c1 = level(t)
        inst = [p0 + rnd.uniform(-25, 25), p1 + rnd.uniform(-25, 25)]
        for g in range(2):
            avg[g] = inst[g] if avg[g] is None else avg[g] * 0.75 + inst[g] * 0.25
        temps = [c0 + rnd.choice((-1, 0, 0, 1)), c1 + rnd.choice((-1, 0, 0, 1))]
        cells = [fmt_ts(t), "%.3f" % (i / RATE_HZ)]
        for g in range(2):
            cells += ["%.2f" % inst[g], "%.2f" % avg[g], "%d" % temps[g]]
        if i in (300, 301):
            cells[4] = "N/A"         # gpu0 temperature read failed
        if i == 2000:
            cells[5] = "N/A"         # gpu1 instant power read failed
        lines.append(",".join(cells))
        if i == 500:
            lines.append(fmt_ts(t)[:19] + ",125.250,610.00")                  # short row
        if i == 900:
            lines.append(fmt_ts(t) + ",225.100,6x0.00,600.00,70,600.00,600.00,64")  # bad number
        if i == 1500:
            lines.append("2025-02-30 25:61:00.000,375.300,600,600,70,600,600,64")   # bad date
        if i == 2500:
            lines.append("")                                                  # empty line
        if i == 3000:
            lines.append(header)                                              # sampler restart
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


ESC = "\x1b"
INFO = ESC + "[32m" + ESC + "[1mINFO" + ESC + "[0m"


def logline(t, name, msg):
    return "%s,%03d - %s - %s - %s" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000, name, INFO, msg)


def write_log(path):
    out = []

    def ts(t, text):  # a line stamped by `ts` (second resolution)
        out.append(t.strftime("%Y-%m-%d %H:%M:%S") + " " + text)

    def step_line(t, s, total=1200):
        ts(t, "step %05d/%05d (%.2f%%) | loss: %.6f | grad norm: 0.%04d | lrm: 1.00 | dt: 2940.12ms | "
              "tok/sec: 178,321 | mfu: 50.31 | total time: %.2fm" % (s, total, 100 * s / total, 3.2 - s / 1000, 3870 + s % 7, s * 0.049))

    base = "/home/u/.cache/nanochat/base_checkpoints/d24"
    out.append("Autodetected device type: cuda")     # no time at all: before any timestamp
    ts(at(21, 0, 0), logline(at(21, 0, 0, 5), "nanochat.common", "Distributed world size: 2"))
    ts(at(21, 0, 1), "Vocab size: 65,536")
    ts(at(21, 5, 30), "Step 00000 | Validation bpb: 3.2671")  # before monitoring: left out
    step = 1
    t = at(21, 5, 31)
    events_at = {}

    def run_steps(until, s):
        nonlocal t
        while t < until:
            step_line(t, s)
            s += 1
            t += dt.timedelta(seconds=3)
        return s

    step = run_steps(at(21, 7, 59), step)
    step_line(at(21, 7, 59, 900), 249)             # the line before validation
    ts(at(21, 8, 20), "Step 00250 | Validation bpb: 0.9326")
    t = at(21, 8, 21)
    step = run_steps(at(21, 9, 59), 250)
    out.append("<|bos|>The capital of France is Paris. <|bos|>")  # a sample, no timestamp
    ts(at(21, 10, 0), "step 00499/01200 (41.58%) | loss: 2.900000 | lrm: 1.00 | dt: 2940.12ms | tok/sec: 178,321 | mfu: 50.31 | total time: 24.45m")
    # printed without a prefix (stdout block-buffered): takes the last time seen, 21:10:00
    out.append("Step 00500 | Validation bpb: 0.9101")
    ts(at(21, 10, 20), "step 00500/01200 (41.67%) | loss: 2.890000 | lrm: 1.00 | dt: 2940.12ms | tok/sec: 178,321 | mfu: 50.31 | total time: 24.50m")
    t = at(21, 10, 23)
    step = run_steps(at(21, 13, 0), 501)
    # evaluation session: each task's line carries the time it ended
    tasks = [("hellaswag_zeroshot", 0, "multiple_choice", 0.5040, 0.3387, 10.00),
             ("jeopardy", 10, "language_modeling", 0.1120, 0.1120, 10.00),
             ("arc_easy", 10, "multiple_choice", 0.7010, 0.6013, 10.00),
             ("copa", 0, "multiple_choice", 0.6600, 0.3200, 10.00)]
    te = at(21, 13, 0)
    for name, shots, typ, acc, cen, secs in tasks:
        te += dt.timedelta(seconds=secs)
        ts(te, "Evaluating: %s (%d-shot, type: %s)... accuracy: %.4f | centered: %.4f | time: %.2fs" % (name, shots, typ, acc, cen, secs))
    ts(at(21, 13, 41), "Step 00750 | CORE metric: 0.1300")
    ts(at(21, 13, 41), "Step 00750 | Validation bpb: 0.8890")
    t = at(21, 13, 42)
    step = run_steps(at(21, 14, 30), 751)
    ck = [(at(21, 14, 30, 123), "Saved model parameters to: %s/model_000767.pt" % base),
          (at(21, 14, 30, 456), "Saved metadata to: %s/meta_000767.json" % base),
          (at(21, 14, 31, 789), "Saved optimizer state to: %s/optim_000767_rank0.pt" % base),
          (at(21, 14, 32, 12), "Saved optimizer state to: %s/optim_000767_rank1.pt" % base)]
    for tc, msg in ck:
        ts(tc.replace(microsecond=0), logline(tc, "nanochat.checkpoint_manager", msg))
    # mid training: step numbers restart, no /total, CRLF line ending on one line
    t = at(21, 14, 34)
    for s in range(1, 9):
        line = "step %05d (%.2f%%) | loss: 1.437552 | lrm: 1.00 | dt: 2894.46ms | tok/sec: 18,114 | mfu: 1.84 | total time: 0.%02dm" % (s, s * 0.13, s)
        ts(t, line + ("\r" if s == 4 else ""))
        t += dt.timedelta(seconds=3)
    ts(at(21, 15, 0), "Peak memory usage: 28481.00MiB")
    ts(at(21, 15, 0), "Total training time: 9.50m")
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------
# testdata/anomalies/: one of every anomaly kind, planted at known times (tests/cli_test.py and
# tests/oracle.py state where), 2 GPUs at 4 Hz for 40 minutes.
A0 = dt.datetime(2025, 12, 22, 10, 0, 0)


def m(minutes, seconds=0):
    return A0 + dt.timedelta(minutes=minutes, seconds=seconds)


def write_anomalies(folder):
    os.makedirs(folder, exist_ok=True)
    rnd2 = random.Random(7)
    # activity windows: (start, end, kind)
    evals = [(m(8), 15), (m(17), 45), (m(28), 15)]       # 4 tasks of 15 s, 45 s (slow), 15 s
    vals = [(m(5, 30), 1.0), (m(10, 30), 0.95), (m(15, 30), 0.97), (m(20, 30), 0.90), (m(25, 30), 0.88)]
    busy = [(e, e + dt.timedelta(seconds=4 * d + 1), "eval") for e, d in evals]
    busy += [(v - dt.timedelta(seconds=15), v, "val") for v, _ in vals]
    busy += [(m(29, 30), m(29, 32), "ckpt")]

    def activity(t):
        for a, b, k in busy:
            if a <= t < b:
                return k
        if t < m(0, 7) or t >= m(30):
            return "idle"
        return "train"

    def power(t):
        k = activity(t)
        p = {"train": (650, 660), "val": (400, 410), "eval": (300, 310), "ckpt": (150, 160), "idle": (80, 85)}[k]
        if k == "train" and m(12) <= t < m(13):
            p = (650, 150)                                  # GPU1 imbalance for 60 s
        if k == "train" and m(22) <= t < m(22, 40):
            p = (100, 110)                                  # power drop for 40 s
        return p

    rows = ["timestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c,"
            "gpu1_power_instant_w,gpu1_power_avg_w,gpu1_temp_c"]
    for i in range(40 * 60 * 4):
        t = A0 + dt.timedelta(milliseconds=250 * i)
        if m(25) < t < m(25, 3):
            continue                                        # a 3-second sample gap
        p0, p1 = power(t)
        c0 = 88 if m(10) <= t < m(10, 30) else 70           # GPU0 over 85 C for 30 s
        v0, v1 = p0 + rnd2.uniform(-5, 5), p1 + rnd2.uniform(-5, 5)
        rows.append("%s,%.3f,%.2f,%.2f,%d,%.2f,%.2f,%d" % (fmt_ts(t), i / 4, v0, v0, c0, v1, v1, 65))
    with open(os.path.join(folder, "gpu_metrics.csv"), "w", newline="\n") as f:
        f.write("\n".join(rows) + "\n")

    lines = []
    def ts(t, text):
        lines.append((t, t.strftime("%Y-%m-%d %H:%M:%S") + " " + text))
    t, step = m(0, 10), 1
    while t < m(30):
        if activity(t) == "train" and activity(t - dt.timedelta(seconds=3)) in ("train", "idle"):
            tok = 40000 if m(5) <= t < m(5, 15) else 100000      # throughput drop for 5 steps
            ts(t, "step %05d/01000 (%.2f%%) | loss: 2.5 | lrm: 1.00 | dt: 3000.00ms | tok/sec: %s | mfu: 40.00 | total time: 1.00m"
               % (step, step / 10, "{:,}".format(tok)))
            step += 1
        t += dt.timedelta(seconds=3)
    for v, bpb in vals:
        ts(v, "Step %05d | Validation bpb: %.4f" % (step_at(lines, v), bpb))
    for e, d in evals:
        te = e
        for name in ("hellaswag", "arc_easy", "piqa", "copa"):
            te += dt.timedelta(seconds=d)
            ts(te, "Evaluating: %s (0-shot, type: multiple_choice)... accuracy: 0.5000 | centered: 0.1000 | time: %.2fs" % (name, d))
        ts(te + dt.timedelta(seconds=1), "Step %05d | CORE metric: 0.2000" % step_at(lines, e))
    ck = "/h/.cache/nanochat/base_checkpoints/d12"
    ts(m(29, 30), logline(m(29, 30), "nanochat.checkpoint_manager", "Saved model parameters to: %s/model_000470.pt" % ck))
    ts(m(29, 31), logline(m(29, 31), "nanochat.checkpoint_manager", "Saved metadata to: %s/meta_000470.json" % ck))
    lines.sort(key=lambda x: x[0])
    # a line stamped two minutes late (a stale clock): the log's time goes backwards once
    i = next(k for k, (t, _) in enumerate(lines) if t >= m(26))
    lines.insert(i, (m(24), m(24).strftime("%Y-%m-%d %H:%M:%S") + " Peak memory usage: 28481.00MiB"))
    with open(os.path.join(folder, "training.log"), "w", newline="\n") as f:
        f.write("\n".join(l for _, l in lines) + "\n")


# ---------------------------------------------------------------------------------------------
# testdata/nvidia-smi/: `nvidia-smi --query-gpu=timestamp,index,power.draw,temperature.gpu,
# utilization.gpu,memory.used --format=csv -lms 100` for 2 GPUs over 90 s: comma-space
# separators, units in the header and in values, each GPU's row a few ms after the previous,
# [N/A] and [Not Supported] cells, a short row.
def write_nvidia_smi(folder):
    os.makedirs(folder, exist_ok=True)
    rnd3 = random.Random(11)
    rows = ["timestamp, index, power.draw [W], temperature.gpu, utilization.gpu [%], memory.used [MiB]"]
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0, 162000)
    for q in range(900):
        for g in range(2):
            t = t0 + dt.timedelta(milliseconds=100 * q + 11 * g)
            busy = q < 600
            p = (650 if busy else 90) + rnd3.uniform(-20, 20) + 15 * g
            power = "[N/A]" if (q, g) == (100, 0) else "%.2f W" % p
            mem = "[Not Supported]" if g == 1 and q % 300 == 0 else "%d MiB" % (28481 if busy else 1024)
            rows.append("%s, %d, %s, %d, %d %%, %s" % (t.strftime("%Y/%m/%d %H:%M:%S.") + "%03d" % (t.microsecond // 1000),
                                                         g, power, (70 if busy else 45) + g, 100 if busy else 0, mem))
        if q == 450:
            rows.append("2025/12/22 21:06:45.162, 0, 640.00 W")
    with open(os.path.join(folder, "gpu_metrics.csv"), "w", newline="\n") as f:
        f.write("\n".join(rows) + "\n")


# ---------------------------------------------------------------------------------------------
# testdata/dcgm/: `dcgmi dmon -e 155,150,203 -d 1000` for 2 GPUs over 120 s: whitespace-aligned,
# the two header lines repeated every 20 samples, N/A cells; no timestamps (the tests give
# --start 2025-12-22 21:06:00 --interval 1000).
def write_dcgm(folder):
    os.makedirs(folder, exist_ok=True)
    rnd4 = random.Random(5)
    out = []
    for k in range(120):
        if k % 20 == 0:
            out.append("#Entity   POWER        TMPTR        GPUTL")
            out.append("ID        W            C            %")
        for g in range(2):
            p = (640 if k < 90 else 85) + rnd4.uniform(-10, 10) + 20 * g
            power = "N/A" if (k, g) == (33, 1) else "%.3f" % p
            out.append("GPU %-6d%-13s%-13d%d" % (g, power, (70 if k < 90 else 45) + g, 99 if k < 90 else 0))
    with open(os.path.join(folder, "dmon.txt"), "w", newline="\n") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------
# testdata/multi-node/: two nodes' samplers, one file each, both named gpu_metrics.csv (so the
# node names come from the directories). node-a: monitor v2 at 2 Hz, 21:06:00.100-21:16:00. node-b:
# monitor v1 at 2 Hz, sampled 0.37 s later in each period, 21:10:00-21:20:00 true time, but its
# clock runs 3.5 s ahead (the tests give --time-offset node-b=-3.5); one N/A and two rows out of
# order. Power follows the run2 phases, so run2/training.log's events fall inside both.
def write_multi_node(folder):
    rnd5 = random.Random(7)
    a = ["timestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c,"
         "gpu1_power_instant_w,gpu1_power_avg_w,gpu1_temp_c"]
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0, 100000)
    for k in range(1200):
        t = t0 + dt.timedelta(milliseconds=500 * k)
        p0, p1, c0, c1 = level(t)
        w0, w1 = p0 + rnd5.uniform(-15, 15), p1 + rnd5.uniform(-15, 15)
        a.append("%s,%.3f,%.2f,%.2f,%d,%.2f,%.2f,%d" % (fmt_ts(t), k / 2, w0, w0, c0, w1, w1, c1))
    b = ["timestamp,gpu0_power_w,gpu0_temp_c,gpu1_power_w,gpu1_temp_c"]
    t1 = dt.datetime(2025, 12, 22, 21, 10, 0, 370000)
    rows = []
    for k in range(1200):
        t = t1 + dt.timedelta(milliseconds=500 * k)
        p0, p1, c0, c1 = level(t)
        w0 = "N/A" if k == 77 else "%.2f" % (p0 - 40 + rnd5.uniform(-15, 15))
        rows.append("%s,%s,%d,%.2f,%d" % (fmt_ts(t + dt.timedelta(seconds=3.5)), w0, c0 - 3,
                                          p1 - 30 + rnd5.uniform(-15, 15), c1 - 2))
    rows[300], rows[301] = rows[301], rows[300]
    b += rows
    for name, lines in (("node-a", a), ("node-b", b)):
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        with open(os.path.join(folder, name, "gpu_metrics.csv"), "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")


def step_at(lines, t):
    """The step number of the last step line before t."""
    last = 0
    for lt, text in lines:
        if lt <= t and text[20:25] == "step ":
            last = int(text[25:30])
    return last


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    write_csv(os.path.join(HERE, "gpu_metrics.csv"))
    write_log(os.path.join(HERE, "training.log"))
    write_anomalies(os.path.join(os.path.dirname(HERE), "anomalies"))
    write_nvidia_smi(os.path.join(os.path.dirname(HERE), "nvidia-smi"))
    write_dcgm(os.path.join(os.path.dirname(HERE), "dcgm"))
    write_multi_node(os.path.join(os.path.dirname(HERE), "multi-node"))
