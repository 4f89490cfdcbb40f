#!/usr/bin/env python3
"""The corpus check: gpuviz on the files real people published (../shared/realworld), each
compared with an independent reading written here in plain Python (csv, re, datetime), which
shares no code with gpuviz and follows each folder's PROVENANCE.md.

For a GPU file: GPU count, samples, per-GPU mean power, time range. For a training log: counts
of validations, evaluation sessions, checkpoints and step lines, and the placement invariants
(no event outside the stamped lines around its line; event times never go back along the file).
A file gpuviz cannot read yet must fail with exit status 2 and a message that says what it found
and what would make it readable; the table below says which, and each such entry is reported.

usage: corpus_test.py GPUVIZ SRC_DIR [CORPUS_DIR]   (CORPUS_DIR default: SRC_DIR/../shared/realworld)
Prints "corpus: skipped" and exits 77 (ctest's SKIP_RETURN_CODE) when the folder is absent.
"""
import codecs
import datetime as dt
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import S, check, finish, near, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
CORPUS = os.path.abspath(sys.argv[3] if len(sys.argv) > 3 else os.path.join(SRC, "..", "shared", "realworld"))
if not os.path.isdir(CORPUS):
    print("corpus: skipped (no corpus at %s)" % CORPUS)
    sys.exit(77)  # (ctest: skipped)


def path(*p):
    return os.path.join(CORPUS, *p)


# ------------------------------------------------------------------ independent readings

def smi_value(s):
    """nvidia-smi's '642.32 W', '100 %', '[N/A]' -> float or None."""
    s = s.strip()
    m = re.match(r"^([-+]?\d+(?:\.\d+)?)\s*[A-Za-z%]*$", s)
    return float(m.group(1)) if m else None


def parse_local(s):
    s = s.strip().rstrip("Z")
    for fmt in ("%Y/%m/%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            pass
    raise ValueError(s)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000)


def read_lines(p, encoding="utf-8"):
    with codecs.open(p, "r", encoding=encoding, errors="replace") as f:
        return [l.rstrip("\r\n") for l in f.read().split("\n") if l.strip()]


def long_layout(p, gpus, power=None, encoding="utf-8", sep=", "):
    """One row per GPU: rows in order, the GPU by the id column or (without one) by its place in
    its query of `gpus` rows; repeated headers skipped. Returns samples, {gpu: mean power}, t0, t1."""
    lines = read_lines(p, encoding)
    header = [h.strip() for h in lines[0].lstrip("\ufeff").split(sep.strip())]
    rows = [[c.strip() for c in l.split(sep.strip())] for l in lines[1:] if not l.startswith(lines[0][:9])]
    ti = next(i for i, h in enumerate(header) if h.lower() in ("timestamp", "time", "timestampus"))
    gi = next((i for i, h in enumerate(header) if h.lower() in ("index", "gpu_index", "gpuid")), None)
    pi = next((i for i, h in enumerate(header) if power and h.startswith(power)), None)
    sums, ns, samples, prev = {}, {}, 0, None
    for k, r in enumerate(rows):
        g = int(r[gi]) if gi is not None else k % gpus
        if prev is None or g <= prev:
            samples += 1
        prev = g
        if pi is not None and smi_value(r[pi]) is not None:
            sums[g] = sums.get(g, 0) + smi_value(r[pi])
            ns[g] = ns.get(g, 0) + 1
    t0 = parse_local(rows[0][ti])
    # a query's time is its first row's: the last query's first row
    if gi is None:
        last_first = len(rows) - 1 - (len(rows) - 1) % gpus
    else:
        first_id = min(int(x[gi]) for x in rows)
        last_first = max(i for i, r in enumerate(rows) if int(r[gi]) == first_id)
    return samples, {g: sums[g] / ns[g] for g in sums}, t0, parse_local(rows[last_first][ti])


def wide_epoch(p):
    lines = read_lines(p)
    header = lines[0].split(",")
    rows = [l.split(",") for l in lines[1:]]
    means = {int(h[3:]): sum(float(r[i]) for r in rows) / len(rows) for i, h in enumerate(header) if h.startswith("GPU")}
    t = [dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(r[0])) for r in rows]
    return len(rows), means, t[0], t[-1]


def summary_of(args):
    out = os.path.join(TMP, "s.json")
    if os.path.exists(out):
        os.unlink(out)
    rc, so, se = run(*args, "-o", os.path.join(TMP, "r.html"), "--summary-json", out, "--no-idle-cutoff")
    doc = json.load(open(out)) if rc == 0 and os.path.exists(out) else None
    return rc, doc, se


def check_gpu_file(args, samples, means, t0, t1, gpus=None):
    rc, doc, se = summary_of(args)
    check(rc == 0, "exit %d: %s" % (rc, se[-600:]))
    check(doc["inputs"]["csv"]["rows_read"] == samples, "samples %d, want %d" % (doc["inputs"]["csv"]["rows_read"], samples))
    got = {g["index"]: g["power_w"]["mean"] for g in doc["gpus"] if g.get("power_w")}
    check(sorted(got) == sorted(means), "GPUs with power %s, want %s" % (sorted(got), sorted(means)))
    for g, m in means.items():
        near(got[g], m, 1e-3 + 1e-6 * abs(m), "GPU %d mean power" % g)
    if gpus is not None:
        check(len(doc["gpus"]) == gpus, "GPUs %d, want %d" % (len(doc["gpus"]), gpus))
    check(doc["time_range"]["start"] == iso(t0), (doc["time_range"]["start"], iso(t0)))
    check(doc["time_range"]["end"] == iso(t1), (doc["time_range"]["end"], iso(t1)))
    return doc, se


def expect_clear_error(args, *needles):
    """Not readable yet: exit 2 and one error line naming the file and what would help."""
    rc, so, se = run(*args, "-o", os.path.join(TMP, "x.html"))
    errors = [l for l in se.splitlines() if l.startswith("gpuviz: error: ")]
    check(rc == 2 and len(errors) == 1, "exit %d, errors %r" % (rc, errors))
    for n in needles:
        check(n in errors[0], "%r lacks %r" % (errors[0], n))


KNOWN = []  # files gpuviz cannot read yet: (folder/file, why)


def known_unreadable(name, why):
    KNOWN.append((name, why))
    print("     (not readable yet: %s: %s)" % (name, why))


# ------------------------------------------------------------------ GPU files

@test
def nvsmi_without_index_8_gpus():
    # 45,632 rows = 8 GPUs x 5,704 queries (PROVENANCE.md); the GPU is the row's place in its query
    p = path("training-profile-h100x8-noindex", "power-trace_2025-07-26-23-32-09.csv")
    samples, means, t0, t1 = long_layout(p, 8, "power.draw")
    check(samples == 5704, samples)
    doc, se = check_gpu_file([p], samples, means, t0, t1, gpus=8)
    check(doc["inputs"]["csv"]["gpus_counted"] == 8, doc["inputs"]["csv"])
    check("8 GPUs per query, counted" in se, se)


@test
def nvsmi_one_gpu_with_name_column():
    p = path("vlm-optimization-nvsmi-4090", "gpu_log.csv")
    samples, means, t0, t1 = long_layout(p, 1, "power.draw")
    doc, se = check_gpu_file([p], samples, means, t0, t1, gpus=1)
    check(samples == 2619, samples)
    # ~4 s gaps recur in a 1 s cadence: not gaps by the documented rule (5x the median interval)
    check(doc["anomaly_counts"]["sample_gap"] <= 3, doc["anomaly_counts"])


@test
def nvsmi_memory_and_utilization_only():
    p = path("balance-budget-nvsmi-mem", "gpu_usage.csv")
    samples, means, t0, t1 = long_layout(p, 1)
    doc, se = check_gpu_file([p], samples, {}, t0, t1)
    check(samples == 1639, samples)
    check("no power column" in se, se)
    check(doc["anomaly_counts"]["sample_gap"] == 0, doc["anomaly_counts"])  # 15 s sampling is not a gap


@test
def nvsmi_repeated_header():
    p = path("gpu-usage-repeated-header", "gpu_usage.csv")
    samples, means, t0, t1 = long_layout(p, 1)
    check(samples == 224, samples)
    check_gpu_file([p], samples, {}, t0, t1)


@test
def nvsmi_utf16_powershell():
    p = path("land-ct-utf16-nvsmi", "gpu_log.csv")
    samples, means, t0, t1 = long_layout(p, 1, encoding="utf-16")
    check(samples == 434, samples)
    check_gpu_file([p], samples, {}, t0, t1)


@test
def custom_long_layout_iso_z():
    for sub, n in (("b443a1c3", 4514), ("16a680b7", 639)):
        p = path("nanogpt-pr643-gpu-metrics", sub, "gpu_metrics.csv")
        samples, means, t0, t1 = long_layout(p, 8, "power_W", sep=",")
        check(samples == n, (sub, samples))
        check_gpu_file([p], samples, means, t0, t1, gpus=8)


@test
def wide_epoch_seconds():
    p = path("gpu-power-log-wide-epoch", "power_log.csv")
    samples, means, t0, t1 = wide_epoch(p)
    check_gpu_file([p], samples, means, t0, t1, gpus=2)


@test
def not_a_sampler_file():
    # the tool's energy summary (metric,gpu_index,value,unit): no time column, said so
    expect_clear_error([path("gpu-power-log-wide-epoch", "power_log_summary.csv")], "no time column")


@test
def nvsmi_noheader_needs_columns():
    p = path("plato-nvsmi-noheader", "gpu_log.csv")
    expect_clear_error([p], "not a header", "--columns")
    # with the column names PROVENANCE.md infers, it reads: 1,923 samples of one GPU
    cols = "timestamp,utilization.gpu [%],utilization.memory [%],memory.used [MiB],memory.total [MiB],temperature.gpu,power.draw [W]"
    lines = read_lines(p)
    rows = [l.split(", ") for l in lines]
    power = [smi_value(r[6]) for r in rows]
    check_gpu_file([p, "--columns", cols], len(rows), {0: sum(power) / len(power)},
                   parse_local(rows[0][0]), parse_local(rows[-1][0]), gpus=1)


def reordered_samples(rows):
    """rows [(gpu, time, {metric: value})] in file order -> samples: the rows in time order (file
    order among equal times), a sample gathering rows until one would set a (GPU, metric) it has.
    Returns samples [(time, {(gpu, metric): value})]."""
    out, cur = [], None
    for g, t, vals in sorted(rows, key=lambda r: r[1]):  # (sorted() is stable)
        if cur is None or any((g, m) in cur[1] for m in vals):
            cur = (t, {})
            out.append(cur)
        cur[1].update({(g, m): v for m, v in vals.items()})
    return out


@test
def dcgm_api_dumps():
    # result.csv: a batch of GPU 0's rows, then GPU 1's ... (each GPU polled on its own), twice;
    # dmon.csv: a long table (GPUId,TimeStampUs,Field,Values), fields in per-field batches, time
    # going back between them. Both reordered by time (docs/formats.md)
    us = lambda x: dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(x))  # noqa: E731
    p = path("dcgm-api-instant-power", "result.csv")
    rows = [l.split(",") for l in read_lines(p)[1:]]
    samples = reordered_samples([(int(r[0]), us(r[1]), {"w": float(r[2])}) for r in rows])
    means = {g: sum(float(r[2]) for r in rows if int(r[0]) == g) / sum(1 for r in rows if int(r[0]) == g) for g in range(8)}
    check_gpu_file([p], len(samples), means, samples[0][0], samples[-1][0], gpus=8)
    p = path("dcgm-api-instant-power", "dmon.csv")
    rows = [l.split(",") for l in read_lines(p)[1:]]
    samples = reordered_samples([(int(r[0]), us(r[1]), {r[2]: float(r[3])}) for r in rows])
    pw = [r for r in rows if r[2] == "power_usage_instant"]
    means = {g: sum(float(r[3]) for r in pw if int(r[0]) == g) / sum(1 for r in pw if int(r[0]) == g) for g in range(8)}
    check_gpu_file([p], len(samples), means, samples[0][0], samples[-1][0], gpus=8)


@test
def dmon_text_without_times():
    d = "dcgmi-dmon-and-nvsmi-dmon-8gpu"
    expect_clear_error([path(d, "dcgmi_dmon.out")], "--start", "--interval")
    # with a start and the -d interval (5000 ms), every block of 8 GPU lines is one sample
    lines = read_lines(path(d, "dcgmi_dmon.out"))
    gpu_lines = [l for l in lines if l.startswith("GPU ")]
    rc, doc, se = summary_of([path(d, "dcgmi_dmon.out"), "--start", "2025-01-01 00:00:00", "--interval", "5000"])
    check(rc == 0, se)
    check(doc["inputs"]["csv"]["rows_read"] == len(gpu_lines) // 8, (doc["inputs"]["csv"]["rows_read"], len(gpu_lines)))
    # nvidia-smi dmon (-d 5, no -o T): the same; rows "<id> <pwr> <gtemp> ..." of 8 GPUs; a
    # last line cut short is skipped
    expect_clear_error([path(d, "nvidia-smi.out")], "--start", "--interval")
    rows = [l.split() for l in read_lines(path(d, "nvidia-smi.out")) if not l.startswith("#")]
    full = [r for r in rows if len(r) == 14]
    queries = sum(1 for i, r in enumerate(full) if i == 0 or int(r[0]) <= int(full[i - 1][0]))
    means = {g: sum(float(r[1]) for r in full if int(r[0]) == g) / sum(1 for r in full if int(r[0]) == g) for g in range(8)}
    t0 = dt.datetime(2025, 1, 1)
    check_gpu_file([path(d, "nvidia-smi.out"), "--start", "2025-01-01 00:00:00", "--interval", "5000"], queries, means,
                   t0, t0 + dt.timedelta(seconds=5 * (queries - 1)), gpus=8)


def smi_tables(p):
    """The full nvidia-smi table, repeated: each `date` line starts a snapshot; the line after a
    GPU's `|   0  NVIDIA ...` line holds `N/A 53C P0 305W / 350W`. Snapshots sharing a second are
    spread evenly over it (k-th of n at +k/n s). Returns samples, {gpu: mean W}, first, last time."""
    snaps, cur, gpu = [], None, None
    for line in read_lines(p):
        m = re.match(r"^\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4})\s*$", line)
        if m:
            cur = [dt.datetime.strptime(line.strip(), "%a %b %d %H:%M:%S %Y"), {}]
            snaps.append(cur)
            gpu = None
            continue
        m = re.match(r"^\|\s+(\d+)\s+[A-Za-z]", line)
        if m and cur is not None and "MiB" not in line:
            gpu = int(m.group(1))
            continue
        m = re.match(r"^\|\s+\S+\s+(\d+)C\s+P\d+\s+(\d+(?:\.\d+)?)W", line)
        if m and gpu is not None:
            cur[1][gpu] = float(m.group(2))
            gpu = None
    snaps = [s for s in snaps if s[1]]
    times, k = [], 0
    while k < len(snaps):
        j = k
        while j < len(snaps) and snaps[j][0] == snaps[k][0]:
            j += 1
        times += [snaps[k][0] + dt.timedelta(seconds=(i - k) / (j - k)) for i in range(k, j)]
        k = j
    gpus = sorted({g for s in snaps for g in s[1]})
    means = {g: sum(s[1][g] for s in snaps) / len(snaps) for g in gpus}
    smi_tables.samples = [(t, max(s[1].values())) for t, s in zip(times, snaps)]
    return len(snaps), means, times[0], times[-1]


@test
def nvsmi_table_snapshots():
    p = path("slurm-l40s-nvsmi-table-plus-hf-trainer", "gpu_usage.log")
    samples, means, t0, t1 = smi_tables(p)
    check(samples == 1575, samples)  # (PROVENANCE.md: 1,575 snapshots)
    check_gpu_file([p], samples, means, t0, t1, gpus=1)


def trapezoid_wh(ts, vs):
    """Energy (Wh) by the trapezoid rule, an interval skipped when longer than max(5 s, 5 x the
    median of the first 64 intervals so far) (docs/formats.md)."""
    learn, wh = [], 0.0
    for i in range(1, len(ts)):
        d = (ts[i] - ts[i - 1]).total_seconds()
        if d > 0 and len(learn) < 64:
            learn.append(d)
        med = sorted(learn)[len(learn) // 2] if learn else 0
        if 0 < d <= max(5.0, 5 * med):
            wh += (vs[i] + vs[i - 1]) / 2 * d / 3600
    return wh


@test
def node_power_columns():
    # whole-server watts per node (n1_watts, n2_watts; total_watts is their sum): each node a
    # power device named after its column, energy integrated over the 11-s samples
    p = path("mlperf-h200-node-power-plus-finetune-log", "power_log.csv")
    lines = read_lines(p)
    header = lines[0].split(",")
    rows = [l.split(",") for l in lines[1:]]
    ts = [parse_local(r[0]) for r in rows]
    nodes = {0: header.index("n1_watts"), 1: header.index("n2_watts")}
    means = {g: sum(float(r[i]) for r in rows) / len(rows) for g, i in nodes.items()}
    doc, se = check_gpu_file([p], len(rows), means, ts[0], ts[-1], gpus=2)
    names = [g["name"] for g in doc["gpus"]]
    check(names == ["n1", "n2"], names)
    for g, i in nodes.items():
        want = trapezoid_wh(ts, [float(r[i]) for r in rows])
        near(doc["gpus"][g]["energy_wh"], want, 1e-3 * want, "node %d energy" % g)
    check("node n1" in se, se[-400:])


# ------------------------------------------------------------------ training logs

STAMP = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) - ")
ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|.)")


def log_reading(p):
    """Independent counts of a nanochat log: parts of lines split at '\\r', ANSI removed, a line
    repeated at once (after an item line) read once."""
    with open(p, "rb") as f:
        raw = f.read().decode("utf-8", "replace").split("\n")
    out = dict(validation=0, evaluation=0, checkpoint=set(), steps=0, stamps=[], duplicates=0)
    prev_raw, prev_item, in_run = None, False, False
    for n, line in enumerate(raw, 1):
        line = line.rstrip("\r")
        if prev_item and line == prev_raw:
            prev_item = False
            out["duplicates"] += 1
            continue
        item = False
        for part in line.split("\r"):
            text = ANSI.sub("", part)
            m = STAMP.match(text)
            if m:
                out["stamps"].append((n, dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S") +
                                      dt.timedelta(milliseconds=int(m.group(2)))))
            if re.search(r"\bStep\s+\d+\s*\|\s*Validation\s+(bpb|loss)\s*:", text):
                out["validation"] += 1
                item, in_run = True, False
            elif "Evaluating:" in text and re.search(r"Evaluating:\s+\S", text):
                if not in_run:
                    out["evaluation"] += 1
                item, in_run = True, True
            elif re.search(r"(\bStep\s+\d+\s*\|\s*|^\s*)CORE metric\s*:|^\s*CORE\s*,\s*,", text):
                if not in_run:
                    out["evaluation"] += 1
                item, in_run = True, False
            elif re.search(r"Saved (model parameters|model file|metadata file|metadata|optimizer state|optimizer file) to:", text):
                m = re.search(r"to:\s*(\S*)/(?:model|meta|optim)_(\d+)", text)
                if m:
                    out["checkpoint"].add((m.group(1), m.group(2)))
                item = True
            elif re.match(r"^\s*[Ss]tep\s+\d+(\s*/\s*\d+)?(\s+\([0-9.]+%\))?\s*\|", text) and re.search(
                    r"\b(loss|dt|tok/sec|lrm|mfu|bf16_mfu|grad norm|Training loss|num_tokens|total time|eta)\s*:", text):
                out["steps"] += 1
                item, in_run = True, False
        prev_raw, prev_item = line, item
    out["checkpoint"] = len(out["checkpoint"])
    return out


def flat_csv(name, a, b):
    """A 1 Hz GPU file (one GPU at 300 W) from a to b, written here: the log's own GPU file is not
    in the corpus, and the log check needs samples under its events."""
    p = os.path.join(TMP, name)
    step = max(1, int((b - a).total_seconds() // 200000))  # (at most 200,000 rows)
    with open(p, "w") as f:
        f.write("timestamp,gpu0_power_w,gpu0_temp_c\n")
        t, i = a, 0
        while t <= b:
            f.write("%s,300.00,60\n" % t.strftime("%Y-%m-%d %H:%M:%S.000"))
            i += step
            t = a + dt.timedelta(seconds=i)
    return p


def check_log(p, log_start=None, stopped=False):
    want = log_reading(p)
    stamps = want["stamps"]
    start = dt.datetime.strptime(log_start, "%Y-%m-%d %H:%M:%S") if log_start else None
    a = min([t for _, t in stamps] + ([start] if start else [])) - dt.timedelta(days=3)
    b = max([t for _, t in stamps] + ([start] if start else [])) + dt.timedelta(days=3)
    csv = flat_csv("flat.csv", a, b)
    args = [csv, "--training-log", p] + (["--log-start", log_start] if log_start else [])
    rc, doc, se = summary_of(args)
    check(rc == 0, "exit %d: %s" % (rc, se[-600:]))
    counts = {t: 0 for t in ("validation", "evaluation", "checkpoint")}
    for e in doc["events"]:
        counts[e["type"]] += 1
    got = dict(counts, steps=doc["steps"]["count"])
    exp = {k: want[k] for k in ("validation", "evaluation", "checkpoint", "steps")}
    print("     %s: %s" % (os.path.relpath(p, CORPUS), ", ".join("%s %d" % kv for kv in sorted(exp.items()))))
    check(got == exp, "gpuviz %s, reading %s" % (got, exp))
    check(doc["log_timing"]["duplicate_lines"] == want["duplicates"], (doc["log_timing"], want["duplicates"]))
    # every checkpoint of these runs is whole (one optimizer shard per rank of the world size)
    check(doc["anomaly_counts"]["incomplete_checkpoint"] == 0, [a["message"] for a in doc["anomalies"] if a["kind"] == "incomplete_checkpoint"])
    # every run with a total ran to it, or (stopped) none did: the log ends mid-run
    want_done = (False,) if stopped else (True, None)
    check(all(p["complete"] in want_done for p in doc["training"]["phases"]), [(p["label"], p["last_step"], p["total_steps"]) for p in doc["training"]["phases"]])
    # nor is any evaluation slow (the standalone one after training runs on more examples)
    check(doc["anomaly_counts"]["slow_evaluation"] == 0, [a["message"] for a in doc["anomalies"] if a["kind"] == "slow_evaluation"])
    # placement: within the stamps around each line, never back along the file
    lines_stamp = dict(stamps)
    nums = sorted(lines_stamp)
    prev = None
    for e in sorted(doc["events"], key=lambda e: (e["line"], e["first_line"])):
        t = dt.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f")
        end = dt.datetime.strptime(e["end"], "%Y-%m-%dT%H:%M:%S.%f")
        lo = max((lines_stamp[n] for n in nums if n < e["first_line"]), default=None)
        hi = min((lines_stamp[n] for n in nums if n > e["line"]), default=None)
        if e["time_basis"] in ("bracketed", "after_last", "before_first", "log_start"):
            check(lo is None or t >= lo - dt.timedelta(milliseconds=1) or e["type"] == "evaluation",
                  "line %d before its stamp %s: %s" % (e["line"], lo, e["timestamp"]))
            check(hi is None or end <= hi + dt.timedelta(milliseconds=1), "line %d after the next stamp %s: %s" % (e["line"], hi, e["end"]))
        if prev is not None and e["time_basis"] != "stamped":
            check(end >= prev - dt.timedelta(milliseconds=1), "time goes back at line %d" % e["line"])
        prev = end
    return doc, se


@test
def nanochat_speedrun_tee_logs():
    for d, f in (("nanochat-dwarkeshsp-speedrun-ansi", "speedrun.log"), ("nanochat-jhinpan-speedrun-wandb", "speedrun.log"),
                 ("nanochat-c-ding-math-speedrun-progress", "speedrun.log")):
        doc, se = check_log(path(d, f))
        check(doc["log_timing"]["placed_events"] > 0 and "log timing:" in se, (d, doc["log_timing"]))


@test
def nanochat_resumed_nohup_log():
    # (PROVENANCE.md: it ends mid-run at step 4845/21400)
    check_log(path("nanochat-apstenku123-gb10-d20-resume", "run.log"), stopped=True)


@test
def nanochat_sft_nan_log():
    doc, _ = check_log(path("nanochat-pr657-sft-nan-gtx1660", "sft_run.log"))
    check(doc["steps"]["count"] > 0, doc["steps"])


@test
def nanochat_sweep_captured_twice():
    doc, se = check_log(path("nanochat-seqaeon-sweep-h200-duplicated", "sweep_p28.log"))
    check(doc["steps"]["phases"] == 7, doc["steps"])  # 7 runs, step numbers restarting


@test
def wandb_copy_timed_only_at_its_end():
    # wandb's copy of base_train's stdout: only its last three lines (the checkpoint) carry a
    # time; everything before is counted back from them, or laid between the run's start (the
    # wandb metadata's startedAt) and them with --log-start
    p = path("nanochat-jhinpan-speedrun-wandb", "wandb-run-20251015_024018-z9s7cd4f", "output.log")
    doc, _ = check_log(p)
    b = doc["log_timing"]["events_by_basis"]
    check(b["before_first"] == len(doc["events"]) - b["stamped"] and b["before_first"] > 0, b)
    meta = json.load(open(path("nanochat-jhinpan-speedrun-wandb", "wandb-run-20251015_024018-z9s7cd4f", "wandb-metadata.json")))
    started = dt.datetime.strptime(meta["startedAt"][:19], "%Y-%m-%dT%H:%M:%S")
    doc, _ = check_log(p, log_start=started.strftime("%Y-%m-%d %H:%M:%S"))
    b = doc["log_timing"]["events_by_basis"]
    check(b["log_start"] == len(doc["events"]) - b["stamped"], b)


def run_log(log, a, b, *extra):
    rc, doc, se = summary_of([flat_csv("o.csv", a, b), "--training-log", log, *extra])
    check(rc == 0, "exit %d: %s" % (rc, se[-600:]))
    return doc, se


@test
def modded_nanogpt_log():
    # built-in rules chosen by content; the nvidia-smi table's date line is the only wall-clock
    # time: the steps follow it by their step_avg (nan before timing starts: no time)
    p = path("modded-nanogpt-2024-11-24-windowwarmup", "4428858e-7cb8-4a25-a936-818d8f28de51.txt")
    lines = read_lines(p)
    steps = [l for l in lines if re.match(r"^step:\d+/\d+ train_loss:", l)]
    vals = [l for l in lines if re.match(r"^step:\d+/\d+ val_loss:", l)]
    t0 = next(dt.datetime.strptime(l.strip(), "%a %b %d %H:%M:%S %Y") for l in lines if re.match(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d", l))
    doc, se = run_log(p, t0 - dt.timedelta(minutes=5), t0 + dt.timedelta(minutes=30))
    check("log rules: modded-nanogpt (chosen by the log's content" in se, se)
    check(doc["inputs"]["log"]["rules"] == "modded-nanogpt" and doc["inputs"]["log"]["rules_chosen_by_content"], doc["inputs"]["log"])
    check(doc["steps"]["count"] == len(steps) == 1750 and len(doc["events"]) == len(vals) == 15, (doc["steps"]["count"], len(doc["events"])))
    avg = [float(m.group(1)) for m in (re.search(r"step_avg:([0-9.]+)ms", l) for l in steps) if m]
    end = t0 + dt.timedelta(milliseconds=sum(avg))
    tp = doc["training"]["phases"][0]
    near((dt.datetime.strptime(tp["end"], "%Y-%m-%dT%H:%M:%S.%f") - end).total_seconds(), 0, 0.002, "last step line")
    check(all(e["time_basis"] == "after_last" for e in doc["events"]), [e["time_basis"] for e in doc["events"]])


@test
def mlperf_log():
    d = path("mlperf-h200-node-power-plus-finetune-log", "llm_finetuning_4xH200_20260506_142950")
    p = os.path.join(d, "run_1.log")
    keys = [json.loads(l[l.index(":::MLLOG") + 8:]) for l in open(p, encoding="utf-8", errors="replace").read().replace("\r", "\n").split("\n")
            if ":::MLLOG" in l]
    want = {k: [x for x in keys if x["key"] == k] for k in ("train_loss", "eval_accuracy", "run_start", "run_stop")}
    utc = lambda ms: dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)  # noqa: E731
    a, b = utc(want["run_start"][0]["time_ms"]), utc(want["run_stop"][0]["time_ms"])
    doc, se = run_log(p, a - dt.timedelta(hours=1), b + dt.timedelta(hours=1))
    check(doc["inputs"]["log"]["rules"] == "mlperf", doc["inputs"]["log"])
    check(doc["steps"]["count"] == len(want["train_loss"]) == 11, doc["steps"])
    evs = sorted(doc["events"], key=lambda e: e["line"])
    val = [e for e in evs if e["type"] == "validation"]
    check([e["timestamp"] for e in val] == [iso(utc(x["time_ms"])) for x in want["eval_accuracy"]], val[:2])
    for e, x in zip(val, want["eval_accuracy"]):
        near(e["metrics"]["eval_accuracy"], x["value"], 1e-12, "eval_accuracy at %s" % e["timestamp"])
    runs = [e for e in evs if e["type"] == "run"]
    check([e["label"] for e in runs] == ["run_start", "run_stop"] and runs[0]["timestamp"] == iso(a), runs)


def tqdm_stamps(p):
    """The training progress bar's parts (`42%|...| 200/471 [01:16<01:37, ...]`) as elapsed seconds
    by physical line (the last on a line); a part whose time goes back (a nested evaluation bar
    starting at 00:00) is not used."""
    out, last = {}, None
    with open(p, encoding="utf-8", errors="replace", newline="") as f:
        for n, line in enumerate(f.read().split("\n"), 1):
            for part in line.split("\r"):
                m = re.match(r"^\s*\d+%\|[^|]*\|\s*\d+/\d+\s+\[(?:(\d+):)?(\d+):(\d\d)[<,\]]", ANSI.sub("", part))
                if m:
                    e = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
                    if last is None or e >= last:
                        out[n] = last = e
    return out


def activity_periods(samples, threshold=200.0, quiet=60.0, sustain=30.0):
    """Periods of activity: a sample at/above threshold starts one; it ends at the last active
    sample before an inactive one more than `quiet` s later; kept when it lasts `sustain` s."""
    periods, cur = [], None
    for t, w in samples:
        if cur and w < threshold and (t - cur[1]).total_seconds() > quiet:
            periods.append(cur)
            cur = None
        if w >= threshold:
            cur = [cur[0] if cur else t, t]
    if cur:
        periods.append(cur)
    return [p for p in periods if (p[1] - p[0]).total_seconds() >= sustain]


@test
def hf_trainer_log():
    # no time of day; the training bar gives the time since training began: with --align-log auto
    # that start goes where the GPU file's power rises (the real GPU file of the same job)
    p = path("slurm-l40s-nvsmi-table-plus-hf-trainer", "gyang16.log")
    gpu = path("slurm-l40s-nvsmi-table-plus-hf-trainer", "gpu_usage.log")
    text = open(p, encoding="utf-8", errors="replace").read().replace("\r", "\n")
    steps = len(re.findall(r"\{'loss': ", text))
    evals = len(re.findall(r"\{'eval_loss': ", text))
    stamps = tqdm_stamps(p)
    expect_clear_error([gpu, "--training-log", p], "elapsed times", "--log-start", "--align-log auto")
    # the training lasts (start to last step line) between the stamps around the last step line
    smi_tables(gpu)
    periods = activity_periods(smi_tables.samples)
    check(len(periods) == 2, periods)
    rc, doc, se = summary_of([gpu, "--training-log", p, "--align-log", "auto"])
    check(rc == 0, se[-600:])
    check(doc["inputs"]["log"]["rules"] == "hf-trainer", doc["inputs"]["log"])
    check(doc["steps"]["count"] == steps > 0 and len([e for e in doc["events"] if e["type"] == "validation"]) == evals,
          (doc["steps"]["count"], steps, evals))
    # the first period (121 s) is shorter than 80% of the training's 187 s of steps: the second
    last_step_line = max(n for n, l in enumerate(open(p, encoding="utf-8", errors="replace", newline="").read().split("\n"), 1) if "{'loss': " in l)
    lo = max(e for n, e in stamps.items() if n <= last_step_line)
    fits = [q for q in periods if (q[1] - q[0]).total_seconds() >= 0.8 * lo]
    zero = fits[0][0]
    an = doc["log_timing"]["anchor"]
    check(an["by"] == "align_auto" and an["zero"] == iso(zero), (an, iso(zero)))
    check("--align-log auto" in se and "2 (" in se, se[-800:])
    # every event between the bar times around its line, on the anchored clock
    nums = sorted(stamps)
    for e in doc["events"]:
        t = dt.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f")
        before = [stamps[n] for n in nums if n < e["first_line"]]
        after = [stamps[n] for n in nums if n > e["line"]]
        if before:
            check(t >= zero + dt.timedelta(seconds=before[-1]) - dt.timedelta(milliseconds=1), (e["line"], e["timestamp"]))
        if after and e["time_basis"] != "stamped":
            check(t <= zero + dt.timedelta(seconds=after[0]) + dt.timedelta(milliseconds=1), (e["line"], e["timestamp"]))
    # --log-start gives the time the bar's zero stands for
    rc, doc, se = summary_of([gpu, "--training-log", p, "--log-start", "2024-10-29 19:12:00"])
    check(rc == 0 and doc["log_timing"]["anchor"] == {"by": "log_start", "zero": "2024-10-29T19:12:00.000", "uncertainty_s": 0},
          doc and doc["log_timing"]["anchor"])


finish_name = "corpus"
print("corpus: %d files not readable yet (each fails with a clear error, checked above)" % len(KNOWN))
finish(finish_name)
