#!/usr/bin/env python3
"""End-to-end tests of the gpuviz command: outputs against tests/oracle.py (an independent
Python implementation over testdata/run2), the export files column by column, the page, and
every error path with its exit status.  Usage: cli_test.py PATH/TO/gpuviz SOURCE_DIR"""
import csv
import io
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, expect_error, finish, near, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
import oracle  # noqa: E402

RUN = os.path.join(SRC, "testdata", "run2")
CSV = os.path.join(RUN, "gpu_metrics.csv")
LOG = os.path.join(RUN, "training.log")
PLOTLY = os.path.join(SRC, "node_modules", "plotly.js-basic-dist-min", "plotly-basic.min.js")


EXPECT = oracle.compute(RUN)


def full_run():
    out = os.path.join(TMP, "r.html")
    rc, so, se = run(CSV, "--training-log", LOG, "-o", out, "--export-events", os.path.join(TMP, "ev.csv"))
    check(rc == 0, "exit %d: %s" % (rc, se))
    rc, so, se2 = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "r2.html"),
                      "--export-events", os.path.join(TMP, "ev.json"))
    check(rc == 0, "exit %d" % rc)
    return se


STDERR = full_run()
EVENTS_JSON = json.load(open(os.path.join(TMP, "ev.json")))
PAGE = open(os.path.join(TMP, "r.html"), encoding="utf-8").read()


@test
def event_counts_and_types():
    got = [(e["type"], e["step"]) for e in EVENTS_JSON]
    want = [(e["type"], e["step"]) for e in EXPECT["events"]]
    check(got == want, "%s != %s" % (got, want))
    # by hand from testdata/run2/training.log: validations at steps 250, 500, 750 (step 0 is
    # before monitoring), one evaluation session, one checkpoint of 4 files
    check(want == [("validation", 250), ("validation", 500), ("evaluation", 750), ("validation", 750),
                   ("checkpoint", 767)], want)
    check("events: 3 validation, 1 evaluation, 1 checkpoint (1 outside the samples left out)" in STDERR, STDERR)


@test
def event_times_and_windows():
    for g, w in zip(EVENTS_JSON, EXPECT["events"]):
        for k in ("timestamp", "start", "end"):
            check(g[k] == w[k], "%s %s: %s != %s" % (g["type"], k, g[k], w[k]))
        near(g["elapsed_hours"], w["elapsed_hours"], 1e-6, "elapsed_hours")
        check(g["line"] == w["line"], "line")
        check(g["metrics"] == w["metrics"], "%s != %s" % (g["metrics"], w["metrics"]))
        for gg, ww in zip(g["gpu"], w["gpu"]):
            near(gg["power_w"], ww["power_w"], 1e-6, "power at event")
            near(gg["temp_c"], ww["temp_c"], 1e-6, "temp at event")
            if "mean_power_w" in ww:
                near(gg["mean_power_w"], ww["mean_power_w"], 1e-3, "window mean")
                near(gg["max_power_w"], ww["max_power_w"], 1e-6, "window max")
                near(gg["energy_wh"], ww["energy_wh"], 1e-6, "window energy")
                check(gg["window_samples"] == ww["window_samples"], "window samples")
            else:
                check("mean_power_w" not in gg, "point event has no window")
    ev = EVENTS_JSON[2]  # evaluation: starts at the first task's end minus its time
    check(ev["start"] == "2025-12-22T21:13:00.000" and ev["end"] == "2025-12-22T21:13:41.000", ev["start"])
    check([t["name"] for t in ev["evaluation"]["tasks"]] == ["hellaswag_zeroshot", "jeopardy", "arc_easy", "copa"], "tasks")
    ck = EVENTS_JSON[4]["checkpoint"]
    check(ck == {"kind": "base", "model_tag": "d24", "model_id": "model_000767",
                 "dir": "/home/u/.cache/nanochat/base_checkpoints/d24", "files": 4, "optimizer_files": 2,
                 "has_model": True, "has_metadata": True}, ck)
    check(EVENTS_JSON[4]["timestamp"] == "2025-12-22T21:14:30.123" and EVENTS_JSON[4]["end"] == "2025-12-22T21:14:32.012", "ckpt times")


@test
def export_csv_columns():
    rows = list(csv.reader(open(os.path.join(TMP, "ev.csv"), newline="")))
    head = rows[0]
    check(head[:6] == ["event_type", "timestamp", "elapsed_hours", "step", "metric_name", "metric_value"], head)
    check(head[6:11] == ["label", "start", "end", "duration_s", "log_line"], head)
    check(head[11:16] == ["gpu0_power_w", "gpu0_temp_c", "gpu0_mean_power_w", "gpu0_max_power_w", "gpu0_energy_wh"], head)
    want = []
    for e in EXPECT["events"]:
        for k, v in e["metrics"].items():
            want.append((e, k, v))
        for t in e["tasks"]:
            want.append((e, t + ".accuracy", None))
    body = rows[1:]
    check(len(body) == len(want) == 10, "%d rows, want %d" % (len(body), len(want)))
    for r, (e, k, v) in zip(body, want):
        rec = dict(zip(head, r))
        check(rec["event_type"] == e["type"], rec["event_type"])
        check(rec["timestamp"] == e["timestamp"], rec["timestamp"])
        check(rec["elapsed_hours"] == "%.6f" % e["elapsed_hours"], rec["elapsed_hours"])
        check(rec["step"] == str(e["step"]), rec["step"])
        check(rec["metric_name"] == k, rec["metric_name"])
        if v is not None:
            near(float(rec["metric_value"]), v, 0, "metric_value")
        check(rec["start"] == e["start"] and rec["end"] == e["end"], "window")
        check(rec["log_line"] == str(e["line"]), "line")
        for g in e["gpu"]:
            i = g["index"]
            check(rec["gpu%d_power_w" % i] == "%.2f" % g["power_w"], "power")
            check(rec["gpu%d_temp_c" % i] == "%.2f" % g["temp_c"], "temp")
            if "energy_wh" in g:
                check(rec["gpu%d_energy_wh" % i] == "%.6f" % g["energy_wh"], "energy %s" % rec["gpu%d_energy_wh" % i])
                check(rec["gpu%d_mean_power_w" % i] == "%.2f" % g["mean_power_w"], "mean")
            else:
                check(rec["gpu%d_energy_wh" % i] == "", "no window energy")
    check(dict(zip(head, body[0]))["label"] == "Val: 0.933", "label")


@test
def console_summary_matches_oracle():
    check("4800 rows read, 4 skipped, 1 sampler restart" in STDERR, STDERR)
    check("time 2025-12-22T21:06:00.162 .. 2025-12-22T21:25:59.912" in STDERR, "range")
    # the GPUs as a table: a heading, then a row per GPU
    lines = STDERR.splitlines()
    head = [l for l in lines if l.split()[:3] == ["GPU", "power", "column"]]
    check(head and head[0].split()[3:] == ["mean", "W", "min", "W", "max", "W", "energy", "Wh", "mean", "C", "min", "C", "max", "C"], head)
    for g, w in EXPECT["gpus"].items():
        row = [l for l in lines if l.strip().startswith("GPU%d " % g)][0].split()
        check(len(row) == 9 and row[1] == "gpu%d_power_instant_w" % g, row)
        near(float(row[2]), w["power_mean"], 0.051, "mean power")
        near(float(row[5]), w["energy_wh"], 0.051, "energy")
        near(float(row[6]), w["temp_mean"], 0.051, "temp mean")
        near(float(row[8]), w["temp_max"], 0, "temp max")
    # the phases as a table: each phase's time (h:mm:ss) and energy with their shares
    head = [i for i, l in enumerate(lines) if l.split() == ["phase", "time", "share", "energy", "Wh", "share"]]
    check(len(head) == 1, head)
    rows = {l.split()[0]: l.split() for l in lines[head[0] + 1:head[0] + 7] if len(l.split()) >= 5}
    check(set(rows) >= {"training", "validation", "evaluation", "idle"}, rows)
    check(rows["idle"][5:] == ["(during", "the", "run", "0.0%,", "after", "it", "55.0%)"], rows["idle"])
    # without --check, the last line still gives the verdict
    check(lines[-1] == "gpuviz: verdict: no anomaly", lines[-1])
    check("idle cutoff %s" % EXPECT["idle_cutoff"] in STDERR, "cutoff")
    for line in ("metrics.csv:503: skipped row: expected 8 fields, found 3",
                 "metrics.csv:904: skipped row: unparsable number '6x0.00' in column gpu0_power_instant_w",
                 "metrics.csv:1505: skipped row: unparsable time '2025-02-30 25:61:00.000' in column timestamp",
                 "metrics.csv:2506: skipped row: empty line",
                 "metrics.csv:3007: header repeated (sampler restarted)",
                 "1 events before monitoring started and 0 after it ended were left out"):
        check(line in STDERR, "missing warning: " + line)


@test
def page_embeds_plotly_and_data():
    plotly = open(PLOTLY, encoding="utf-8").read()
    check(plotly in PAGE, "Plotly.js is not embedded verbatim")
    rest = PAGE.replace(plotly, "")
    urls = re.findall(r"https?://[^\s\"'<>)]*", rest)
    check(urls == [], "external URLs outside Plotly: %s" % urls)
    check(not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", rest, re.I), "a tag loads something")
    check("Content-Security-Policy" in rest and "default-src 'none'" in rest, "CSP")
    m = re.search(r'<script type="application/json" id="gv-data">(.*?)</script>', PAGE, re.S)
    data = json.loads(m.group(1))
    check(data["rows_read"] == 4800 and len(data["events"]) == 5, "data")
    check(data["start"] == "2025-12-22T21:06:00.162", data["start"])
    check(len(PAGE.encode()) <= 8_000_000, "within the default 8 MB budget")
    import base64
    import struct
    for s in data["series"]:
        lv = s["levels"]
        check(lv and lv[-1]["n"] <= 1024, "the coarsest level is small: %s" % lv[-1])
        check(all(abs(a["width_h"] * 2 - b["width_h"]) < 1e-12 for a, b in zip(lv, lv[1:])), "levels double")
        blob = re.search(r'<script type="application/octet-stream" id="%s">([A-Za-z0-9+/=]*)</script>' % lv[0]["id"], PAGE)
        raw = base64.b64decode(blob.group(1))
        check(len(raw) == 4 * lv[0]["n"], "2 x uint16 per bucket")
        q = struct.unpack("<%dH" % (2 * lv[0]["n"]), raw)
        vals = [s["offset"] + v * s["scale"] for v in q if v != 65535]
        # the finest level keeps the extremes (checked against the oracle's min and max)
        if s["name"] == "gpu0_power_instant_w":
            near(max(vals), EXPECT["gpus"][0]["power_max"], s["scale"], "max kept")
            near(min(vals), EXPECT["gpus"][0]["power_min"], s["scale"], "min kept")
            # 4 Hz samples, 160 ms buckets: the finest level holds every sample time in its own
            # bucket (the burst of 4 identical times shares one)
            _, rows, _, _ = oracle.read_csv(CSV)
            times = {t for t, v in rows if v["gpu0_power_instant_w"] is not None}
            check(lv[0]["width_h"] * 3600 < 0.25, "finer than the sample interval")
            check(sum(1 for v in q[::2] if v != 65535) == len(times) == 4797, "every sample in the finest level")


@test
def cdn_mode():
    out = os.path.join(TMP, "cdn.html")
    rc, _, se = run(CSV, "--plotly", "cdn", "-o", out, "-q")
    check(rc == 0 and se == "", se)
    page = open(out).read()
    check(len(page.encode()) <= 8_000_000 and open(PLOTLY).read()[:2000] not in page, "cdn page: no Plotly inside")
    m = re.search(r'<script src="(https://[^"]+)" integrity="sha384-([A-Za-z0-9+/=]+)"', page)
    check(m and "plotly.js-basic-dist-min@" in m.group(1), "cdn script tag")
    import base64, hashlib
    digest = base64.b64encode(hashlib.sha384(open(PLOTLY, "rb").read()).digest()).decode()
    check(m.group(2) == digest, "SRI hash matches the pinned file")


@test
def hostile_log_is_escaped():
    log = os.path.join(TMP, "hostile.log")
    with open(log, "w") as f:
        f.write("2025-12-22 21:08:00 Evaluating: </script><img src=x onerror=alert(1)> (0-shot, type: \"'&) ... accuracy: 0.5 | centered: 0.1 | time: 1.00s\n")
        f.write("2025-12-22 21:08:01 Step 00001 | CORE metric: 0.1\n")
        f.write("2025-12-22 21:08:02 Saved model parameters to: /x/</script><b>_checkpoints/t\u2028/model_000001.pt\n")
    out = os.path.join(TMP, "hostile.html")
    rc, _, se = run(CSV, "--training-log", log, "-o", out)
    check(rc == 0, se)
    page = open(out, encoding="utf-8").read()
    check("<img src=x" not in page and "</script><b>" not in page, "raw markup in page")
    check(page.count("</script>") == page.count("<script"), "script elements: %d" % page.count("</script>"))
    check(len(re.findall(r"<script(?![^>]*application/octet-stream)", page)) == 3, "data, Plotly, report script")
    data = json.loads(re.search(r'id="gv-data">(.*?)</script>', page, re.S).group(1))
    names = [t["name"] for e in data["events"] if e["type"] == "evaluation" for t in e["evaluation"]["tasks"]]
    check(names == ["</script><img"], names)


@test
def export_to_stdout_and_quiet():
    rc, so, se = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "q.html"), "--export-events", "-", "--quiet")
    check(rc == 0 and se == "", "quiet run printed: %r" % se)
    rows = list(csv.reader(io.StringIO(so)))
    check(rows[0][0] == "event_type" and len(rows) == 11, "stdout export")
    rc, so, se = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "q.html"), "--export-events", "-",
                     "--export-format", "json", "-q")
    check(rc == 0 and len(json.loads(so)) == 5, "json to stdout")


@test
def filters():
    def types(*flags):
        rc, so, se = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "f.html"), "--export-events", "-",
                         "--export-format", "json", "-q", *flags)
        check(rc == 0, se)
        return sorted({e["type"] for e in json.loads(so)})
    check(types("--no-validation") == ["checkpoint", "evaluation"], "no-validation")
    check(types("--only", "checkpoint,evaluation") == ["checkpoint", "evaluation"], "only")
    check(types("--only=validation") == ["validation"], "only=")
    check(types("--no-checkpoint", "--no-evaluation", "--no-validation") == [], "none")


@test
def time_offset_and_no_cutoff():
    rc, so, se = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "o.html"), "--export-events", "-",
                     "--export-format", "json", "-q", "--time-offset", "-60")
    ev = json.loads(so)
    # every log time moves a minute earlier: the first validation (21:08:20) becomes 21:07:20
    check(ev[0]["timestamp"] == "2025-12-22T21:07:20.000", ev[0]["timestamp"])
    rc, so, se = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "o.html"), "--time-offset", "86400")
    check(rc == 0 and "0 events before monitoring started and 6 after it ended were left out" in se, se)
    check("shift the log with --time-offset" in se, "hint")
    # a log written 2 hours ahead (another time zone): the warning names the shift that fixes it
    rc, so, se = run(CSV, "--training-log", LOG, "-o", os.path.join(TMP, "o.html"), "--time-offset", "7200")
    check("differ by whole hours (a time zone?): shifting the log -7200 s more with --time-offset puts 5 of them inside" in se, se)
    rc, so, se = run(CSV, "-o", os.path.join(TMP, "n.html"), "--no-idle-cutoff")
    check(rc == 0 and "idle cutoff" not in se, se)
    data = json.loads(re.search(r'id="gv-data">(.*?)</script>', open(os.path.join(TMP, "n.html")).read(), re.S).group(1))
    check(data["cutoff_h"] is None, "no cutoff")
    rc, so, se = run(CSV, "-o", os.path.join(TMP, "t.html"), "--power-threshold", "700")
    check("idle cutoff" not in se, "nothing reaches 700 W: no cutoff")


@test
def usage_errors():
    expect_error([], 2, "no GPU metrics CSV given")
    expect_error([CSV, "--bogus"], 2, "unknown option '--bogus'")
    expect_error([CSV, "--max-points", "abc"], 2, "--max-points takes a whole number")
    expect_error([CSV, "--max-points", "10"], 2, "--max-points takes a whole number")
    expect_error([CSV, "--power-threshold", "-1"], 2, "--power-threshold takes watts >= 0")
    expect_error([CSV, "--buffer-minutes", "x"], 2, "--buffer-minutes takes minutes")
    expect_error([CSV, "--time-offset", "soon"], 2, "--time-offset takes SECONDS (the log) or NODE=SECONDS")
    expect_error([CSV, "--plotly", "inline"], 2, "--plotly takes embed or cdn")
    expect_error([CSV, "--export-format", "xml"], 2, "--export-format takes csv or json")
    expect_error([CSV, "--only", "validation,bogus"], 2, "unknown event type 'bogus'")
    expect_error([CSV, "--only", "validation", "--no-validation"], 2, "contradict")
    expect_error([CSV, "--training-log"], 2, "option --training-log needs a value")
    expect_error([CSV, CSV], 2, "gpu_metrics.csv: given twice as an input")
    expect_error([CSV, "--training-log", CSV], 2, "gpu_metrics.csv: given twice as an input")
    expect_error([CSV, "-o", "-", "--export-events", "-"], 2, "only one of the outputs (page, export, summary, JUnit, Markdown) can go to stdout")
    expect_error([CSV, "--quiet=yes"], 2, "takes no value")
    rc, so, se = run("--help")
    check(rc == 0 and "Exit status" in so and "--training-log" in so, "help")
    rc, so, se = run("--version")
    check(rc == 0 and re.match(r"gpuviz \d+\.\d+\.\d+ \(Plotly.js \d+\.\d+\.\d+ embedded\)", so), so)


@test
def input_errors():
    expect_error([os.path.join(TMP, "nope.csv")], 2, "nope.csv: cannot open: No such file or directory")
    expect_error([CSV, "--training-log", os.path.join(TMP, "nope.log")], 2, "nope.log: cannot open")
    expect_error([TMP], 2, "is a directory")
    def write(name, text):
        p = os.path.join(TMP, name)
        open(p, "w").write(text)
        return p
    expect_error([write("empty.csv", "")], 2, "empty.csv: empty file")
    expect_error([write("notime.csv", "when,gpu0_power_w\n1,2\n")], 2, "notime.csv:1: no time column")
    # a number too small to be a time since 1970 is seconds since the sampler started: --start
    expect_error([write("small.csv", "time,gpu0_power_w\n1,2\n")], 2, "small.csv:2: column 'time' holds seconds since the sampler started ('1')")
    expect_error([write("bad.csv", "timestamp,gpu0_power_w\nyesterday,2\n")], 2, "bad.csv: no valid rows (1 skipped)")
    expect_error([write("hdr.csv", "timestamp,gpu0_power_w\n")], 2, "no valid rows (0 skipped)")


@test
def outputs_never_clobber_inputs():
    d = os.path.join(TMP, "inputs")
    os.makedirs(d, exist_ok=True)
    csvc, logc = os.path.join(d, "m.csv"), os.path.join(d, "t.log")
    shutil.copy(CSV, csvc)
    shutil.copy(LOG, logc)
    before = open(csvc, "rb").read(), open(logc, "rb").read()
    expect_error([csvc, "--training-log", logc, "-o", csvc], 2, "refusing to overwrite an input")
    expect_error([csvc, "--training-log", logc, "--export-events", logc], 2, "refusing to overwrite an input")
    expect_error(["m.csv", "-o", "./m.csv"], 2, "refusing to overwrite an input", cwd=d)
    os.symlink(csvc, os.path.join(d, "link.html"))
    expect_error([csvc, "-o", os.path.join(d, "link.html")], 2, "refusing to overwrite an input")
    expect_error([csvc, "-o", os.path.join(d, "x.html"), "--export-events", os.path.join(d, "x.html")], 2, "two outputs would be the same file")
    expect_error([csvc, "--training-log", logc, "--junit", logc], 2, "refusing to overwrite an input")
    expect_error([csvc, "--summary-md", os.path.join(d, "x.md"), "--summary-json", os.path.join(d, "x.md")], 2, "two outputs would be the same file")
    check((open(csvc, "rb").read(), open(logc, "rb").read()) == before, "an input changed")


@test
def failed_runs_leave_outputs_alone():
    d = os.path.join(TMP, "atomic")
    os.makedirs(d, exist_ok=True)
    out = os.path.join(d, "report.html")
    open(out, "w").write("old report")
    open(os.path.join(d, "bad.csv"), "w").write("timestamp,gpu0_power_w\nx,1\n")
    expect_error([os.path.join(d, "bad.csv"), "-o", out], 2, "no valid rows")
    check(open(out).read() == "old report", "the old report was touched")
    expect_error([CSV, "-o", os.path.join(TMP, "no", "such", "dir.html")], 3, "cannot create output")
    check(sorted(os.listdir(d)) == ["bad.csv", "report.html"], "temporary files left: %s" % os.listdir(d))
    rc, _, _ = run(CSV, "-o", out, "-q")
    check(rc == 0 and open(out).read().startswith("<!DOCTYPE html>"), "replaced on success")
    check(oct(os.stat(out).st_mode & 0o777) == "0o644", "mode %o" % (os.stat(out).st_mode & 0o777))


def run_on_tty(*args, env=None):
    """Runs gpuviz with stderr on a pseudo-terminal; returns (status, what the terminal showed)."""
    import pty
    import select
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(TMP)
        os.execve(GPUVIZ, [GPUVIZ, *args], dict(os.environ, **(env or {})))
    out = b""
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 30)
            chunk = os.read(fd, 65536) if r else b""
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


@test
def progress_line_only_on_a_terminal():
    args = [CSV, "--training-log", LOG, "-o", os.path.join(TMP, "pg.html")]
    rc, shown = run_on_tty(*args, env={"GPUVIZ_PROGRESS_DELAY_MS": "0"})
    check(rc == 0, shown)
    m = re.search(r"\rgpuviz: reading gpu_metrics\.csv: +(\d+)% \((\d+) of 0 MB\), \d+ MB/s, [\d.]+ s left", shown)
    check(m, "no progress line on the terminal: %r" % shown[:300])
    # the log first (its own line, read in one go: 100%), erased before the CSV's
    m = re.search(r"\rgpuviz: reading training\.log: 100% \(0 of 0 MB\), \d+ MB/s, 0\.0 s left\r +\r", shown)
    check(m, "no progress line for the log: %r" % shown[:300])
    check("\x1b" not in shown, "no escape sequences (no colour)")
    # erased before the summary: the line ends in spaces and a carriage return
    check(re.search(r" +\rgpuviz: testdata|\r +\r", shown) is not None, "progress erased")
    rc, shown = run_on_tty(*args, "--quiet", env={"GPUVIZ_PROGRESS_DELAY_MS": "0"})
    check(rc == 0 and "reading" not in shown, "--quiet: %r" % shown)
    rc, shown = run_on_tty(*args, env={"GPUVIZ_PROGRESS_DELAY_MS": "600000"})
    check(rc == 0 and "reading" not in shown, "no progress before the delay: %r" % shown[:300])
    # the default delay (1 s): asserted only when the run was quick; under valgrind it is not
    t0 = time.monotonic()
    rc, shown = run_on_tty(*args)
    if time.monotonic() - t0 < 0.9:
        check(rc == 0 and "reading" not in shown, "no progress for quick inputs: %r" % shown[:300])
    rc, so, se = run(*args)  # stderr is a pipe here
    check(rc == 0 and "reading" not in se and "\r" not in se, "no progress off a terminal")


@test
def default_output_name():
    d = os.path.join(TMP, "default")
    os.makedirs(d, exist_ok=True)
    rc, so, se = run(CSV, "--training-log", LOG, cwd=d)
    check(rc == 0 and os.path.exists(os.path.join(d, "gpuviz_report.html")), se)
    check("gpuviz: wrote gpuviz_report.html" in se, se)
    check(so == "", "stdout must stay clean: %r" % so)


@test
def every_option_documented_alike():
    # the options' table (src/cli/options.c), --help, the man page and docs/usage.md name the same
    # set (--help and the man page's list are made from the table; ctest man_options compares the
    # committed page with it)
    import re
    src = open(os.path.join(SRC, "src", "cli", "options.c")).read()
    parser = set(re.findall(r'\{(?:NULL|"[^"]*"), "(--[a-z0-9-]+)"', src))
    rc, so, se = run("--help")
    check(rc == 0 and all(len(line) <= 90 for line in so.splitlines()), "--help fits a terminal")
    for name in parser:  # each option is taken by the parser (an unknown one is a different error)
        rc2, so2, se2 = run(name, "x")
        check("unknown option" not in se2, "%s: %s" % (name, se2))
    # the library never names a flag: its messages cite options as {opt:NAME} (status.h), spelled here
    for root, _, files in os.walk(os.path.join(SRC, "src")):
        if os.path.basename(root) == "cli":
            continue
        for fn in files:
            if fn.endswith((".c", ".h")):
                code = re.sub(r"/\*.*?\*/", "", open(os.path.join(root, fn)).read(), flags=re.S)
                named = [f for f in parser if re.search(r'"[^"\n]*(?<!nvidia-smi )%s\b' % re.escape(f), code)]
                check(not named, "%s names CLI flags: %s" % (fn, named))
    # ... and every option it cites is one the table spells (else the user would read "{opt:NAME}")
    libs = set(re.findall(r'\.lib = "([a-z_]+)"', src))
    for root, _, files in os.walk(os.path.join(SRC, "src")):
        for fn in files:
            for name in re.findall(r"\{opt:([a-z_%]+)\}", open(os.path.join(root, fn), errors="replace").read()):
                expanded = {name.replace("%s", t) for t in ("validation", "evaluation", "checkpoint")}
                check(expanded <= libs, "%s cites {opt:%s}, which no option's .lib names" % (fn, name))
    # each number's default, as --help states it, is a value the option takes
    defaults = re.findall(r"(--[a-z-]+) [A-Z]+ +[^\n]*(?:\n {26}[^\n]*)*?\(default:?\s+([0-9.]+)", so)
    check(len(defaults) >= 5, "defaults found in --help: %r" % defaults)
    for name, value in defaults:
        rc2, so2, se2 = run(CSV, name, value, "-o", os.path.join(TMP, "dflt.html"), "-q")
        check(rc2 == 0, "%s %s: %s" % (name, value, se2))
    help_ = set(re.findall(r"(--[a-z0-9-]+[a-z0-9])", so))
    man = {m.replace("\\-", "-") for m in re.findall(r"(\\-\\-[a-z0-9]+(?:\\-[a-z0-9]+)*)", open(os.path.join(SRC, "docs", "gpuviz.1")).read())}
    usage = set(re.findall(r"`(--[a-z0-9-]+[a-z0-9])", open(os.path.join(SRC, "docs", "usage.md")).read()))
    check(parser and parser <= help_, "parsed but not in --help: %s" % sorted(parser - help_))
    check(help_ == man, "--help vs man page: %s / %s" % (sorted(help_ - man), sorted(man - help_)))
    check(help_ - {"--help", "--version", "--output"} <= usage, "not in docs/usage.md: %s" % sorted(help_ - usage - {"--help", "--version", "--output"}))


finish("cli")
