#!/usr/bin/env python3
"""Generates a realistic training run of any length: a GPU metrics CSV (monitor v2 or v1, any GPU
count and rate) and a nanochat-style training log with step lines, validation every 250 steps,
CORE sessions of 22 tasks every 2000 steps and a 4-file checkpoint at the end. Deterministic.

    bench/gen_run.py OUT_DIR --hours 7 --gpus 2 --hz 100 [--format v2|v1] [--log-scale 1]

--log-scale N repeats the log's body N times (a large log for parser throughput); --csv-hours
makes the CSV shorter than the log."""
import argparse
import datetime as dt
import os
import random

TASKS = ["hellaswag_zeroshot", "jeopardy", "bigbench_qa_wikidata", "arc_easy", "arc_challenge", "copa",
         "commonsense_qa", "piqa", "openbook_qa", "lambada_openai", "hellaswag", "winograd", "winogrande",
         "bigbench_dyck_languages", "agi_eval_lsat_ar", "bigbench_cs_algorithms", "bigbench_operators",
         "bigbench_repeat_copy_logic", "squad", "coqa", "boolq", "bigbench_language_identification"]


def schedule(hours, step_s):
    """(start, end, kind) activity windows and the log lines, in time order."""
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0, 162000)
    end = t0 + dt.timedelta(hours=hours)
    t, step, lines, busy = t0 + dt.timedelta(seconds=30), 0, [], []
    total = int(hours * 3600 / step_s * 0.9)
    stamp = lambda x: x.strftime("%Y-%m-%d %H:%M:%S")
    while t < end - dt.timedelta(minutes=15):
        if step % 250 == 0:
            busy.append((t, t + dt.timedelta(seconds=20), "val"))
            t += dt.timedelta(seconds=20)
            lines.append("%s Step %05d | Validation bpb: %.4f" % (stamp(t), step, 1.2 - 0.4 * step / max(total, 1)))
        if step % 2000 == 0 and step:
            s0 = t
            for name in TASKS:
                t += dt.timedelta(seconds=3.2)
                lines.append("%s Evaluating: %s (0-shot, type: multiple_choice)... accuracy: 0.5040 | centered: 0.3387 | time: 3.20s" % (stamp(t), name))
            t += dt.timedelta(seconds=1)
            lines.append("%s Step %05d | CORE metric: 0.2100" % (stamp(t), step))
            busy.append((s0, t, "eval"))
        lines.append("%s step %05d/%05d (%.2f%%) | loss: %.6f | grad norm: 0.3870 | lrm: 1.00 | dt: %.2fms | tok/sec: 178,321 | mfu: 50.31 | total time: %.2fm"
                     % (stamp(t), step, total, 100 * step / max(total, 1), 3.2 - step / max(total, 1), step_s * 1000, step * step_s / 60))
        step += 1
        t += dt.timedelta(seconds=step_s)
    ck = "/home/u/.cache/nanochat/base_checkpoints/d24"
    busy.append((t, t + dt.timedelta(seconds=6), "ckpt"))
    for i, msg in enumerate(["Saved model parameters to: %s/model_%06d.pt" % (ck, step),
                             "Saved metadata to: %s/meta_%06d.json" % (ck, step),
                             "Saved optimizer state to: %s/optim_%06d_rank0.pt" % (ck, step),
                             "Saved optimizer state to: %s/optim_%06d_rank1.pt" % (ck, step)]):
        tt = t + dt.timedelta(seconds=2 * i)
        lines.append("%s %s,%03d - nanochat.checkpoint_manager - \x1b[32m\x1b[1mINFO\x1b[0m - %s" % (stamp(tt), stamp(tt), tt.microsecond // 1000, msg))
    return t0, end, busy, t + dt.timedelta(seconds=8), lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hours", type=float, default=7)
    ap.add_argument("--gpus", type=int, default=2)
    ap.add_argument("--hz", type=float, default=100)
    ap.add_argument("--format", choices=("v1", "v2"), default="v2")
    ap.add_argument("--step-s", type=float, default=0.75)
    ap.add_argument("--log-scale", type=int, default=1)
    ap.add_argument("--csv-hours", type=float, help="length of the CSV (default: --hours)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    t0, end, busy, train_end, lines = schedule(a.hours, a.step_s)
    with open(os.path.join(a.out, "training.log"), "w") as f:
        for _ in range(a.log_scale):
            f.write("\n".join(lines) + "\n")
    rnd = random.Random(42)
    cols = ["timestamp", "elapsed_sec"]
    for g in range(a.gpus):
        cols += (["gpu%d_power_instant_w" % g, "gpu%d_power_avg_w" % g] if a.format == "v2" else ["gpu%d_power_w" % g]) + ["gpu%d_temp_c" % g]
    n = int((a.csv_hours if a.csv_hours is not None else a.hours) * 3600 * a.hz)
    period_us = int(1e6 / a.hz)
    base = int((t0 - dt.datetime(1970, 1, 1)).total_seconds())
    bi, avg, inst, hold = 0, [650.0] * a.gpus, [650.0] * a.gpus, 0
    with open(os.path.join(a.out, "gpu_metrics.csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        out = []
        day_cache = {}
        for i in range(n):
            us = t0.microsecond + i * period_us + rnd.randint(0, 300)
            sec = base + us // 1000000
            hms = day_cache.get(sec)
            if hms is None:
                day_cache.clear()
                hms = day_cache[sec] = dt.datetime.utcfromtimestamp(sec).strftime("%Y-%m-%d %H:%M:%S")
            tt = t0 + dt.timedelta(microseconds=i * period_us)
            while bi < len(busy) and busy[bi][1] < tt:
                bi += 1
            kind = busy[bi][2] if bi < len(busy) and busy[bi][0] <= tt else ("train" if tt < train_end else "idle")
            level = {"train": 650, "val": 420, "eval": 300, "ckpt": 150, "idle": 75}[kind]
            if hold == 0:  # NVML updates the instant reading every ~20 ms
                inst = [level + rnd.uniform(-40, 40) for _ in range(a.gpus)]
                hold = 2
            hold -= 1
            cells = ["%s.%03d" % (hms, us % 1000000 // 1000), "%.3f" % (i / a.hz)]
            for g in range(a.gpus):
                avg[g] = avg[g] * 0.99 + inst[g] * 0.01
                temp = int(40 + level / 20 + g)
                if a.format == "v2":
                    cells += ["%.2f" % inst[g], "%.2f" % avg[g], str(temp)]
                else:
                    cells += ["%.2f" % inst[g], str(temp)]
            out.append(",".join(cells))
            if len(out) == 20000:
                f.write("\n".join(out) + "\n")
                out = []
        if out:
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
