#!/usr/bin/env python3
"""End-to-end tests of log rules files (--rules, --print-rules; docs/rules.md): the built-in rules
round-trip, a made-up trainer's log read by testdata/custom-rules/rules.json (every kind of rule)
checked against an independent Python reading written from docs/rules.md, and every rules-file
error. Usage: rules_test.py PATH/TO/gpuviz SOURCE_DIR"""
import copy
import datetime as dt
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, expect_error, finish, near, run, setup, test  # noqa: E402

GPUVIZ, SRC, TMP = setup(sys.argv)
RUN2 = os.path.join(SRC, "testdata", "run2")
CUSTOM = os.path.join(SRC, "testdata", "custom-rules")
CSV = os.path.join(RUN2, "gpu_metrics.csv")
RULES = os.path.join(CUSTOM, "rules.json")
LOG = os.path.join(CUSTOM, "training.log")


def iso(t):
    return t.isoformat(timespec="milliseconds")


def custom_oracle():
    """The events of testdata/custom-rules/training.log under its rules file, by the rules'
    meaning: times from "[MM/DD/YYYY HH:MM:SS.f]", validation windows from the previous line,
    evaluation sessions opened/closed (a step line ends one incomplete), shard lines merged per
    directory within 5 s, stalls spanning their duration."""
    events, prev, cur, sess, merge = [], None, None, None, None
    steps = []
    for n, line in enumerate(open(LOG).read().split("\n")[:-1], 1):
        m = re.match(r"\[(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d(?:\.\d+)?)\]", line)
        if m:
            mo, d, y, h, mi, s = m.groups()
            cur = dt.datetime(int(y), int(mo), int(d), int(h), int(mi)) + dt.timedelta(seconds=float(s))
        t = cur
        if re.search(r"\bval: iter", line):
            m = re.search(r"iter (\d+) ppl=([\d.]+) loss=([\d.]+)", line)
            merge = None
            events.append(dict(type="validation", t=t, start=prev, end=t, step=int(m.group(1)),
                               metrics={"loss": float(m.group(3)), "ppl": float(m.group(2))},
                               label="ppl %.1f" % float(m.group(2)), line=n, first_line=n))
        elif "starting evaluation" in line:
            merge = None
            sess = dict(type="evaluation", t=t, start=t, end=t, first_line=n, tasks=[], line=n)
        elif "task=" in line:
            m = re.search(r"task=(\w+) acc=([\d.]+) took ([\d.]+)s", line)
            sess["tasks"].append((m.group(1), t, float(m.group(3))))
            sess["end"], sess["line"] = t, n
        elif "eval: done" in line:
            m = re.search(r"score=([\d.]+) at iter (\d+)", line)
            first = sess["tasks"][0]
            start = first[1] - dt.timedelta(seconds=first[2])
            events.append(dict(type="evaluation", t=start, start=start, end=t, step=int(m.group(2)),
                               metrics={"score": float(m.group(1)), "tasks": len(sess["tasks"])},
                               label="Eval @" + m.group(2), line=n, first_line=sess["first_line"]))
            sess = None
        elif "ckpt:" in line:
            d = re.search(r"to (\S+/iter_(\d+))", line)
            if merge and merge["dir"] == d.group(1) and (t - merge["end"]).total_seconds() <= 5:
                merge["end"] = t
                merge["metrics"]["files"] += 1
            else:
                merge = dict(type="checkpoint", t=t, start=t, end=t, step=int(d.group(2)), dir=d.group(1),
                             metrics={"files": 1}, label="save %d" % int(d.group(2)), line=n, first_line=n)
                events.append(merge)
        elif "stalled" in line:
            m = re.search(r"rank (\d+) stalled for ([\d.]+)s", line)
            merge = None
            events.append(dict(type="stall", t=t, start=t - dt.timedelta(seconds=float(m.group(2))), end=t,
                               step=None, metrics={"seconds": float(m.group(2)), "rank": int(m.group(1))},
                               label="stall r%s %ss" % (m.group(1), m.group(2)), line=n, first_line=n))
        elif "train: iter" in line:
            m = re.search(r"iter (\d+)/(\d+) loss=([\d.]+) step_time=(\d+)ms tokens/s=(\d+)", line)
            steps.append(dict(step=int(m.group(1)), loss=float(m.group(3)), dt_ms=int(m.group(4)), tok=int(m.group(5))))
            merge = None
            if sess:  # a step line ends an open session, incomplete, at its last item
                last = sess["tasks"][-1] if sess["tasks"] else None
                first = sess["tasks"][0] if sess["tasks"] else None
                start = first[1] - dt.timedelta(seconds=first[2]) if first else sess["t"]
                events.append(dict(type="evaluation", t=start, start=start, end=last[1] if last else sess["t"],
                                   step=steps[-2]["step"], metrics={"tasks": len(sess["tasks"])},
                                   label="Eval @%d" % steps[-2]["step"], line=sess["line"], first_line=sess["first_line"]))
                sess = None
        prev = t
    return sorted(events, key=lambda e: (e["t"], e["line"])), steps


def run_custom(*extra):
    out, summ = os.path.join(TMP, "c.json"), os.path.join(TMP, "cs.json")
    rc, so, se = run(CSV, "--training-log", LOG, "--rules", RULES, "-o", os.path.join(TMP, "c.html"),
                     "--export-events", out, "--summary-json", summ, *extra)
    check(rc == 0, se)
    return json.load(open(out)), json.load(open(summ)), se


@test
def print_rules_is_the_embedded_file_and_round_trips():
    rc, so, se = run("--print-rules")
    check(rc == 0 and so == open(os.path.join(SRC, "src", "ingest", "rules", "nanochat.json")).read(), se)
    printed = os.path.join(TMP, "printed.json")
    open(printed, "w").write(so)
    outs = []
    for extra in ([], ["--rules", printed]):
        p, e, s = (os.path.join(TMP, "rt%d.%s" % (len(extra), x)) for x in ("html", "json", "sum.json"))
        rc, _, se = run(CSV, "--training-log", os.path.join(RUN2, "training.log"), "-o", p,
                        "--export-events", e, "--summary-json", s, "-q", *extra)
        check(rc == 0, se)
        doc = json.load(open(s))
        outs.append((open(e).read(), doc["events"], doc["phases"], doc["event_types"]))
    check(outs[0] == outs[1], "the printed rules read the log exactly as the built-in ones")


@test
def custom_rules_read_a_foreign_log():
    events, summ, se = run_custom()
    want, steps = custom_oracle()
    check(len(events) == len(want) == 9, "%d events, want %d" % (len(events), len(want)))
    for got, w in zip(events, want):
        what = "%s at line %d" % (w["type"], w["line"])
        check(got["type"] == w["type"], what)
        check(got["timestamp"] == iso(w["t"]) and got["start"] == iso(w["start"]) and got["end"] == iso(w["end"]),
              "%s: %s %s %s" % (what, got["timestamp"], got["start"], got["end"]))
        check(got["step"] == w["step"], "%s step %r" % (what, got["step"]))
        check(got["metrics"] == w["metrics"], "%s metrics %r != %r" % (what, got["metrics"], w["metrics"]))
        check(got["label"] == w["label"], "%s label %r != %r" % (what, got["label"], w["label"]))
        check(got["line"] == w["line"] and got["first_line"] == w["first_line"], what + " lines")
    check([e["evaluation"]["complete"] for e in events if e["type"] == "evaluation"] == [True, False], "complete")
    check(events[1]["evaluation"]["tasks"][1]["name"] == "hellaswag", "task names")
    types = {t["name"]: t for t in summ["event_types"]}
    check(types["stall"] == {"name": "stall", "color": "#e6550d", "dash": "dashdot", "phase": "none", "count": 2},
          types["stall"])
    check(types["checkpoint"]["color"] == "#8c564b" and types["checkpoint"]["phase"] == "checkpoint", "colour")
    check(summ["anomaly_counts"]["incomplete_checkpoint"] == 0, "no file kinds: nothing to call incomplete")
    # steps by named groups: count, tokens = sum of tok/s x dt
    tr = summ["training"]
    check(tr["steps"] == len(steps) == 6, tr)
    near(tr["tokens"], sum(s["tok"] * s["dt_ms"] / 1000 for s in steps), 1, "tokens")
    # a stall counts as no activity: the phase plan is the one without it
    rules = json.load(open(RULES))
    rules["types"] = [t for t in rules["types"] if t["name"] != "stall"]
    p = os.path.join(TMP, "nostall.json")
    json.dump(rules, open(p, "w"))
    rc, _, se = run(CSV, "--training-log", LOG, "--rules", p, "-o", os.path.join(TMP, "n.html"),
                    "--summary-json", os.path.join(TMP, "ns.json"), "-q")
    check(rc == 0, se)
    check(json.load(open(os.path.join(TMP, "ns.json")))["phases"] == summ["phases"], "phase none changes nothing")
    # the page knows the type, its colour and dash
    page = open(os.path.join(TMP, "c.html")).read()
    data = json.loads(re.search(r'id="gv-data">(.*?)</script>', page, re.S).group(1))
    check({"name": "stall", "color": "#e6550d", "dash": "dashdot"} in data["event_types"], data["event_types"])
    check("<script>alert(1)" not in page, "log text stays data")


@test
def only_takes_the_rules_types():
    events, summ, se = run_custom("--only", "stall,validation")
    check(sorted({e["type"] for e in events}) == ["stall", "validation"] and len(events) == 4, events)
    check("events: 2 validation, 2 evaluation, 3 checkpoint, 2 stall" in run(
        CSV, "--training-log", LOG, "--rules", RULES, "-o", os.path.join(TMP, "x.html"))[2], "console counts")
    expect_error([CSV, "--training-log", LOG, "--rules", RULES, "--only", "stal"], 2,
                 "--only: unknown event type 'stal' (the rules define: validation, evaluation, checkpoint, stall)")
    rc, so, se = run(CSV, "--training-log", LOG, "--rules", RULES, "-o", os.path.join(TMP, "y.html"),
                     "--summary-json", "-", "-q", "--check", "events.stall.count == 2",
                     "--check", "max(events.stall.metrics.seconds) == 30")
    check(rc == 0, se)


def rules_error(mutate, text, raw=None):
    """Writes the custom rules changed by mutate (or raw text) and expects exit 2 with text."""
    p = os.path.join(TMP, "bad.json")
    if raw is None:
        r = copy.deepcopy(json.load(open(RULES)))
        mutate(r)
        raw = json.dumps(r, indent=1)
    open(p, "w").write(raw)
    expect_error([CSV, "--training-log", LOG, "--rules", p, "-o", os.path.join(TMP, "e.html")], 2, text)


def setp(path, value):
    def f(r):
        o = r
        for k in path[:-1]:
            o = o[k]
        if value is None:
            del o[path[-1]]
        else:
            o[path[-1]] = value
    return f


@test
def every_rules_error_names_the_rule_and_the_place():
    base = open(RULES).read()
    rules_error(None, "bad.json:5: invalid JSON at column 3", raw='{\n "gpuviz_rules": 1,\n "types": [\n\n  }\n')
    rules_error(setp(["gpuviz_rules"], 2), "field \"gpuviz_rules\" must be 1")
    rules_error(setp(["typez"], []), "unknown field \"typez\" (known: gpuviz_rules, description, types, steps, timestamps, world_size)")
    rules_error(None, "field \"types\" given twice", raw=base.replace('"types": [', '"types": [], "types": [', 1))
    rules_error(setp(["types", 3, "colour"], "#fff"), 'types[3] ("stall"): unknown field "colour"')
    rules_error(setp(["types", 3, "patterns", 0, "regex"], "rank (?<rank>\\d+ stalled"),
                'types[3] ("stall").patterns[0]: regex error at offset 24: missing closing parenthesis: '
                '"rank (?<rank>\\d+ stalled" <-- here')
    rules_error(setp(["types", 3, "patterns", 0, "regex"], None), 'types[3] ("stall").patterns[0]: field "regex" is required')
    rules_error(setp(["types", 3, "patterns", 0, "regex"], 5), 'types[3] ("stall").patterns[0]: field "regex" must be a string')
    rules_error(setp(["types", 3, "patterns", 0, "flags"], "i"), 'types[3] ("stall").patterns[0]: unknown field "flags"')
    rules_error(setp(["types", 3, "patterns", 0, "literal"], ""), "literal is empty")
    rules_error(setp(["types", 3, "patterns"], []), 'types[3] ("stall"): field "patterns" must be a non-empty array')
    rules_error(setp(["types", 3, "color"], "red"), 'types[3] ("stall"): color "red" is not #rgb or #rrggbb')
    rules_error(setp(["types", 3, "dash"], "dotted"), 'dash "dotted" is not one of: solid, dot, dash')
    rules_error(setp(["types", 3, "phase"], "training"), 'phase "training" is not one of: validation, evaluation, checkpoint, none')
    rules_error(setp(["types", 3, "group"], "cluster"), 'group "cluster" is not one of: none, session, merge')
    rules_error(setp(["types", 3, "window"], "session"), 'window "session" is not one of: line, previous_line')
    rules_error(setp(["types", 3, "name"], "Stall!"), 'types[3]: name "Stall!" must be 1-32 of a-z, 0-9, _')
    rules_error(setp(["types", 3, "name"], "checkpoint"), 'types[3] ("checkpoint"): type "checkpoint" is defined twice')
    rules_error(setp(["types", 3, "label"], "stall {rnk}"),
                'types[3] ("stall"): label: {rnk} at offset 6 names no capture group of this type\'s patterns')
    rules_error(setp(["types", 3, "label"], "stall [r{rank}"), "label: '[' without ']'")
    rules_error(setp(["types", 3, "label"], "stall ]"), "label: unbalanced ']' at offset 6")
    rules_error(setp(["types", 3, "label"], "stall {rank:x}"), 'label: bad format "x" at offset 6 (use d or .Nf)')
    rules_error(setp(["types", 3, "label"], "stall {rank"), "label: '{' without '}' (write {{ for a brace) at offset 6")
    rules_error(setp(["types", 3, "merge_key"], "{rank}"), 'merge_key and merge_within_s need "group": "merge"')
    rules_error(setp(["types", 2, "merge_within_s"], -1), "merge_within_s must be a number >= 0")
    rules_error(setp(["types", 3, "count_metric"], "n"), 'count_metric needs "group": "session" or "merge"')
    rules_error(setp(["types", 2, "window"], "previous_line"), "window applies to ungrouped types only")
    rules_error(setp(["types", 3, "metrics"], ["rank", "speed"]), 'metrics: "speed" is not a capture group')
    rules_error(setp(["types", 3, "patterns", 0, "role"], "close"), 'role "close" needs "group": "session"')
    rules_error(setp(["types", 1, "patterns", 0, "role"], "event"), 'types[1] ("evaluation").patterns[0]: role "event" does not belong')
    rules_error(lambda r: r["types"][1].update(patterns=[r["types"][1]["patterns"][2]]),
                'a session type needs an "item" or "open" pattern')
    # a step group is optional (HuggingFace Trainer lines number no step); a field group is not
    rules_error(setp(["steps", 0, "regex"], "train: iter (?<step>\\d+)"), "steps[0]: a step pattern needs a (?<fields>...) group")
    rules_error(setp(["timestamps", 0, "regex"], "^\\[(?<day>\\d\\d)\\]"), "timestamps[0]: a timestamp pattern needs a (?<time>...), (?<epoch_s>...), (?<epoch_ms>...) or (?<elapsed>...) group")
    rules_error(setp(["steps", 0, "role"], "item"), "steps[0]: role and metric belong to event patterns only")
    rules_error(setp(["world_size"], [{"regex": "world (?<size>\\d+)"}]), "world_size[0]: a world_size pattern needs a (?<ranks>...) group")
    expect_error([CSV, "--training-log", LOG, "--rules", os.path.join(TMP, "missing.json")], 2, "missing.json: cannot open")



# ---------------------------------------------------------------- built-in rules of other trainers
# Small logs in each trainer's layout, written here; expected values from the generator.

T0 = dt.datetime(2025, 12, 22, 21, 6, 0)  # inside run2's samples (21:06:00 .. 21:26:00)


def other(name, text, *extra):
    log = os.path.join(TMP, name)
    open(log, "w").write(text)
    out = os.path.join(TMP, name + ".json")
    rc, so, se = run(CSV, "--training-log", log, "-o", os.path.join(TMP, "o.html"), "--summary-json", out, *extra)
    check(rc == 0, "exit %d: %s" % (rc, se))
    return json.load(open(out)), se


@test
def every_built_in_rule_set_prints_and_loads():
    for name in ("nanochat", "modded-nanogpt", "llm.c", "hf-trainer", "mlperf"):
        rc, so, se = run("--print-rules=" + name)
        check(rc == 0 and json.loads(so)["gpuviz_rules"] == 1 and "built-in rule sets: " in se, (name, se))
        p = os.path.join(TMP, name + ".rules.json")
        open(p, "w").write(so)
        rc, _, se = run(CSV, "--training-log", os.path.join(RUN2, "training.log"), "--rules", p, "-o", os.path.join(TMP, "x.html"))
        check(rc in (0, 2), se)  # loads (a set that reads nothing of run2's log says so: exit 2)
    expect_error(["--print-rules=nope"], 2, "--print-rules=NAME takes a built-in rule set")


@test
def modded_nanogpt_by_content():
    t0 = T0 + dt.timedelta(minutes=1)
    lines = ["import os  # the script prints itself first", "    val_loss_every : int = 125",
             t0.strftime("%a %b %d %H:%M:%S %Y") + "       ", "+-----+", "step:0/20 val_loss:10.8258 train_time:0ms step_avg:nanms"]
    for k in range(1, 21):
        lines.append("step:%d/20 train_loss:%.4f train_time:%dms step_avg:%sms" % (k, 10 - k * 0.1, 500 * k, "nan" if k < 3 else "500.00"))
        if k % 10 == 0:
            lines.append("step:%d/20 val_loss:%.4f train_time:%dms step_avg:500.00ms" % (k, 9 - k * 0.1, 500 * k))
    doc, se = other("modded.txt", "\n".join(lines) + "\n")
    check(doc["inputs"]["log"]["rules"] == "modded-nanogpt" and doc["inputs"]["log"]["rules_chosen_by_content"], doc["inputs"]["log"])
    check(doc["steps"]["count"] == 20 and [e["step"] for e in doc["events"]] == [0, 10, 20], (doc["steps"]["count"], doc["events"]))
    # the date line is the anchor; steps 1, 2 print no step_avg (no time), then 500 ms each
    tp = doc["training"]["phases"][0]
    check(tp["end"] == iso(t0 + dt.timedelta(milliseconds=500 * 18)), tp)
    check(doc["events"][1]["timestamp"] == iso(t0 + dt.timedelta(milliseconds=500 * 8)), doc["events"][1])


@test
def llmc_and_hf_trainer_need_a_start():
    llmc = "".join("s:%d trl:%.4f\n" % (k, 11 - k * 0.01) + ("s:%d tel:%.4f\n" % (k, 10.5 - k * 0.01) if k % 5 == 0 else "")
                   for k in range(20))
    expect_error([CSV, "--training-log", os.path.join(TMP, "w.txt")], 2, "cannot open")  # (sanity)
    open(os.path.join(TMP, "llmc.log"), "w").write(llmc)
    expect_error([CSV, "--training-log", os.path.join(TMP, "llmc.log")], 2, "no line of the log carries a time")
    doc, _ = other("llmc.log", llmc, "--log-start", "2025-12-22 21:07:00")
    check(doc["inputs"]["log"]["rules"] == "llm.c" and doc["steps"]["count"] == 20 and len(doc["events"]) == 4,
          (doc["inputs"]["log"], doc["steps"]["count"], len(doc["events"])))
    hf = "".join("{'loss': %.4f, 'grad_norm': 3.27, 'learning_rate': 9.5e-06, 'epoch': %.2f}\n" % (0.7 - k * 0.01, k / 10)
                 for k in range(12)) + "{'eval_loss': 0.5123, 'eval_runtime': 3.2, 'epoch': 1.0}\n{'train_runtime': 188.4}\n"
    doc, _ = other("hf.log", hf, "--log-start", "2025-12-22 21:07:00")
    check(doc["inputs"]["log"]["rules"] == "hf-trainer" and doc["steps"]["count"] == 12, doc["inputs"]["log"])
    check([e["metrics"] for e in doc["events"]] == [{"loss": 0.5123}], doc["events"])
    # --rules NAME picks a built-in set whatever the content
    doc, _ = other("hf2.log", hf + "Step 00100 | Validation bpb: 0.9\n", "--rules", "hf-trainer", "--log-start", "2025-12-22 21:07:00")
    check(doc["inputs"]["log"]["rules"] == "hf-trainer" and not doc["inputs"]["log"]["rules_chosen_by_content"], doc["inputs"]["log"])


@test
def mlperf_time_ms():
    ms0 = int((T0 + dt.timedelta(minutes=1) - dt.datetime(1970, 1, 1)).total_seconds() * 1000)
    ml = lambda ms, key, value, meta: ':::MLLOG {"namespace": "", "time_ms": %d, "event_type": "POINT_IN_TIME", "key": "%s", "value": %s, "metadata": %s}' % (ms, key, value, meta)  # noqa: E731
    lines = ["[%s,575] [INFO] [real_accelerator.py:161:get_accelerator] Setting ds_accelerator" % T0.strftime("%Y-%m-%d %H:%M:%S"),
             ml(ms0, "run_start", '""', "{}")]
    for k in range(1, 7):
        lines.append("  2%%|▏         | %d/1024 [03:36<2:29:28,  8.97s/it]" % k + ml(ms0 + 60000 * k, "train_loss", "%.4f" % (2 - k * 0.1), '{"samples_count": %d}' % (96 * k)))
        if k % 3 == 0:
            lines.append(ml(ms0 + 60000 * k + 5000, "eval_accuracy", "0.9%d" % k, '{"samples_count": %d}' % (96 * k)))
    lines.append(ml(ms0 + 420000, "run_stop", '""', '{"status": "success"}'))
    doc, _ = other("mlperf.log", "\n".join(lines) + "\n")
    check(doc["inputs"]["log"]["rules"] == "mlperf" and doc["steps"]["count"] == 6, doc["inputs"]["log"])
    val = [e for e in doc["events"] if e["type"] == "validation"]
    t = lambda ms: iso(dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms))  # noqa: E731
    check([(e["timestamp"], e["step"], e["metrics"]["eval_accuracy"]) for e in val] ==
          [(t(ms0 + 185000), 288, 0.93), (t(ms0 + 365000), 576, 0.96)], val)
    check([e["label"] for e in doc["events"] if e["type"] == "run"] == ["run_start", "run_stop"], doc["events"])


@test
def sparse_loss_lines_make_one_training_span():
    # MLPerf prints a train_loss line every few minutes: 10 lines 200 s apart but one 350 s gap
    # (an evaluation between): each covers back to the one before (2 x the 200 s median > 350 s),
    # so training spans the first to the last line: 8 x 200 + 350 = 1950 s
    a = dt.datetime(2026, 5, 6, 14, 30, 0)
    ms0 = int((a + dt.timedelta(seconds=60) - dt.datetime(1970, 1, 1)).total_seconds() * 1000)
    ml = lambda ms, v, n: ':::MLLOG {"namespace": "", "time_ms": %d, "event_type": "POINT_IN_TIME", "key": "train_loss", "value": %s, "metadata": {"samples_count": %d}}' % (ms, v, n)  # noqa: E731
    offs = [200 * k + (150 if k >= 5 else 0) for k in range(10)]
    log = os.path.join(TMP, "sparse.log")
    open(log, "w").write("\n".join(ml(ms0 + 1000 * o, "%.3f" % (2 - k / 10), 96 * (k + 1)) for k, o in enumerate(offs)) + "\n")
    csv = os.path.join(TMP, "sparse.csv")
    open(csv, "w").write("timestamp,gpu0_power_w\n" + "".join("%s,500\n" % (a + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S")
                                                              for k in range(0, 2400, 2)))
    out = os.path.join(TMP, "sparse.json")
    rc, so, se = run(csv, "--training-log", log, "-o", os.path.join(TMP, "s.html"), "--summary-json", out, "--no-idle-cutoff")
    check(rc == 0, se)
    tp = json.load(open(out))["training"]["phases"]
    check(len(tp) == 1 and tp[0]["seconds"] == 1950, tp)


finish("rules")
