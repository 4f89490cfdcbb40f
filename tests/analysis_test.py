#!/usr/bin/env python3
"""End-to-end tests of the analysis: phases and energy against tests/oracle.py (independent
Python), anomalies planted in testdata/anomalies (testdata/generate.py says where), the summary
JSON against docs/summary.schema.json, --check (every operator, function and error), ranges.
Usage: analysis_test.py PATH/TO/gpuviz SOURCE_DIR"""
import datetime as dt
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, expect_error, finish, near, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
import jsonschema  # noqa: E402  (Debian: python3-jsonschema)
import oracle  # noqa: E402

RUN2 = os.path.join(SRC, "testdata", "run2")
ANOM = os.path.join(SRC, "testdata", "anomalies")
SCHEMA = json.load(open(os.path.join(SRC, "docs", "summary.schema.json")))


def summary(run_dir, *extra):
    out = os.path.join(TMP, "s.json")
    rc, so, se = run(os.path.join(run_dir, "gpu_metrics.csv"), "--training-log", os.path.join(run_dir, "training.log"),
                     "-o", os.path.join(TMP, "p.html"), "--summary-json", out, *extra)
    check(rc == 0, "exit %d: %s" % (rc, se))
    return json.load(open(out)), se


S2, SE2 = summary(RUN2)
SA, SEA = summary(ANOM)


def phases_match(doc, run_dir):
    sec, wh = oracle.phases(run_dir)
    total_s, total_wh = sum(sec.values()), sum(wh.values())
    for name in oracle.PHASES:
        p = doc["phases"][name]
        # the issue asks for 0.5%; of the phase's own value, or of the total for tiny phases
        near(p["seconds"], sec[name], max(0.005 * sec[name], 1e-3), "%s seconds" % name)
        near(p["energy_wh"], wh[name], max(0.005 * wh[name], 1e-4), "%s energy" % name)
        near(p["share_time"], sec[name] / total_s, 1e-5, "%s share_time" % name)
        near(p["share_energy"], wh[name] / total_wh, 1e-5, "%s share_energy" % name)
    return sec, wh


@test
def phases_run2_match_oracle():
    sec, wh = phases_match(S2, RUN2)
    # every moment belongs to one phase: the phases add up to the monitored window
    near(sum(sec.values()), S2["time_range"]["duration_s"], 1e-6, "phases cover the window")
    near(sum(p["seconds"] for p in S2["phases"].values()), S2["time_range"]["duration_s"], 2e-3, "sum of phases")
    # and the phase energies add up to the per-GPU totals (no interval is lost or counted twice)
    near(sum(p["energy_wh"] for p in S2["phases"].values()), S2["energy_wh_total"], 1e-4, "energy adds up")
    # by hand from testdata/run2/training.log: validation 21 s (21:07:59 -> 21:08:20) plus the
    # step-500 validation, a line without a time between step 499 (21:10:00) and step 500
    # (21:10:20, less its dt 2.94012 s): 17.05988 s; evaluation 41 s (21:13:00 -> 21:13:41),
    # checkpoint 1.889 s (21:14:30.123 -> 21:14:32.012)
    near(S2["phases"]["validation"]["seconds"], 21.0 + 17.05988, 1e-3, "validation")
    near(S2["phases"]["evaluation"]["seconds"], 41.0, 1e-9, "evaluation")
    near(S2["phases"]["checkpoint"]["seconds"], 1.889, 1e-9, "checkpoint")


@test
def phases_anomalies_run_match_oracle():
    phases_match(SA, ANOM)


@test
def training_phases_and_per_token_energy():
    tp = S2["training"]["phases"]
    check([p["label"] for p in tp] == ["base", "phase 2"], [p["label"] for p in tp])
    # the base run's step lines say `/01200` and its last is 766: stopped early; the second says none
    import re as _re
    totals = _re.findall(r"step (\d+)/(\d+)", open(os.path.join(RUN2, "training.log")).read())
    check(totals and int(totals[-1][1]) == 1200, totals[-3:])
    check([(p["total_steps"], p["complete"]) for p in tp] == [(1200, False), (None, None)], tp)
    check([(p["first_step"], p["last_step"], p["steps"]) for p in tp] == [(1, 766, 155), (1, 8, 8)],
          [(p["first_step"], p["last_step"], p["steps"]) for p in tp])
    # tokens: sum of tok/sec x dt over the step lines (computed from the log independently)
    steps = oracle.read_steps(os.path.join(RUN2, "training.log"))
    import re
    toks = [0.0, 0.0]
    for raw in open(os.path.join(RUN2, "training.log")):
        m = re.search(r"\bstep (\d+).*dt: ([\d.]+)ms \| tok/sec: ([\d,]+)", raw)
        if m:
            toks[0 if "/01200" in raw else 1] += float(m.group(3).replace(",", "")) * float(m.group(2)) / 1000
    near(tp[0]["tokens"], toks[0], 1, "base tokens")
    near(tp[1]["tokens"], toks[1], 1, "mid tokens")
    check(len(steps) == S2["steps"]["count"] == 163, "step count")
    t = S2["training"]
    near(t["energy_per_token_j"], t["energy_wh"] * 3600 / t["tokens"], 1e-9, "J/token")
    near(t["energy_per_step_j"], t["energy_wh"] * 3600 / t["steps"], 1e-3, "J/step")
    near(t["energy_wh"], S2["phases"]["training"]["energy_wh"], 1e-6, "training energy")
    ov = S2["evaluation_overhead"]
    near(ov["share_time"], S2["phases"]["evaluation"]["share_time"] + S2["phases"]["validation"]["share_time"], 1e-5, "overhead")


@test
def step_statistics():
    # medians, minima and maxima of the step fields, from the log with Python's statistics
    import re
    import statistics
    for doc, run_dir in ((S2, RUN2), (SA, ANOM)):
        vals = {"loss": [], "tok_per_sec": [], "dt_ms": [], "mfu": []}
        for raw in open(os.path.join(run_dir, "training.log")):
            if not re.search(r"\bstep \d+", raw):
                continue
            for key, name in (("loss", "loss"), ("tok/sec", "tok_per_sec"), ("dt", "dt_ms"), ("mfu", "mfu")):
                m = re.search(r"\| %s: ([\d,.]+)" % re.escape(key), raw)
                if m:
                    vals[name].append(float(m.group(1).rstrip(".").replace(",", "")))
        for name, v in vals.items():
            got = doc["steps"][name]
            near(got["median"], statistics.median(v), 1e-6, "%s median" % name)
            near(got["min"], min(v), 1e-6, "%s min" % name)
            near(got["max"], max(v), 1e-6, "%s max" % name)


@test
def anomalies_where_planted():
    # testdata/generate.py write_anomalies(): times of 2025-12-22 10:xx
    want = [("throughput_drop", "10:05:01", None), ("over_temperature", "10:10:00", 0),
            ("gpu_imbalance", "10:12:00", 1), ("bpb_regression", "10:15:30", None),
            ("slow_evaluation", "10:17:00", None), ("power_drop", "10:22:00", None),
            ("time_backwards", "10:24:00", None), ("sample_gap", "10:25:00", None),
            ("incomplete_checkpoint", "10:29:30", None)]
    got = [(a["kind"], a["timestamp"][11:19], a["gpu"]) for a in SA["anomalies"]]
    check(got == want, "\n%s\n!=\n%s" % (got, want))
    by = {a["kind"]: a for a in SA["anomalies"]}
    near(by["over_temperature"]["duration_s"], 30, 1e-9, "hot episode: first row above to first row below")
    near(by["over_temperature"]["value"], 88, 0, "max temperature")
    check("for 30.0 s" in by["over_temperature"]["message"], by["over_temperature"]["message"])
    near(by["gpu_imbalance"]["duration_s"], 60, 1e-9, "imbalance 60 s")
    near(by["power_drop"]["duration_s"], 40, 1e-9, "power drop 40 s")
    near(by["sample_gap"]["value"], 3.0, 1e-9, "gap")
    check("optimizer state" in by["incomplete_checkpoint"]["message"], "what is missing")
    check(SA["anomaly_counts"]["slow_evaluation"] == 1 and sum(SA["anomaly_counts"].values()) == 9, "counts")
    # the slow session at step 298 (181 s, 3x the 61 s median) with its 4 slow tasks (45 s, 3x 15 s)
    # in one anomaly, the 3 slowest named
    check(by["slow_evaluation"]["message"] == "evaluation session at step 298 took 181.0 s, 3.0x the median session "
          "(61.0 s); slow tasks: hellaswag 45.00 s (3.0x its median 15.00 s), arc_easy 45.00 s (3.0x its median "
          "15.00 s), piqa 45.00 s (3.0x its median 15.00 s) and 1 more", by["slow_evaluation"]["message"])
    # severities: work or hardware at risk is critical; slower or worse is a warning; the rest info
    sev = {a["kind"]: a["severity"] for a in SA["anomalies"]}
    check(sev == {"incomplete_checkpoint": "critical", "over_temperature": "critical", "power_drop": "critical",
                  "bpb_regression": "warning", "slow_evaluation": "warning", "throughput_drop": "warning",
                  "gpu_imbalance": "warning", "sample_gap": "info", "time_backwards": "info"}, sev)
    check(SA["anomaly_severity_counts"] == {"critical": 3, "warning": 4, "info": 2}, SA["anomaly_severity_counts"])
    for a in SA["anomalies"]:
        check(a["kind"] in SEA, "console lists %s" % a["kind"])
    # the console groups them: counts by severity and kind, critical ones first
    check("anomalies: 9 (3 critical, 4 warning, 2 info; bpb_regression 1, slow_evaluation 1, throughput_drop 1," in SEA, SEA)
    lines = [l.split()[0] for l in SEA.splitlines() if l.startswith("    ") and l.split()[0] in ("critical", "warning", "info")]
    check(lines == ["critical"] * 3 + ["warning"] * 4 + ["info"] * 2, lines)
    check(SEA.strip().splitlines()[-1] == "gpuviz: verdict: 9 anomalies (3 critical, 4 warning, 2 info); "
          "no --check given, exit status 0", SEA[-200:])


@test
def no_anomalies_where_none_planted():
    check(S2["anomalies"] == [] and sum(S2["anomaly_counts"].values()) == 0, S2["anomalies"])
    check("anomalies: 0" in SE2, "console")


@test
def long_clean_run_has_no_anomaly():
    # bench/gen_run.py's 7-hour run (1 Hz, 2 GPUs): validations every 250 steps, 22-task CORE
    # sessions every 2000 steps, all at steady speed, a checkpoint at the end. Nothing in it is
    # wrong, so nothing may be reported; its events are all found (the generator's own schedule).
    sys.path.insert(0, os.path.join(SRC, "bench"))
    import gen_run  # noqa: E402
    out = os.path.join(TMP, "clean7h")
    rc = __import__("subprocess").run([sys.executable, os.path.join(SRC, "bench", "gen_run.py"), out, "--hours", "7",
                                        "--hz", "1"]).returncode
    check(rc == 0, "gen_run.py")
    _, _, busy, _, _ = gen_run.schedule(7, 0.75)
    doc, se = summary(out)
    check(doc["anomalies"] == [] and sum(doc["anomaly_counts"].values()) == 0,
          [(a["kind"], a["message"]) for a in doc["anomalies"]][:5])
    check("anomalies: 0" in se, se)
    n = {k: sum(1 for b in busy if b[2] == k) for k in ("val", "eval")}
    got = {k: sum(1 for e in doc["events"] if e["type"] == t) for k, t in (("val", "validation"), ("eval", "evaluation"))}
    check(got == n, (got, n))


@test
def temp_limit_and_slow_factor_are_configurable():
    doc, _ = summary(ANOM, "--temp-limit", "90", "--slow-factor", "3.5")
    kinds = [a["kind"] for a in doc["anomalies"]]
    check("over_temperature" not in kinds and "slow_evaluation" not in kinds, kinds)
    doc, _ = summary(RUN2, "--temp-limit", "73")
    hot = [a for a in doc["anomalies"] if a["kind"] == "over_temperature"]
    check(len(hot) >= 1 and all(a["gpu"] == 0 for a in hot), hot[:3])


@test
def summary_validates_against_schema():
    for doc in (S2, SA):
        jsonschema.validate(doc, SCHEMA)
    bad = json.loads(json.dumps(S2))
    del bad["phases"]["idle"]
    try:
        jsonschema.validate(bad, SCHEMA)
        check(False, "the schema accepts a summary without phases.idle")
    except jsonschema.ValidationError:
        pass
    check(S2["schema_version"] == 1, "version")
    check(S2["inputs"]["csv"]["rows_read"] == 4800 and S2["inputs"]["csv"]["rows_skipped"] == 4, "inputs")
    check(S2["inputs"]["csv"]["bytes"] == os.path.getsize(os.path.join(RUN2, "gpu_metrics.csv")), "size")
    check(S2["inputs"]["log"]["lines"] == 182, "log lines (wc -l testdata/run2/training.log)")
    exp = oracle.compute(RUN2)
    for g in S2["gpus"]:
        w = exp["gpus"][g["index"]]
        near(g["energy_wh"], w["energy_wh"], 1e-5, "gpu energy")
        near(g["power_w"]["mean"], w["power_mean"], 1e-3, "power mean")
        near(g["temp_c"]["max"], w["temp_max"], 0, "temp max")
    near(S2["energy_wh_total"], sum(w["energy_wh"] for w in exp["gpus"].values()), 1e-5, "total")
    check([e["type"] for e in S2["events"]] == [e["type"] for e in exp["events"]], "events")
    check(S2["validation"]["last"]["bpb"] == 0.889 and S2["validation"]["min"]["bpb"] == 0.889, S2["validation"])
    rc, so, se = run(os.path.join(RUN2, "gpu_metrics.csv"), "-o", os.path.join(TMP, "x.html"), "--summary-json", "-", "-q")
    doc = json.loads(so)
    jsonschema.validate(doc, SCHEMA)
    check(doc["inputs"]["log"] is None and doc["validation"]["last"] is None, "no log")


def checks(run_dir, *exprs, quiet=False):
    args = [os.path.join(run_dir, "gpu_metrics.csv"), "--training-log", os.path.join(run_dir, "training.log"),
            "-o", os.path.join(TMP, "c.html")]
    for e in exprs:
        args += ["--check", e]
    if quiet:
        args.append("-q")
    return run(*args)


@test
def check_operators_and_functions():
    # run2 facts (oracle / by hand): max temp 74, min temp 42, 2 GPUs, 0 anomalies, last bpb 0.889
    cases = [("max(temp_c) < 85", True, "74 < 85"), ("max(temp_c) < 74", False, "74 < 74"),
             ("max(temp_c) <= 74", True, "74 <= 74"), ("min(temp_c) > 42", False, "42 > 42"),
             ("min(temp_c) >= 42", True, "42 >= 42"), ("count(gpus) == 2", True, "2 == 2"),
             ("anomalies.count != 0", False, "0 != 0"), ("anomalies.count == 0", True, "0 == 0"),
             ("validation.last.bpb <= 0.80", False, "0.889 <= 0.8"), ("validation.last.bpb <= 0.889", True, None),
             ("events.validation.count == 3", True, "3 == 3"), ("events.checkpoint.count == 1", True, None),
             ("gpu1.temp_c.max == 68", True, "68 == 68"), ("gpus.1.index == 1", True, None),
             ("phase.evaluation.energy_share < 0.15", True, None), ("phases.idle.time_share > 0.5", True, None),
             ("sum(energy_wh) > 213.33", True, "213.33428 > 213.33"), ("sum(energy_wh) > 213.34", False, None), ("mean(power_w) > 300", True, None),
             ("inputs.csv.rows_skipped == 4", True, "4 == 4"), ("0.5 < 1", True, "0.5 < 1"),
             ("anomalies.over_temperature.count == 0", True, None), ("max(events.duration_s) == 41", True, "41 == 41")]
    for expr, ok, detail in cases:
        rc, so, se = checks(RUN2, expr)
        line = [l for l in se.splitlines() if l.startswith("gpuviz: check ")]
        check(len(line) == 1, "%s: %r" % (expr, se[-300:]))
        check(line[0].startswith("gpuviz: check %s: %s" % ("PASS" if ok else "FAIL", expr)), line[0])
        if detail:
            check(line[0].endswith("(%s)" % detail), "%s: %s" % (expr, line[0]))
        check(rc == (0 if ok else 1), "%s: exit %d" % (expr, rc))


@test
def checks_together_quiet_and_null():
    rc, so, se = checks(RUN2, "max(temp_c) < 85", "validation.last.bpb <= 0.80", quiet=True)
    check(rc == 1, "one failing check fails the run")
    check(se.strip().splitlines() == ["gpuviz: check FAIL: validation.last.bpb <= 0.80  (0.889 <= 0.8)",
                                      "gpuviz: verdict: FAIL, 1 of 2 checks failed (exit status 1)"], se)
    check(os.path.exists(os.path.join(TMP, "c.html")), "outputs are written before checks decide")
    rc, so, se = run(os.path.join(RUN2, "gpu_metrics.csv"), "-o", os.path.join(TMP, "n.html"),
                     "--check", "validation.last.bpb < 1", "-q")
    check(rc == 1 and "(no value < 1)" in se, "no validation: the check fails: %s" % se)
    rc, so, se = checks(ANOM, "anomalies.count == 0", "anomalies.slow_evaluation.count == 1",
                        "max(anomalies.value) > 100", "anomalies.critical.count == 0")
    check(rc == 1 and "FAIL: anomalies.count == 0  (9 == 0)" in se and "PASS: anomalies.slow_evaluation.count == 1" in se
          and "FAIL: anomalies.critical.count == 0  (3 == 0)" in se, se)


@test
def check_results_for_ci():
    # the results in the summary's `checks`, as JUnit XML and in a Markdown summary; the GPU file's
    # name (shown in both) holds characters XML and Markdown would read
    import shutil
    import xml.etree.ElementTree as ET
    csv = os.path.join(TMP, "run<2>&_*x*.csv")
    shutil.copy(os.path.join(RUN2, "gpu_metrics.csv"), csv)
    j, m, s = (os.path.join(TMP, n) for n in ("c.xml", "c.md", "c.json"))
    rc, so, se = run(csv, "--training-log", os.path.join(RUN2, "training.log"), "-o", os.path.join(TMP, "c.html"),
                     "--junit", j, "--summary-md", m, "--summary-json", s,
                     "--check", "max(temp_c) < 85", "--check", "validation.last.bpb <= 0.80")
    check(rc == 1 and se.strip().splitlines()[-1] == "gpuviz: verdict: FAIL, 1 of 2 checks failed (exit status 1)", se[-300:])
    doc = json.load(open(s))
    jsonschema.validate(doc, SCHEMA)
    check(doc["checks"] == [{"expr": "max(temp_c) < 85", "pass": True, "detail": "74 < 85"},
                            {"expr": "validation.last.bpb <= 0.80", "pass": False, "detail": "0.889 <= 0.8"}], doc["checks"])
    root = ET.parse(j).getroot()
    suite = root.find("testsuite")
    check(root.tag == "testsuites" and suite.get("tests") == "2" and suite.get("failures") == "1", ET.tostring(root)[:300])
    check(suite.get("name") == "gpuviz checks: " + csv, suite.get("name"))
    cases = suite.findall("testcase")
    check([c.get("name") for c in cases] == ["max(temp_c) < 85", "validation.last.bpb <= 0.80"], [c.get("name") for c in cases])
    check(cases[0].find("failure") is None and cases[1].find("failure").get("message") == "0.889 <= 0.8", ET.tostring(cases[1]))
    md = open(m, encoding="utf-8").read()
    check(md.startswith("## gpuviz: " + os.path.dirname(csv).replace("_", "\\_") + "/run\\<2\\>&\\_\\*x\\*.csv\n"), md[:200])
    check("**Verdict:** \u274c 1 of 2 checks failed; 0 anomalies" in md, md[:300])
    check("- \u2705 `max(temp_c) < 85`: `74 < 85`" in md and "- \u274c `validation.last.bpb <= 0.80`: `0.889 <= 0.8`" in md, md)
    # phases table: the summary's own figures
    ph = doc["phases"]["training"]
    check("| training | 0 h %02d min %02d s | %.1f%% |" % (round(ph["seconds"]) // 60, round(ph["seconds"]) % 60, 100 * ph["share_time"]) in md, md)
    # without checks: an empty list, the Markdown says so; JUnit has no test case
    rc, so, se = run(os.path.join(RUN2, "gpu_metrics.csv"), "-o", os.path.join(TMP, "c.html"), "--junit", j,
                     "--summary-md", m, "--summary-json", s, "-q")
    check(rc == 0 and json.load(open(s))["checks"] == [] and "**Verdict:** no checks given" in open(m, encoding="utf-8").read(), se)
    check(ET.parse(j).getroot().find("testsuite").get("tests") == "0", open(j).read())


@test
def idle_during_the_run_and_after_it():
    # 1 Hz, one GPU: 100 s at 300 W, a 20-sample stall at 50 W, 100 s at 300 W, a 60-sample tail
    # at 50 W. Idle is an interval whose both ends are below the threshold: 19 s in the stall, 59 s
    # in the tail (after the last active sample)
    t0 = dt.datetime(2025, 12, 22, 10, 0, 0)
    watts = [300] * 100 + [50] * 20 + [300] * 100 + [50] * 60
    csv = os.path.join(TMP, "stall.csv")
    open(csv, "w").write("timestamp,gpu0_power_w\n" + "".join(
        "%s,%d\n" % ((t0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S.000"), w) for k, w in enumerate(watts)))
    out = os.path.join(TMP, "stall.json")
    rc, so, se = run(csv, "-o", os.path.join(TMP, "stall.html"), "--summary-json", out)
    check(rc == 0, se)
    doc = json.load(open(out))
    jsonschema.validate(doc, SCHEMA)
    check(doc["idle"]["during_run_s"] == 19 and doc["idle"]["after_run_s"] == 59, doc["idle"])
    near(doc["idle"]["during_run_share"], 19 / 279, 1e-6, "share")
    check("(during the run 6.8%, after it 21.1%)" in se, se)


@test
def check_errors():
    csv = os.path.join(RUN2, "gpu_metrics.csv")
    o = ["-o", os.path.join(TMP, "e.html")]
    for expr, msg in [("max(temp_c) 85", "expected one of < <= > >= == != at column 13"),
                      ("max(tmp_c) < 85", "unknown name 'tmp_c' at column 5"),
                      ("median(temp_c) < 85", "unknown function 'median' at column 1"),
                      ("max(temp_c < 85", "expected ')' at column 11"),
                      ("temp_c < 85", "use it inside max()"),
                      ("max(temp_c) < 85 extra", "unexpected 'extra' at column 18"),
                      ("< 85", "expected a number or a name at column 1"),
                      ("1e999 < 2", "expected a number at column 1"),
                      ("bogus.x == 1", "unknown name 'bogus' at column 1")]:
        expect_error([csv, *o, "--check", expr], 2, msg)
    # names that exist only as a top-level key are checked against the summary after the run
    expect_error([csv, *o, "--check", "phases.warmup.seconds < 1"], 2, "unknown name 'warmup'")
    expect_error([csv, *o, "--check", "gpu7.energy_wh < 1"], 2, "there is no gpu7")
    expect_error([csv, *o, "--check", "gpus.energy_wh < 1"], 2, "has 2 values; use max()")
    expect_error([csv, *o, "--check", "time_range.start == 1"], 2, "'time_range.start' is not a number")


@test
def time_and_step_ranges():
    doc, se = summary(RUN2, "--time-range", "2025-12-22 21:10:00,2025-12-22 21:15:00")
    near(sum(p["seconds"] for p in doc["phases"].values()), 300, 0.5, "analysed 5 minutes")
    check(doc["time_range"]["analysis_start"] == "2025-12-22T21:10:00.000", doc["time_range"])
    # rows 21:10:00.162 .. 21:14:59.912 at 4 Hz: 1200 rows in, 3600 out (python: 4800 - 1200)
    check(doc["inputs"]["csv"]["rows_outside_range"] == 3600, doc["inputs"]["csv"])
    # the step-500 validation has no time of its own: placed between step 499 (21:10:00) and the
    # start of step 500 (21:10:20 - 2.94 s), it ends at 21:10:17.060, inside the range
    check([e["step"] for e in doc["events"]] == [500, 750, 750, 767], [e["step"] for e in doc["events"]])
    check(doc["events"][0]["timestamp"] == "2025-12-22T21:10:17.059", doc["events"][0])
    check(doc["events"][0]["time_basis"] == "bracketed", doc["events"][0])
    doc2, _ = summary(RUN2, "--time-range", "0.0666667,0.1500000")  # the same in hours since 21:06:00.162
    near(sum(p["seconds"] for p in doc2["phases"].values()), 300, 0.5, "hours")
    doc3, _ = summary(RUN2, "--step-range", "250,500")
    # step 250 line at 21:08:21 less its dt 2.94012 s (ISO times truncate to ms) .. step 500 at 21:10:20
    check(doc3["time_range"]["analysis_start"] == "2025-12-22T21:08:18.059", doc3["time_range"])
    check(doc3["time_range"]["analysis_end"] == "2025-12-22T21:10:20.000", doc3["time_range"])
    check(doc3["training"]["steps"] == 34 + 1, doc3["training"]["steps"])
    csv = os.path.join(RUN2, "gpu_metrics.csv")
    log = os.path.join(RUN2, "training.log")
    expect_error([csv, "--time-range", "x,y"], 2, "--time-range takes START,END")
    expect_error([csv, "--time-range", "2,1"], 2, "the end is before the start")
    expect_error([csv, "--training-log", log, "--step-range", "5"], 2, "--step-range takes A,B")
    expect_error([csv, "--step-range", "1,5"], 2, "--step-range needs --training-log")
    expect_error([csv, "--training-log", log, "--step-range", "5000,6000"], 2, "no training step line in that range")
    expect_error([csv, "--training-log", log, "--step-range", "1,5", "--time-range", "0,1"], 2, "contradict")
    expect_error([csv, "--time-range", "5,6"], 2, "no sample inside the analysed range")


@test
def buffered_log_bursts_are_retimed():
    # a log piped with stdout block-buffered: step k truly printed at 21:08:00 + k s (dt 1000 ms),
    # but stamped in bursts of 30 lines with the flush time (the burst's last line's own time);
    # a validation printed just before step 45 truly ended at 21:08:44 (step 45 began then)
    import datetime as dt
    t0 = dt.datetime(2025, 12, 22, 21, 8, 0)
    lines = []
    for k in range(1, 91):
        flush = t0 + dt.timedelta(seconds=((k - 1) // 30 + 1) * 30)
        if k == 45:
            lines.append(flush.strftime("%Y-%m-%d %H:%M:%S") + " Step 00045 | Validation bpb: 0.9100")
        lines.append(flush.strftime("%Y-%m-%d %H:%M:%S") +
                     " step %05d/00090 (%.2f%%) | loss: 2.0 | lrm: 1.00 | dt: 1000.00ms | tok/sec: 100,000" % (k, k / 0.9))
    log = os.path.join(TMP, "buffered.log")
    open(log, "w").write("\n".join(lines) + "\n")
    out = os.path.join(TMP, "b.json")
    rc, so, se = run(os.path.join(RUN2, "gpu_metrics.csv"), "--training-log", log, "-o", os.path.join(TMP, "b.html"),
                     "--summary-json", out)
    check(rc == 0, se)
    doc = json.load(open(out))
    # 3 bursts of 30 steps: 29 of each move (the last is at the flush time), by up to 29 s
    check(doc["log_retiming"] == {"bursts": 3, "steps": 87, "events": 1, "max_shift_s": 29}, doc["log_retiming"])
    check("3 bursts of buffered lines re-timed" in se, se)
    val = [e for e in doc["events"] if e["type"] == "validation"][0]
    check(val["timestamp"] == "2025-12-22T21:08:44.000", val["timestamp"])
    tp = doc["training"]["phases"][0]
    check(tp["start"] == "2025-12-22T21:08:00.000" and tp["end"] == "2025-12-22T21:09:30.000", tp)
    jsonschema.validate(doc, SCHEMA)


def large_log():
    """A 40 MB training log over run2's 20 minutes (250,000 step lines 4.8 ms apart, a restart
    half way, validations, evaluation sessions, checkpoint saves, coloured lines): large enough
    (>= 32 MB) that its step records are committed ahead by the parser's helper thread."""
    p = os.path.join(TMP, "large.log")
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0)
    out = []
    for k in range(250000):
        t = (t0 + dt.timedelta(microseconds=4800 * k)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        step = k if k < 125000 else k - 125000
        out.append("%s step %05d/125000 (%.2f%%) | loss: %.6f | grad norm: 0.3870 | lrm: 1.00 | dt: 4.80ms | "
                   "tok/sec: 178,321 | mfu: %.2f | total time: %.2fm\n" % (t, step, step / 1250, 3.2 - k * 1e-5, 50 + k % 7, k * 8e-5))
        if k % 25000 == 12499:
            out.append("%s \x1b[1mStep %05d | Validation bpb: %.4f\x1b[0m\n" % (t, step, 1.2 - k * 1e-6))
        if k % 50000 == 24999:
            out.append("%s Evaluating: hellaswag (0-shot, type: multiple_choice)... accuracy: 0.5040 | centered: 0.3387 | time: 0.01s\n" % t)
            out.append("%s Step %05d | CORE metric: 0.1300\n" % (t, step))
            out.append("%s %s - nanochat.checkpoint_manager - INFO - Saved model parameters to: "
                       "/h/.cache/nanochat/base_checkpoints/d24/model_%06d.pt\n" % (t, t.replace(".", ","), step))
    with open(p, "w") as f:
        f.write("".join(out))
    check(os.path.getsize(p) >= 32 << 20, "large.log is %d bytes" % os.path.getsize(p))
    return p


@test
def one_thread_and_two_give_identical_results():
    # every test input: the summary, the events and the page must not depend on --threads
    inputs = [(os.path.join(RUN2, "gpu_metrics.csv"), os.path.join(RUN2, "training.log")),
              (os.path.join(ANOM, "gpu_metrics.csv"), os.path.join(ANOM, "training.log")),
              (os.path.join(RUN2, "gpu_metrics.csv"), None), (os.path.join(RUN2, "gpu_metrics.csv"), large_log())]
    for csv, log in inputs:
        outs = []
        for threads in ("1", "2"):
            args = [csv, "-o", os.path.join(TMP, "t%s.html" % threads),
                    "--summary-json", os.path.join(TMP, "t%s.json" % threads),
                    "--export-events", os.path.join(TMP, "t%s.csv" % threads), "--threads", threads]
            if log:
                args += ["--training-log", log]
            rc, so, se = run(*args)
            check(rc == 0, se)
            outs.append((se, [open(os.path.join(TMP, "t%s.%s" % (threads, ext)), "rb").read() for ext in ("json", "csv", "html")]))
        check(outs[0][1] == outs[1][1], "outputs differ between --threads 1 and 2 for %s, %s" % (csv, log))
        check(outs[0][0].replace("t1.", "t2.") == outs[1][0], "console output differs for %s, %s" % (csv, log))
    # the large log: its steps (two phases) and events are all there
    doc = json.load(open(os.path.join(TMP, "t2.json")))
    # (step k at 21:06:00 + 4.8 ms k; a phase starts one dt before its first step line)
    ph = [(p["first_step"], p["last_step"], p["steps"], p["start"], p["end"]) for p in doc["training"]["phases"]]
    check(doc["training"]["steps"] == 250000, doc["training"]["steps"])
    check(ph == [(0, 124999, 125000, "2025-12-22T21:05:59.995", "2025-12-22T21:15:59.995"),
                 (0, 124999, 125000, "2025-12-22T21:15:59.995", "2025-12-22T21:25:59.995")], ph)
    import statistics  # an even number of steps: the median is the mean of the middle two
    loss = [float("%.6f" % (3.2 - k * 1e-5)) for k in range(250000)]
    mfu = [50.0 + k % 7 for k in range(250000)]
    near(doc["steps"]["loss"]["median"], statistics.median(loss), 1e-6, "large log: loss median")  # (1.950005)
    check(doc["steps"]["mfu"] == {"median": statistics.median(mfu), "min": 50, "max": 56}, doc["steps"]["mfu"])
    counts = {}
    for e in doc["events"]:
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    check(counts == {"validation": 10, "evaluation": 5, "checkpoint": 5}, counts)


def quoted_dirty_csv():
    """A CSV whose line ends are not all row ends: quoted notes spanning lines, a quote doubled,
    a restart, rows out of order, a short row, CRLF; for cutting into chunks anywhere."""
    p = os.path.join(TMP, "quoted.csv")
    rows = ["timestamp,gpu0_power_w,gpu0_temp_c,note"]
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0)
    for k in range(400):
        t = (t0 + dt.timedelta(milliseconds=250 * k)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        note = '"two\nlines, ""quoted"""' if k % 37 == 0 else ("7" if k % 5 else "")
        rows.append("%s,%.2f,%d,%s" % (t, 300 + k % 50, 60 + k % 7, note))
        if k == 150:
            rows.append(rows[0])
        if k == 200:
            rows.append("2025-12-22 21:06:10.000,100,50,x")
        if k == 250:
            rows.append("2025-12-22 21:07:00.000,100")
    with open(p, "w", newline="") as f:
        f.write("\r\n".join(rows[:200]) + "\r\n" + "\n".join(rows[200:]) + "\n")
    return p


def long_disordered_csv():
    """200 s of 16 GPUs (32 series) at 10 Hz whose times jitter back (every 7th row up to 3 s,
    once to before the first row): with --max-size 2 the display pyramid (4096 buckets of 10 ms
    at first) coarsens in and across the blocks of rows the parallel path hands over, while rows
    arrive out of time order (a block placed at once would differ: this input caught that)."""
    p = os.path.join(TMP, "long_disordered.csv")
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0)
    rnd = random.Random(5)
    ms = 0
    with open(p, "w") as f:
        f.write("timestamp," + ",".join("gpu%d_power_w,gpu%d_temp_c" % (g, g) for g in range(16)) + "\n")
        for k in range(2000):
            ms += -rnd.randint(0, 3000) if k % 7 == 3 else 100
            t = (t0 + dt.timedelta(milliseconds=ms - (700000 if k == 1666 else 0))).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
            f.write(t + "," + ",".join("%.2f,%d" % (rnd.uniform(100, 700), rnd.randint(40, 90)) for g in range(16)) + "\n")
    return p


def short_and_long_rows_csv():
    """Rows of 26 bytes (with chunks of 4096 bytes, more to a chunk than its share of the slots'
    region holds) and one row with a 100 KB note (more bytes than a slot's share): both move to
    buffers of their own."""
    p = os.path.join(TMP, "short_long.csv")
    t0 = dt.datetime(2025, 12, 22, 21, 6, 0)
    with open(p, "w") as f:
        f.write("timestamp,gpu0_power_w,note\n")
        for k in range(3000):
            t = (t0 + dt.timedelta(milliseconds=10 * k)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
            f.write("%s,%d,%s\n" % (t, k % 700, "x" * 100000 if k == 1007 else ""))
    return p


@test
def chunked_parsing_matches_one_reader():
    # the parallel path cuts a wide CSV into chunks at line ends outside quotes: whatever the
    # chunk size and number of workers, the results, warnings and errors are those of one reader
    hostile = os.path.join(SRC, "tests", "hostile")
    inputs = [[os.path.join(RUN2, "gpu_metrics.csv"), "--training-log", os.path.join(RUN2, "training.log")],
              [os.path.join(ANOM, "gpu_metrics.csv"), "--training-log", os.path.join(ANOM, "training.log")],
              [os.path.join(SRC, "testdata", "nvidia-smi", "gpu_metrics.csv")], [quoted_dirty_csv()],
              [long_disordered_csv(), "--max-size", "2"], [short_and_long_rows_csv()]]
    inputs += [[os.path.join(hostile, c["args"][0])] + c["args"][1:] for c in json.load(open(os.path.join(hostile, "cases.json")))
               if c["args"][0].endswith(".csv")]
    variants = [("1", None), ("2", None), ("2", "1"), ("3", "57"), ("2", "4096")]
    for args in inputs:
        outs = []
        for threads, chunk in variants:
            rc, so, se = run(*args, "-o", os.path.join(TMP, "c.html"), "--summary-json", os.path.join(TMP, "c.json"),
                             "--export-events", os.path.join(TMP, "c.csv"), "--threads", threads,
                             env={"GPUVIZ_CHUNK_BYTES": chunk} if chunk else None)
            files = [open(os.path.join(TMP, "c." + x), "rb").read() if rc == 0 else b"" for x in ("json", "csv", "html")]
            outs.append((rc, se, files))
        for (threads, chunk), o in zip(variants[1:], outs[1:]):
            what = "%s with --threads %s, chunks of %s bytes" % (os.path.basename(args[0]), threads, chunk or "default")
            check(o[0] == outs[0][0], "%s: exit %d, want %d" % (what, o[0], outs[0][0]))
            check(o[1] == outs[0][1], "%s: console differs:\n%s\n---\n%s" % (what, o[1][-600:], outs[0][1][-600:]))
            check(o[2] == outs[0][2], "%s: outputs differ" % what)


@test
def gpu_drawing_less_than_its_peers():
    # 4 GPUs at 400 W training for 5 min (steps of 1 s in the log); from 120 s to 180 s GPU 3
    # draws 240 W (60% of its peers): below the default 0.75, not below 0.5 (the old rule)
    d = os.path.join(TMP, "imb")
    os.makedirs(d, exist_ok=True)
    t0 = dt.datetime(2025, 12, 22, 21, 0, 0)
    rows = ["timestamp," + ",".join("gpu%d_power_w,gpu%d_temp_c" % (g, g) for g in range(4))]
    for k in range(3000):
        t = t0 + dt.timedelta(milliseconds=100 * k)
        low = 1200 <= k < 1800
        rows.append(t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "," +
                    ",".join("%.2f,60" % (240.0 if (g == 3 and low) else 400.0) for g in range(4)))
    open(os.path.join(d, "gpu_metrics.csv"), "w").write("\n".join(rows) + "\n")
    log = [(t0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S") +
           " step %05d/00300 (0.00%%) | loss: 2.0 | dt: 1000.00ms | tok/sec: 100,000" % k for k in range(1, 300)]
    open(os.path.join(d, "training.log"), "w").write("\n".join(log) + "\n")
    doc, _ = summary(d)
    imb = [a for a in doc["anomalies"] if a["kind"] == "gpu_imbalance"]
    check(len(imb) == 1 and imb[0]["gpu"] == 3, imb)
    near(imb[0]["value"], 0.6, 1e-9, "ratio")
    check(doc["settings"]["imbalance_ratio"] == 0.75, doc["settings"])
    doc, _ = summary(d, "--imbalance-ratio", "0.5")
    check(doc["anomaly_counts"]["gpu_imbalance"] == 0, doc["anomaly_counts"])
    expect_error([os.path.join(d, "gpu_metrics.csv"), "--imbalance-ratio", "1.5"], 2, "--imbalance-ratio takes a number between 0 and 1")


finish("analysis")
