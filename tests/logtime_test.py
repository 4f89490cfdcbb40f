#!/usr/bin/env python3
"""End-to-end tests of how a log's lines are timed (docs/formats.md, "How a log is timed").

The logs are generated here with a known true time for every line (the generator's truth): a
nanochat run piped through `tee`, where only the Python logging lines carry a time. Every test
checks what the issue asks of every input: no event is placed outside the stamped lines around
its line, event times never go backwards along the file, and the true time lies within the
uncertainty gpuviz reports. Exact placements are compared with tests/oracle.py's log_clock, a
Python reading of the documented rule that shares no code with gpuviz.

usage: logtime_test.py GPUVIZ SRC_DIR [MAXRSS]
"""
import datetime as dt
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, expect_error, finish, near, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
import oracle  # noqa: E402

T0 = dt.datetime(2025, 10, 23, 22, 0, 0)
INFO = "\x1b[32m\x1b[1mINFO\x1b[0m"


def logging_line(t, name, msg):
    return "%s,%03d - %s - %s - %s" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000, name, INFO, msg)


def step_line(k, total, dt_ms, loss):
    return ("step %05d/%05d (%.2f%%) | loss: %.6f | lrm: 1.00 | dt: %.2fms | tok/sec: 100,000 | mfu: 40.00 | "
            "total time: 0.00m" % (k, total, 100.0 * k / total, loss, dt_ms))


def make_run(steps=240, val_every=50, eval_every=100, ckpt_at=(120,), startup_s=20.0, val_s=7.0,
             wind_down_s=5.0, tasks=(("hellaswag", 2.5), ("arc_easy", 1.5), ("piqa", 4.0)), t0=T0, kind="base"):
    """[(true time, text, what)]: what is None, 'stamp', 'step', 'validation', 'evaluation' or
    'checkpoint'. Step k takes dt_k = 400 + (k % 7) * 30 ms; its line is printed as it ends."""
    out = [(None, "Autodetected device type: cuda", None)]
    t = t0
    out.append((t, logging_line(t, "nanochat.common", "Distributed world size: 2"), "stamp"))
    out.append((t, "Vocab size: 65,536", None))
    t += dt.timedelta(seconds=startup_s)
    for k in range(steps + 1):
        if k % val_every == 0 or k == steps:
            t += dt.timedelta(seconds=val_s)
            out.append((t, "Step %05d | Validation bpb: %.4f" % (k, 1.0 - k / 1000), "validation"))
        if (k % eval_every == 0 and k > 0) or k == steps:
            for name, s in tasks:
                t += dt.timedelta(seconds=s)
                out.append((t, "Evaluating: %s (0-shot, type: multiple_choice)... accuracy: 0.5000 | "
                               "centered: 0.1000 | time: %.2fs" % (name, s), "task"))
            out.append((t, "Step %05d | CORE metric: 0.%04d" % (k, 1000 + k), "evaluation"))
        if k in ckpt_at:
            out.append((t, logging_line(t, "nanochat.checkpoint_manager", "Saved model parameters to: "
                                        "/h/.cache/nanochat/%s_checkpoints/d4/model_%06d.pt" % (kind, k)), "checkpoint"))
        if k == steps:
            break
        d = 400 + (k % 7) * 30
        t += dt.timedelta(milliseconds=d)
        out.append((t, step_line(k, steps, d, 3.0 - k / 1000), "step"))
    t += dt.timedelta(seconds=wind_down_s)
    out.append((t, logging_line(t, "nanochat.checkpoint_manager", "Saved model parameters to: "
                                "/h/.cache/nanochat/%s_checkpoints/d4/model_%06d.pt" % (kind, steps)), "checkpoint"))
    out.append((t, logging_line(t, "nanochat.checkpoint_manager", "Saved metadata to: "
                                "/h/.cache/nanochat/%s_checkpoints/d4/meta_%06d.json" % (kind, steps)), None))
    out.append((t, logging_line(t, "nanochat.checkpoint_manager", "Saved optimizer state to: "
                                "/h/.cache/nanochat/%s_checkpoints/d4/optim_%06d_rank0.pt" % (kind, steps)), None))
    return out


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def gpu_csv(name, a, b):
    """1 Hz monitor v2 CSV of one GPU from a to b (power 500 W, 60 C)."""
    rows = ["timestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c"]
    n = int((b - a).total_seconds()) + 1
    for i in range(n):
        t = a + dt.timedelta(seconds=i)
        rows.append("%s.000,%d.000,500.00,500.00,60" % (t.strftime("%Y-%m-%d %H:%M:%S"), i))
    return write(name, "\n".join(rows) + "\n")


def summary(csv, log, *extra):
    out = os.path.join(TMP, "s.json")
    rc, _, se = run(csv, "--training-log", log, "-o", os.path.join(TMP, "r.html"), "--summary-json", out,
                    "--no-idle-cutoff", *extra)
    check(rc == 0, "exit %d: %s" % (rc, se))
    with open(out) as f:
        return json.load(f), se


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000)


def parse_iso(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f")


def stamps_around(lines, n):
    """The own times of the stamped lines before and after line n (1-based), from the text; for a
    stamped line (a buffered burst's) the last earlier time before its own, and its own."""
    own = oracle.own_time(lines[n - 1])[0]
    lo = hi = None
    for i, text in enumerate(lines, 1):
        t, _ = oracle.own_time(text)
        if t is None:
            continue
        if i < n and (own is None or t < own):
            lo = t
        elif i > n and hi is None:
            hi = t
    return lo, (own if own is not None else hi)


def invariants(doc, lines, truth=None):
    """No event outside the stamps around its line (a CORE line's session: its tasks start after
    the stamp before it), times never back along the file, the truth within the uncertainty."""
    evs = sorted(doc["events"], key=lambda e: e["line"])
    prev = None
    for e in evs:
        t = parse_iso(e["timestamp"])
        lo, hi = stamps_around(lines, e["line"])
        if e["time_basis"] == "stamped":
            continue
        start, end = parse_iso(e["start"]), parse_iso(e["end"])
        check(lo is None or start >= lo - dt.timedelta(milliseconds=1), "line %d starts before its stamp: %s" % (e["line"], e))
        check(hi is None or end <= hi, "line %d placed after the next stamp: %s" % (e["line"], e))
        if prev is not None:
            check(t >= prev - dt.timedelta(milliseconds=1), "time goes back at line %d" % e["line"])
        prev = end
        if truth is not None and e["line"] in truth:
            u = e["time_uncertainty_s"]
            want = truth[e["line"]]
            if u is not None:
                near((end - want).total_seconds(), 0, u + 0.002, "line %d: truth %s, placed %s" % (e["line"], want, end))


def lines_of(run_lines):
    return [text for _, text, _ in run_lines]


@test
def tee_log_placed_between_its_logging_lines():
    r = make_run()
    lines = lines_of(r)
    log = write("tee.log", "\n".join(lines) + "\n")
    csv = gpu_csv("tee.csv", T0 - dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=10))
    doc, se = summary(csv, log)
    truth = {n: t for n, (t, _, what) in enumerate(r, 1) if what in ("validation", "evaluation")}
    invariants(doc, lines, truth)
    lt = doc["log_timing"]
    check(lt["stamped_lines"] == sum(1 for _, _, w in r if w in ("stamp", "checkpoint")) + 2, lt)
    check(lt["placed_steps"] == 240 and lt["spans"] == 2, lt)
    check(lt["events_by_basis"]["bracketed"] == 6 + 3, lt)  # 6 validations, 3 sessions
    check("log timing: " in se and "placed by the durations they print" in se, se)
    # exact placements: the documented rule, read again in Python (oracle.log_clock)
    clock = oracle.log_clock(log)
    for e in doc["events"]:
        if e["time_basis"] == "bracketed":
            check(e["timestamp"] == iso(clock[e["line"]]) or e["type"] == "evaluation",
                  "line %d: %s, oracle %s" % (e["line"], e["timestamp"], clock[e["line"]]))
            if e["type"] == "evaluation":  # marked at its start: the CORE line less its tasks
                check(e["end"] == iso(clock[e["line"]]), (e, clock[e["line"]]))
                near((parse_iso(e["end"]) - parse_iso(e["start"])).total_seconds(), 8.0, 0.002, "session length")
    # the training phase: the first step line less its dt .. the last step line, within the slack
    tp = doc["training"]["phases"][0]
    first_step = next(t for t, _, w in r if w == "step") - dt.timedelta(milliseconds=400)
    last_step = [t for t, _, w in r if w == "step"][-1]
    near((parse_iso(tp["start"]) - first_step).total_seconds(), 0, 60, "training start")
    near((parse_iso(tp["end"]) - last_step).total_seconds(), 0, 60, "training end")


@test
def durations_exceeding_the_gap_are_scaled_to_fit():
    # the stamps say 60 s passed; the step lines print 240 x 0.5 s = 120 s
    lines = [logging_line(T0, "nanochat.common", "Distributed world size: 1")]
    for k in range(240):
        lines.append(step_line(k, 240, 500.0, 2.0))
        if k == 120:
            lines.append("Step %05d | Validation bpb: 0.9000" % k)
    end = T0 + dt.timedelta(seconds=60)
    lines.append(logging_line(end, "nanochat.checkpoint_manager", "Saved model parameters to: /h/base_checkpoints/d4/model_000240.pt"))
    log = write("scaled.log", "\n".join(lines) + "\n")
    csv = gpu_csv("scaled.csv", T0, T0 + dt.timedelta(minutes=2))
    doc, se = summary(csv, log)
    invariants(doc, lines)
    check(doc["log_timing"]["compressed_spans"] == 1, doc["log_timing"])
    val = [e for e in doc["events"] if e["type"] == "validation"][0]
    # 121 steps of 0.5 s before it, of 120 s in all, scaled into 60 s: 30.25 s after the stamp
    check(val["timestamp"] == iso(T0 + dt.timedelta(seconds=30.25)), val)
    near(val["time_uncertainty_s"], 60.0, 1e-3, "overshoot")
    check("scaled down" in se, se)


@test
def lines_before_the_first_and_after_the_last_stamp():
    lines = ["step %05d/00010 (0.00%%) | loss: 2.0 | dt: 1000.00ms" % k for k in range(5)]
    lines.append("Step 00005 | Validation bpb: 0.9000")
    first = T0 + dt.timedelta(seconds=100)
    lines.append(logging_line(first, "nanochat.common", "Distributed world size: 1"))
    lines += ["step %05d/00010 (0.00%%) | loss: 2.0 | dt: 2000.00ms" % k for k in range(5, 10)]
    lines.append("Step 00010 | Validation bpb: 0.8000")
    log = write("ends.log", "\n".join(lines) + "\n")
    csv = gpu_csv("ends.csv", T0, T0 + dt.timedelta(minutes=5))
    doc, _ = summary(csv, log)
    invariants(doc, lines)
    v = sorted([e for e in doc["events"] if e["type"] == "validation"], key=lambda e: e["line"])
    # before the first stamp: counted back from it; the validation is the last item before it
    check(v[0]["time_basis"] == "before_first" and v[0]["timestamp"] == iso(first), v[0])
    check(v[0]["time_uncertainty_s"] is None, v[0])
    # after the last: 5 steps of 2 s after it
    check(v[1]["time_basis"] == "after_last" and v[1]["timestamp"] == iso(first + dt.timedelta(seconds=10)), v[1])
    tp = doc["training"]["phases"][0]
    # the first step line is 4 steps of 1 s (and the validation) before the stamp; its start 1 s before
    check(tp["start"] == iso(first - dt.timedelta(seconds=5)), tp)


@test
def a_log_without_any_time():
    r = make_run(steps=60, ckpt_at=())
    lines = [text for _, text, _ in r if oracle.own_time(text)[0] is None]
    log = write("notime.log", "\n".join(lines) + "\n")
    csv = gpu_csv("notime.csv", T0, T0 + dt.timedelta(minutes=5))
    expect_error([csv, "--training-log", log], 2, "no line of the log carries a time")
    rc, _, se = run(csv, "--training-log", log)
    check("--log-start" in se, se)
    doc, _ = summary(csv, log, "--log-start", "2025-10-23 22:00:20")
    check(doc["log_timing"]["log_start"] == "2025-10-23T22:00:20.000", doc["log_timing"])
    evs = sorted(doc["events"], key=lambda e: e["line"])
    check(all(e["time_basis"] == "log_start" for e in evs), [e["time_basis"] for e in evs])
    # the first validation is the first item: at the start; the next one after 50 steps' dt
    check(evs[0]["timestamp"] == "2025-10-23T22:00:20.000", evs[0])
    d50 = sum(400 + (k % 7) * 30 for k in range(50))
    check(evs[1]["timestamp"] == iso(dt.datetime(2025, 10, 23, 22, 0, 20) + dt.timedelta(milliseconds=d50)), evs[1])
    invariants(doc, lines)


@test
def output_captured_twice_reads_once():
    r = make_run(steps=120)
    lines = lines_of(r)
    once = write("once.log", "\n".join(lines) + "\n")
    twice = write("twice.log", "".join(l + "\n" + l + "\n" for l in lines))
    csv = gpu_csv("twice.csv", T0 - dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=5))
    a, _ = summary(csv, once)
    b, se = summary(csv, twice)
    strip = lambda d: [(e["type"], e["timestamp"], e["step"], e["metrics"]) for e in d["events"]]  # noqa: E731
    check(strip(a) == strip(b), (strip(a)[:3], strip(b)[:3]))
    check(a["steps"]["count"] == b["steps"]["count"] == 120, (a["steps"]["count"], b["steps"]["count"]))
    # every second copy of a line that made an event or a step is skipped (other lines are
    # harmless twice: a stamp read twice, text that matches nothing)
    items = [l for l in lines if l.startswith(("step ", "Step ", "Evaluating:")) or "Saved " in l]
    check(b["log_timing"]["duplicate_lines"] == len(items), (b["log_timing"], len(items)))
    check("repeated at once" in se, se)


@test
def carriage_return_parts_are_lines():
    # a logging line glued after a '\r'-rewritten step line; rank progress parts on one line
    lines = [logging_line(T0, "nanochat.common", "Distributed world size: 1"),
             step_line(0, 3, 1000.0, 2.0) + "\r" + step_line(1, 3, 1000.0, 1.9) + "\r" +
             logging_line(T0 + dt.timedelta(seconds=10), "nanochat.checkpoint_manager",
                          "Saved model parameters to: /h/base_checkpoints/d4/model_000001.pt"),
             "\r\x1b[KRank 0 | 1/2 (50.00%)\r\x1b[KRank 1 | 1/2 (50.00%)",
             "Step 00002 | Validation bpb: 0.9000"]
    log = write("cr.log", "\n".join(lines) + "\n")
    csv = gpu_csv("cr.csv", T0, T0 + dt.timedelta(minutes=2))
    doc, _ = summary(csv, log)
    check(doc["steps"]["count"] == 2, doc["steps"])
    types = sorted(e["type"] for e in doc["events"])
    check(types == ["checkpoint", "validation"], types)
    ck = [e for e in doc["events"] if e["type"] == "checkpoint"][0]
    check(ck["timestamp"] == iso(T0 + dt.timedelta(seconds=10)), ck)
    tp = doc["training"]["phases"][0]
    # both steps on line 2, before its logging part (10 s after the stamp): 2 s of dt, and the
    # 8 s left shared by the two slots (after line 1's logging line, before line 2's): the first
    # step line at 4 + 1 s, the second at 6 s; the phase starts a dt before the first
    check(tp["start"] == iso(T0 + dt.timedelta(seconds=4)) and tp["end"] == iso(T0 + dt.timedelta(seconds=6)), tp)


@test
def real_log_line_variants():
    lines = [
        logging_line(T0, "nanochat.common", "Distributed world size: 2"),
        "step 00000/00002 (0.00%) | loss: 10.396800 | lrm: 0.00 | lr(adamw:3.561e-04, muon:5.831e-05) | dt: 1000.00ms"
        " | tok/sec: 1,376 | bf16_mfu: 0.03 | epoch: 1 pq: 0 rg: 1 | total time: 0.00m | eta: 1.5m",
        "step 00001/00002 (50.00%) | loss: 10.0 | dt: 1000.00ms | tok/sec: 1,400 | bf16_mfu: 0.04",
        logging_line(T0 + dt.timedelta(seconds=10), "nanochat.checkpoint_manager",
                     "Saved model file to: /h/.cache/nanochat/base_checkpoints/d20/model_000002.pt"),
        logging_line(T0 + dt.timedelta(seconds=10), "nanochat.checkpoint_manager",
                     "Saved optimizer file to: /h/.cache/nanochat/base_checkpoints/d20/optim_000002.pt"),
        logging_line(T0 + dt.timedelta(seconds=10), "nanochat.checkpoint_manager",
                     "Saved metadata file to: /h/.cache/nanochat/base_checkpoints/d20/meta_000002.json"),
        "Evaluating: hellaswag (0-shot, type: multiple_choice)... accuracy: 0.5000 | centered: 0.1 | time: 3.00s",
        "Evaluating: piqa (0-shot, type: multiple_choice)... accuracy: 0.6000 | centered: 0.2 | time: 2.00s",
        "Task                               , Accuracy  , Centered  ",
        "hellaswag                          , 0.500000  , 0.100000  ",
        "CORE                               ,           , 0.195735  ",
        "Evaluating: hellaswag (0-shot, type: multiple_choice)... accuracy: 0.5000 | centered: 0.1 | time: 4.00s",
        "CORE metric: 0.2242",
        logging_line(T0 + dt.timedelta(seconds=60), "nanochat.common", "Distributed world size: 2"),
        "Step 00100 | Validation loss: 1.013352",
        logging_line(T0 + dt.timedelta(seconds=70), "nanochat.checkpoint_manager",
                     "Saved model parameters to: /h/.cache/nanochat/chatsft_checkpoints/d20/model_000100.pt"),
        logging_line(T0 + dt.timedelta(seconds=70), "nanochat.checkpoint_manager",
                     "Saved metadata to: /h/.cache/nanochat/chatsft_checkpoints/d20/meta_000100.json"),
    ]
    log = write("variants.log", "\n".join(lines) + "\n")
    csv = gpu_csv("variants.csv", T0, T0 + dt.timedelta(minutes=2))
    doc, _ = summary(csv, log)
    check(doc["steps"]["count"] == 2, doc["steps"])
    ev = {}
    for e in doc["events"]:
        ev.setdefault(e["type"], []).append(e)
    ck = sorted(ev["checkpoint"], key=lambda e: e["line"])
    check([c["checkpoint"]["files"] for c in ck] == [3, 2], ck)
    check(ck[0]["checkpoint"]["has_model"] and ck[0]["checkpoint"]["has_metadata"], ck[0])
    ses = sorted(ev["evaluation"], key=lambda e: e["line"])
    check([(s["metrics"]["core"], s["metrics"]["tasks"], s["evaluation"]["complete"]) for s in ses] ==
          [(0.195735, 2, True), (0.2242, 1, True)], ses)
    check(ev["validation"][0]["metrics"] == {"loss": 1.013352}, ev["validation"])
    # an SFT checkpoint without optimizer state is how nanochat saves it: no anomaly
    check(doc["anomaly_counts"].get("incomplete_checkpoint", 0) == 0, doc["anomaly_counts"])
    invariants(doc, lines)


@test
def buffered_burst_with_an_evaluation_session():
    # stdout block-buffered through a pipe that stamps lines: every 30 lines are flushed at once
    # and stamped with the time the last of them was printed. Truth: steps of 1 s; before step 45
    # a validation pass (5 s) and an evaluation session of two tasks (3 s, 2 s).
    truth, t = [], dt.datetime(2025, 12, 22, 21, 8, 0)
    for k in range(1, 91):
        if k == 45:
            t += dt.timedelta(seconds=5)
            truth.append((t, "Step 00045 | Validation bpb: 0.9100"))
            for name, d in (("hellaswag", 3.0), ("piqa", 2.0)):
                t += dt.timedelta(seconds=d)
                truth.append((t, "Evaluating: %s (0-shot, type: multiple_choice)... accuracy: 0.5000 | "
                                 "centered: 0.1000 | time: %.2fs" % (name, d)))
            truth.append((t, "Step 00045 | CORE metric: 0.2000"))
        t += dt.timedelta(seconds=1)
        truth.append((t, "step %05d/00090 (%.2f%%) | loss: 2.0 | lrm: 1.00 | dt: 1000.00ms | tok/sec: 100,000" % (k, k / 0.9)))
    lines = []
    for a in range(0, len(truth), 30):
        chunk = truth[a:a + 30]
        flush = chunk[-1][0].strftime("%Y-%m-%d %H:%M:%S")
        lines += [flush + " " + text for _, text in chunk]
    log = write("burst.log", "\n".join(lines) + "\n")
    csv = gpu_csv("burst.csv", dt.datetime(2025, 12, 22, 21, 7, 0), dt.datetime(2025, 12, 22, 21, 11, 0))
    doc, _ = summary(csv, log)
    ev = {e["type"]: e for e in doc["events"]}
    when = {text: tt for tt, text in truth}
    core = when["Step 00045 | CORE metric: 0.2000"]
    # the session ends when step 45 began and lasts its tasks' 5 s; the validation ends as it starts
    check(ev["evaluation"]["end"] == iso(core) and ev["evaluation"]["start"] == iso(core - dt.timedelta(seconds=5)), ev["evaluation"])
    check(ev["evaluation"]["evaluation"]["tasks"][0]["end"] == iso(core - dt.timedelta(seconds=2)), ev["evaluation"])
    check(ev["validation"]["timestamp"] == iso(core - dt.timedelta(seconds=5)), ev["validation"])
    check(ev["validation"]["time_basis"] == "burst" and ev["evaluation"]["time_basis"] == "burst", ev)
    invariants(doc, lines, {n: when[text[20:]] for n, text in enumerate(lines, 1) if "CORE" in text})


@test
def several_runs_in_one_file():
    # two short runs one after the other (step numbers restart, a banner between); run 2 starts
    # from a worse model, so its first validation is above run 1's last: not a regression; a
    # rise inside run 2 is
    t = T0
    lines = [logging_line(t, "nanochat.common", "Distributed world size: 1")]
    vals = {1: [1.5, 1.2, 1.0], 2: [1.9, 1.6, 1.7]}
    for run_no in (1, 2):
        if run_no == 2:
            lines += ["=" * 40, "[sweep] run 2", "=" * 40]
        for k in range(30):
            if k % 10 == 0:
                lines.append("Step %05d | Validation bpb: %.4f" % (k, vals[run_no][k // 10]))
            lines.append(step_line(k, 30, 1000.0, 2.0))
        t += dt.timedelta(seconds=40)
        lines.append(logging_line(t, "nanochat.checkpoint_manager", "Saved model parameters to: "
                                  "/h/base_checkpoints/d4/model_%06d.pt" % (30 * run_no)))
    log = write("runs.log", "\n".join(lines) + "\n")
    csv = gpu_csv("runs.csv", T0, T0 + dt.timedelta(minutes=3))
    doc, se = summary(csv, log)
    invariants(doc, lines)
    check(doc["steps"]["phases"] == 2 and len(doc["training"]["phases"]) == 2, doc["training"]["phases"])
    reg = [a for a in doc["anomalies"] if a["kind"] == "bpb_regression"]
    check(len(reg) == 1 and "rose from 1.6000 (step 10) to 1.7000 (step 20)" in reg[0]["message"], reg)
    # each run lies between its own stamps
    tp = doc["training"]["phases"]
    check(tp[0]["end"] <= iso(T0 + dt.timedelta(seconds=40)) <= tp[1]["start"], tp)


def power_csv(name, a, pieces):
    """1 Hz monitor CSV of one GPU from a: pieces [(seconds, watts)] one after the other."""
    rows = ["timestamp,gpu0_power_w,gpu0_temp_c"]
    t = a
    for secs, w in pieces:
        for _ in range(secs):
            rows.append("%s,%.2f,50" % (t.strftime("%Y-%m-%d %H:%M:%S.000"), w))
            t += dt.timedelta(seconds=1)
    return write(name, "\n".join(rows) + "\n")


@test
def align_log_auto_puts_the_training_start_at_the_rise():
    # a log without any time; the GPU file: idle, a 40 s burst (sustained, but shorter than 80% of
    # the log's ~2 min of steps), idle, then the run: its training start goes to that second rise
    r = make_run(steps=240, ckpt_at=())
    lines = [text for _, text, _ in r if oracle.own_time(text)[0] is None]
    log = write("align.log", "\n".join(lines) + "\n")
    csv = power_csv("align.csv", T0, [(60, 50.0), (40, 450.0), (100, 50.0), (600, 480.0), (60, 50.0)])
    rise = T0 + dt.timedelta(seconds=200)
    doc, se = summary(csv, log, "--align-log", "auto")
    check(doc["log_timing"]["anchor"] == {"by": "align_auto", "zero": iso(rise), "uncertainty_s": 1}, doc["log_timing"])
    evs = sorted(doc["events"], key=lambda e: e["line"])
    # laid out from the start by the printed durations (as with --log-start), the start at the rise
    d50 = sum(400 + (k % 7) * 30 for k in range(50))
    check(evs[0]["timestamp"] == iso(rise) and evs[1]["timestamp"] == iso(rise + dt.timedelta(milliseconds=d50)),
          (evs[0]["timestamp"], evs[1]["timestamp"]))
    check(all(e["time_uncertainty_s"] is None or e["time_uncertainty_s"] >= 1 for e in evs), [e["time_uncertainty_s"] for e in evs])
    check("first period of activity that lasts 80% as long of 2" in se, se)
    invariants(doc, lines)
    # only idle GPUs: no rise to find (exit 2, saying what would help)
    idle = power_csv("idle.csv", T0, [(300, 50.0)])
    expect_error([idle, "--training-log", log, "--align-log", "auto"], 2, "no sustained GPU activity")
    expect_error([csv, "--training-log", log, "--align-log", "sideways"], 2, "--align-log takes 'auto'")


def tqdm_bar(k, total, secs, it_s=2.7):
    pct = 100 * k // total
    return " %3d%%|%-10s| %d/%d [%02d:%02d<00:00, %.2fit/s]" % (pct, "#" * (pct // 10), k, total, secs // 60, secs % 60, it_s)


@test
def elapsed_times_of_a_progress_bar():
    # a HuggingFace Trainer log: the training bar redrawn with '\r' (its elapsed time is the time
    # since training began), a loss dict after every 20th step, an evaluation bar (nested: its
    # time starts again at 00:00) and its eval_loss dict after step 60; no time of day anywhere
    total, parts, lines = 120, [], []
    for k in range(1, total + 1):
        secs = k // 2 + (5 if k > 60 else 0)  # 0.5 s a step; the evaluation took 5 s
        parts.append(tqdm_bar(k, total, secs))
        if k % 20 == 0:
            lines.append("\r".join(parts) + "{'loss': %.4f, 'grad_norm': 1.5, 'learning_rate': 1e-05, 'epoch': %.2f}" % (1 - k / 200, k / 40))
            parts = []
        if k == 60:
            lines.append("\r".join(parts + [tqdm_bar(j, 10, j // 2) + "\x1b[A" for j in range(1, 11)]))
            lines.append("{'eval_loss': 0.4321, 'eval_runtime': 5.0, 'epoch': 1.5}")  # (truly at 35 s)
            parts = []
    lines.append("\r".join(parts))
    log = write("hf.log", "Some weights were newly initialized\n" + "\n".join(lines) + "\n")
    csv = power_csv("hf.csv", T0, [(30, 40.0), (100, 300.0), (30, 40.0)])
    expect_error([csv, "--training-log", log], 2, "elapsed times")
    doc, se = summary(csv, log, "--log-start", "2025-10-23 22:00:10")
    check(doc["inputs"]["log"]["rules"] == "hf-trainer" and doc["steps"]["count"] == 6, (doc["inputs"]["log"], doc["steps"]["count"]))
    zero = T0 + dt.timedelta(seconds=10)
    # every step line carries its bar's time: step 20k at 10k s (k = 1..3), then +5 s
    want = [zero + dt.timedelta(seconds=k // 2 + (5 if k > 60 else 0)) for k in range(20, 121, 20)]
    check(doc["training"]["phases"][-1]["end"] == iso(want[-1]), (doc["training"]["phases"], iso(want[-1])))
    (ev,) = doc["events"]
    # the eval dict line: between the bar's 30 s (step 60) and 40 s (step 70, the next bar part)
    t = parse_iso(ev["timestamp"])
    check(zero + dt.timedelta(seconds=30) <= t <= zero + dt.timedelta(seconds=40), ev)
    check(ev["time_basis"] == "bracketed", ev)
    # --align-log auto: the bar's zero at the rise (30 s into the GPU file)
    doc, se = summary(csv, log, "--align-log", "auto")
    check(doc["log_timing"]["anchor"]["zero"] == iso(T0 + dt.timedelta(seconds=30)), doc["log_timing"])


@test
def optimizer_shards_per_rank():
    # nanochat saves one optimizer shard per rank (optim_N_rankR.pt, each rank logging its own);
    # the log says the world size: 4. The first checkpoint has all four, the second lacks rank 2's,
    # a later run (world size 2) has both of its own
    def ckpt(t, step, ranks, kind="base"):
        d = "/h/.cache/nanochat/%s_checkpoints/d20" % kind
        out = [logging_line(t, "nanochat.checkpoint_manager", "Saved optimizer state to: %s/optim_%06d_rank%d.pt" % (d, step, r))
               for r in ranks]
        out += [logging_line(t, "nanochat.checkpoint_manager", "Saved model parameters to: %s/model_%06d.pt" % (d, step)),
                logging_line(t, "nanochat.checkpoint_manager", "Saved metadata to: %s/meta_%06d.json" % (d, step))]
        return out
    lines = [logging_line(T0, "nanochat.common", "Distributed world size: 4")]
    lines += ["Step 00000 | Validation bpb: 1.0"] + ckpt(T0 + dt.timedelta(seconds=10), 100, [1, 3, 2, 0])
    lines += ["Step 00200 | Validation bpb: 0.9"] + ckpt(T0 + dt.timedelta(seconds=20), 200, [3, 1, 0])
    lines += [logging_line(T0 + dt.timedelta(seconds=30), "nanochat.common", "Distributed world size: 2")]
    lines += ckpt(T0 + dt.timedelta(seconds=40), 50, [0, 1], kind="chatsft")
    log = write("shards.log", "\n".join(lines) + "\n")
    doc, _ = summary(gpu_csv("shards.csv", T0, T0 + dt.timedelta(minutes=2)), log)
    bad = [a for a in doc["anomalies"] if a["kind"] == "incomplete_checkpoint"]
    check(len(bad) == 1 and "model_000200" in bad[0]["message"] and "1 of 4 optimizer shards (rank 2)" in bad[0]["message"],
          [a["message"] for a in bad])


@test
def slow_evaluation_with_two_sessions():
    # two sessions during training (closed by `Step N | CORE metric`): hellaswag takes 2 s, then 60 s
    # (30x, 58 s more): flagged; piqa 1 s then 10 s (10x): not; the second session (70 s against
    # 3 s: 23x, 67 s more) is flagged too. A standalone session after training
    # (closed by a bare `CORE metric:`, on more examples) takes 20x as long: not compared with them
    def session(step, hs, pq):
        return ["Evaluating: hellaswag (0-shot, type: multiple_choice)... accuracy: 0.5 | centered: 0.1 | time: %.2fs" % hs,
                "Evaluating: piqa (0-shot, type: multiple_choice)... accuracy: 0.6 | centered: 0.2 | time: %.2fs" % pq,
                ("Step %05d | CORE metric: 0.2" % step) if step is not None else "CORE metric: 0.25"]
    lines = [logging_line(T0, "nanochat.common", "Distributed world size: 1")]
    lines += [step_line(k, 200, 500, 3.0) for k in range(100)] + session(100, 2, 1)
    lines += [step_line(k, 200, 500, 2.0) for k in range(100, 200)] + session(200, 60, 10)
    lines += [logging_line(T0 + dt.timedelta(seconds=300), "x", "training done")] + session(None, 400, 100)
    lines += [logging_line(T0 + dt.timedelta(seconds=900), "x", "done")]
    log = write("slow2.log", "\n".join(lines) + "\n")
    doc, _ = summary(gpu_csv("slow2.csv", T0, T0 + dt.timedelta(minutes=16)), log)
    slow = [a["message"] for a in doc["anomalies"] if a["kind"] == "slow_evaluation"]
    # (one anomaly per session: the session and its slow tasks)
    check(slow == ["evaluation session at step 200 took 70.0 s, 23.3x the other session (3.0 s); "
                   "slow task: hellaswag 60.00 s (30.0x its other time 2.00 s)"], slow)
    # one session during training: a task 41x the median of its tasks (1.1 s) and 44 s longer is
    # slow; the standalone session's 400 s task is not compared across tasks
    tasks = [("arc_easy", 1.0), ("arc_challenge", 1.2), ("piqa", 0.9), ("winogrande", 1.1), ("squad", 45.0)]
    lines = [logging_line(T0, "nanochat.common", "Distributed world size: 1")]
    lines += [step_line(k, 100, 500, 3.0) for k in range(100)]
    lines += ["Evaluating: %s (0-shot, type: multiple_choice)... accuracy: 0.5 | centered: 0.1 | time: %.2fs" % t for t in tasks]
    lines += ["Step 00100 | CORE metric: 0.2", logging_line(T0 + dt.timedelta(seconds=200), "x", "training done")]
    lines += session(None, 400, 1) + [logging_line(T0 + dt.timedelta(seconds=900), "x", "done")]
    doc, _ = summary(gpu_csv("slow1.csv", T0, T0 + dt.timedelta(minutes=16)), write("slow1.log", "\n".join(lines) + "\n"))
    slow = [a["message"] for a in doc["anomalies"] if a["kind"] == "slow_evaluation"]
    check(slow == ["evaluation session at step 100; slow task: squad 45.00 s (40.9x the run's median task 1.10 s)"], slow)


@test
def slow_evaluation_needs_seconds_too():
    # three sessions; a task of 2.2 s takes 5 s once (2.3x, but 2.8 s more): not slow; another takes
    # 45 s against 15 s (3x and 30 s more): slow
    def session(step, a, b):
        return ["Evaluating: copa (0-shot, type: multiple_choice)... accuracy: 0.5 | centered: 0.1 | time: %.2fs" % a,
                "Evaluating: hellaswag (0-shot, type: multiple_choice)... accuracy: 0.6 | centered: 0.2 | time: %.2fs" % b,
                "Step %05d | CORE metric: 0.2" % step]
    lines = [logging_line(T0, "nanochat.common", "Distributed world size: 1")]
    for s_, (a, b) in enumerate(((2.2, 15), (5.0, 15), (2.2, 45))):
        lines += [step_line(k, 300, 500, 3.0) for k in range(100 * s_, 100 * s_ + 100)] + session(100 * s_ + 99, a, b)
    lines += [logging_line(T0 + dt.timedelta(seconds=400), "x", "done")]
    doc, _ = summary(gpu_csv("slow3.csv", T0, T0 + dt.timedelta(minutes=8)), write("slow3.log", "\n".join(lines) + "\n"))
    slow = [a["message"] for a in doc["anomalies"] if a["kind"] == "slow_evaluation"]
    # (its session, 47.2 s against the median 20 s, is slow too)
    check(slow == ["evaluation session at step 299 took 47.2 s, 2.4x the median session (20.0 s); "
                   "slow task: hellaswag 45.00 s (3.0x its median 15.00 s)"], slow)


finish("logtime")
