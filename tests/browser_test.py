#!/usr/bin/env python3
"""The report page in a real browser (Debian's headless Chromium, driven over the DevTools
protocol by tests/cdp.py): no console errors, no network request, the expected traces, rows and
event marks queried from the live page, a zoom that brings in finer data, a hostile log that
executes nothing, clickable anomalies. Exits 77 (skipped) when Chromium is not installed;
scripts/test.sh installs it. Usage: browser_test.py PATH/TO/gpuviz SOURCE_DIR"""
import datetime as dt
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
from testlib import check, finish, run, setup, test  # noqa: E402
import oracle  # noqa: E402

if not cdp.find_chromium():
    print("browser: Chromium not found; skipped (scripts/test.sh installs it)")
    sys.exit(77)

GPUVIZ, SRC, TMP = setup(sys.argv)
RUN2 = os.path.join(SRC, "testdata", "run2")
ANOM = os.path.join(SRC, "testdata", "anomalies")
READY = "document.body && document.body.getAttribute('data-gv-ready') === '1'"


def page(run_dir, name, *extra, log=True):
    out = os.path.join(TMP, name)
    args = [os.path.join(run_dir, "gpu_metrics.csv"), "-o", out, "-q", *extra]
    if log:
        args += ["--training-log", os.path.join(run_dir, "training.log")]
    rc, so, se = run(*args)
    check(rc == 0, se)
    return out


def load(browser, path):
    browser.open("file://" + path)
    browser.wait_for(READY)
    browser.pump(0.3)


def js(browser, expr):
    return browser.eval("(() => { " + expr + " })()")


B = cdp.Browser()


@test
def page_renders_without_errors_or_network():
    path = page(RUN2, "run2.html")
    load(B, path)
    check(B.errors() == [], B.errors())
    check(B.requests() == ["file://" + path], "requests: %s" % B.requests())
    names = js(B, "return document.getElementById('gv-plot').data.map(t => t.name)")
    for n in ("gpu0_power_instant_w", "gpu0_power_avg_w", "gpu0_temp_c", "gpu1_power_instant_w", "gpu1_temp_c",
              "Validation (3)", "Evaluation (1)", "Checkpoint (1)", "idle cutoff", "loss", "tok/s"):
        check(n in names, "trace %s missing from %s" % (n, names))
    # rows: power, temperature, training metrics (the run has step lines)
    titles = js(B, "const l = document.getElementById('gv-plot').layout; return Object.keys(l).filter(k => /^yaxis\\d*$/.test(k) && l[k].visible !== false && !l[k].overlaying).map(k => l[k].title.text)")
    check(titles == ["Power (W)", "Temperature (\u00b0C)", "loss"], titles)
    # event marks: one marker per event, at the events' times (hours since the first sample)
    marks = js(B, "return document.getElementById('gv-plot').data.filter(t => t.mode === 'markers' && ['Validation','Evaluation','Checkpoint'].includes(t.name)).map(t => [t.name, t.x.length])")
    check(sorted(marks) == [["Checkpoint", 1], ["Evaluation", 1], ["Validation", 3]], marks)
    labels = js(B, "return document.getElementById('gv-plot').layout.annotations.map(a => a.text)")
    check("Val: 0.933" in labels and "Eval S750" in labels and "CP 000767" in labels, labels)
    tables = js(B, "return [...document.querySelectorAll('#gv-stats h2')].map(h => h.textContent)")
    check(tables == ["Phases", "Anomalies (0)", "Events (5)", "Per GPU"], tables)
    check(js(B, "return document.getElementById('gv-phases').data.length") == 6, "phase bars")


@test
def zoom_brings_finer_data():
    # 20 minutes of 2 GPUs at 100 Hz (120,000 rows): the default page cannot hold every sample
    # (8 MB), a 24 MB one can; zooming to one minute must swap in finer levels
    csv = os.path.join(TMP, "fast.csv")
    rnd = random.Random(3)
    t0 = dt.datetime(2025, 12, 22, 21, 0, 0)
    with open(csv, "w") as f:
        f.write("timestamp,elapsed_sec,gpu0_power_instant_w,gpu0_power_avg_w,gpu0_temp_c,gpu1_power_instant_w,gpu1_power_avg_w,gpu1_temp_c\n")
        for i in range(120000):
            t = t0 + dt.timedelta(milliseconds=10 * i)
            f.write("%s.%03d,%.3f,%.2f,650.00,70,%.2f,660.00,65\n" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000,
                    i / 100, 600 + 100 * rnd.random(), 600 + 100 * rnd.random()))
    small = os.path.join(TMP, "fast8.html")
    rc, _, se = run(csv, "-o", small, "-q", "--no-idle-cutoff")
    check(rc == 0 and os.path.getsize(small) <= 8_000_000, "default page %d bytes" % os.path.getsize(small))
    big = os.path.join(TMP, "fast24.html")
    rc, _, se = run(csv, "-o", big, "-q", "--no-idle-cutoff", "--max-size", "24")
    check(rc == 0 and os.path.getsize(big) <= 24_000_000, "24 MB page %d bytes" % os.path.getsize(big))
    for path, every in ((small, False), (big, True)):
        load(B, path)
        check(B.errors() == [], B.errors())
        before = js(B, "return window.gvReport.state().views.map(v => [v.level, v.width_h, v.x.length])")
        check(all(n <= 6004 for _, _, n in before), "at most max-points per trace (+2 buckets of margin): %s" % before)
        note = js(B, "return document.getElementById('gv-note').textContent")
        check(before[0][0] > 0 and "zoom for detail" in note, (before[0], note))  # (a finer level exists)
        check(B.eval("window.gvReport.zoom(0.1, 0.1 + 1/60).then(() => true)"), "zoom")
        B.pump(0.5)
        after = js(B, "return window.gvReport.state().views.map(v => [v.level, v.width_h, v.x.length])")
        check(after[0][0] < before[0][0] and after[0][1] < before[0][1], "finer level: %s -> %s" % (before[0], after[0]))
        xs = js(B, "const t = document.getElementById('gv-plot').data[0], h = t.x.filter(x => x !== null).map(window.gvReport.hours); "
                   "return [t.x.length, Math.min(...h), Math.max(...h)]")
        check(xs[1] >= 0.1 - 0.01 and xs[2] <= 0.1 + 1 / 60 + 0.01, "points cover the view: %s" % xs)
        note = js(B, "return document.getElementById('gv-note').textContent")
        if every:  # 10 ms buckets: one minute = 6,000 samples, each shown
            check(after[0][1] * 3600 <= 0.0100001 and xs[0] >= 6000, "every sample: %s %s" % (after[0], xs))
            check("showing every sample in view" in note, note)
        else:
            check("showing the range (band) and middle (line) of" in note, note)


@test
def hostile_log_executes_nothing():
    log = os.path.join(TMP, "hostile.log")
    evil = "</script><img src=x onerror=\"window.__pwned=1;alert(1)\"><script>window.__pwned=2</script>"
    with open(log, "w") as f:
        f.write("2025-12-22 21:08:00 Evaluating: %s (0-shot, type: x'\"&) ... accuracy: 0.5 | centered: 0.1 | time: 1.00s\n" % evil)
        f.write("2025-12-22 21:08:01 Step 00001 | CORE metric: 0.1\n")
        f.write("2025-12-22 21:08:02 Saved model parameters to: /x/<b>_checkpoints/%s/model_000001.pt\n" % evil.replace(" ", ""))
    out = os.path.join(TMP, "hostile.html")
    rc, _, se = run(os.path.join(RUN2, "gpu_metrics.csv"), "--training-log", log, "-o", out, "-q")
    check(rc == 0, se)
    load(B, out)
    B.pump(0.5)
    check(B.dialogs() == [], "dialogs: %s" % B.dialogs())
    check(B.eval("window.__pwned === undefined"), "injected script ran")
    check(B.eval("document.querySelectorAll('img, script[src], [onerror], [onmouseover]').length") == 0, "injected elements")
    check(B.errors() == [], B.errors())
    check(B.requests() == ["file://" + out], "requests: %s" % B.requests())
    # the hostile text is shown as text, in the event list and the hover
    label = js(B, "return [...document.querySelectorAll('#gv-events td')].map(td => td.textContent).join('|')")
    check("CP 000001" in label and "Eval S1" in label, label)
    hover = js(B, "return document.getElementById('gv-plot').data.filter(t => t.name === 'Checkpoint' && t.mode === 'markers')[0].hovertext[0]")
    check("&lt;b&gt;" in hover and "<img" not in hover, hover)  # the checkpoint kind "<b>", escaped
    tasks = js(B, "return document.getElementById('gv-plot').data.filter(t => t.name === 'Evaluation' && t.mode === 'markers')[0].hovertext[0]")
    check("<img" not in tasks, tasks)


@test
def timeline_layout_and_clickable_anomalies():
    path = page(ANOM, "anom.html", "--layout", "timeline")
    load(B, path)
    check(B.errors() == [], B.errors())
    lanes = js(B, "const l = document.getElementById('gv-plot').layout; return Object.values(l).filter(a => a && a.ticktext).map(a => a.ticktext)")
    check(lanes == [["validation", "evaluation", "checkpoint"]], lanes)
    shaded = js(B, "return document.getElementById('gv-plot').data.filter(t => t.fill === 'toself').map(t => t.name)")
    check("Evaluation window" in shaded and "Checkpoint window" in shaded, shaded)
    n = js(B, "return document.querySelectorAll('#gv-anomalies a').length")
    check(n == 9, "anomaly links: %d" % n)
    # the 3rd anomaly is the GPU imbalance at 10:12:00 (0.2 h), 60 s long
    B.eval("document.querySelectorAll('#gv-anomalies a')[2].click(), true")
    B.pump(0.8)
    r = js(B, "return document.getElementById('gv-plot').layout.xaxis.range.map(window.gvReport.hours)")
    check(r[0] < 0.2 < r[1] and r[1] - r[0] < 0.0501, "zoomed to the anomaly: %s" % r)
    # each on the row it concerns: over-temperature on the temperature row; imbalance, power drop,
    # gap on the power row; throughput drop and bpb regression on the training row; the rest on top
    d = "document.getElementById('gv-plot')"
    rows = js(B, "const gd = %s; const title = ax => { const n = 'yaxis' + (ax === 'y' ? '' : ax.slice(1)); "
                 "const ov = gd.layout[n].overlaying; const base = 'yaxis' + (ov === 'y' ? '' : ov.slice(1)); "
                 "return gd.layout[base].title.text; }; "
                 "return gd.data.filter(t => (t.name || '').startsWith('Anomalies')).map(t => [title(t.yaxis), t.x.length])" % d)
    # (the power row is the top row: its 3 and the 3 others: a slow evaluation session, a time
    # going back, an incomplete checkpoint)
    check(sorted(rows) == sorted([["Power (W)", 3 + 3], ["Temperature (\u00b0C)", 1], ["loss", 2]]), rows)
    # their extent: a bar from the start over the duration (the imbalance's 60 s)
    bars = js(B, "return %s.data.filter(t => t.name === 'anomaly extent').map(t => t.x.map(window.gvReport.hours))" % d)
    flat = [x for b in bars for x in b]
    check(any(abs(b - a - 60 / 3600) < 1e-6 for a, b in zip(flat, flat[1:]) if a is not None and b is not None), bars)


@test
def custom_rules_and_several_nodes():
    # a rules file's own type (colour, dash, lane) and two nodes' GPUs, in one page
    cr, mn = os.path.join(SRC, "testdata", "custom-rules"), os.path.join(SRC, "testdata", "multi-node")
    out = os.path.join(TMP, "custom.html")
    rc, so, se = run(os.path.join(mn, "node-a", "gpu_metrics.csv"), os.path.join(mn, "node-b", "gpu_metrics.csv"),
                     "--time-offset", "node-b=-3.5", "--training-log", os.path.join(cr, "training.log"),
                     "--rules", os.path.join(cr, "rules.json"), "--layout", "timeline", "-o", out, "-q")
    check(rc == 0, se)
    load(B, out)
    check(B.errors() == [], B.errors())
    lines = js(B, "return document.getElementById('gv-plot').data.filter(t => t.name === 'Stall (2)').map(t => [t.line.color, t.line.dash])")
    check(lines and all(l == ["#e6550d", "dashdot"] for l in lines), lines)
    lanes = js(B, "const l = document.getElementById('gv-plot').layout; return Object.values(l).filter(a => a && a.ticktext).map(a => a.ticktext)")
    check(lanes == [["validation", "evaluation", "checkpoint", "stall"]], lanes)
    groups = js(B, "return [...new Set(document.getElementById('gv-plot').data.map(t => t.legendgrouptitle && t.legendgrouptitle.text).filter(x => x && x.includes(':')))]")
    check(groups == ["node-a:gpu0", "node-a:gpu1", "node-b:gpu0", "node-b:gpu1"], groups)
    labels = js(B, "return document.getElementById('gv-plot').layout.annotations.map(a => a.text)")
    check("stall r3 30.0s" in labels and "ppl 15.9" in labels, labels)
    rows = js(B, "return [...document.querySelectorAll('#gv-stats table')].pop().querySelectorAll('tr').length")
    check(rows == 5, "per-GPU table rows: %s" % rows)


@test
def several_runs_in_one_log_and_node_power():
    # a log with two runs (step numbers restart at 0; base, then a second run after 10 minutes),
    # a node-power file with +08:00 times: the page marks where the second run begins, labels the
    # runs, breaks the loss line between them, and names the zone and the nodes
    t0 = dt.datetime(2025, 10, 23, 22, 0, 0)
    rows = ["timestamp,n1_watts,n2_watts"]
    for k in range(0, 1500, 2):
        rows.append("%s+08:00,%d,%d" % ((t0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%dT%H:%M:%S"), 3000, 2500))
    csv = os.path.join(TMP, "nodes.csv")
    open(csv, "w").write("\n".join(rows) + "\n")
    lines = []
    for run_start, steps in ((60, 300), (900, 200)):
        lines.append("%s,000 - nanochat.common - INFO - Distributed world size: 1" % (t0 + dt.timedelta(seconds=run_start)).strftime("%Y-%m-%d %H:%M:%S"))
        for k in range(steps):
            lines.append("step %05d/%05d (%.2f%%) | loss: %.4f | dt: 1000.00ms | tok/sec: 100,000" % (k, steps, 100 * k / steps, 3 - k / 200))
        lines.append("%s,000 - x - INFO - done" % (t0 + dt.timedelta(seconds=run_start + steps + 1)).strftime("%Y-%m-%d %H:%M:%S"))
    log = os.path.join(TMP, "runs.log")
    open(log, "w").write("\n".join(lines) + "\n")
    out = os.path.join(TMP, "runs.html")
    rc, so, se = run(csv, "--training-log", log, "-o", out, "-q", "--no-idle-cutoff")
    check(rc == 0, se)
    load(B, out)
    check(B.errors() == [], B.errors())
    names = js(B, "return document.getElementById('gv-plot').data.map(t => t.name)")
    check("runs (2)" in names and "n1_watts" in names and "n2_watts" in names, names)
    # the second run begins at its first step's start: its 200 steps of 1 s fill the 201 s between
    # its stamps but for 1 s, shared by the start-up and wind-down slots: 900.5 s
    x = js(B, "return document.getElementById('gv-plot').data.find(t => t.name === 'runs (2)').x.map(window.gvReport.hours)")
    check(abs(x[0] - 900.5 / 3600) < 1e-6 and x[1] == x[0], x)
    labels = js(B, "return document.getElementById('gv-plot').layout.annotations.map(a => a.text)")
    check("run 1 (steps 0\u2013299)" in labels and "run 2 (steps 0\u2013199)" in labels, labels)
    loss = js(B, "return document.getElementById('gv-plot').data.find(t => t.name === 'loss').x.map(window.gvReport.hours)")
    i = loss.index(None)
    check(loss.count(None) == 1 and loss[i - 1] < x[0] <= loss[i + 1], (i, loss[i - 1:i + 2]))
    meta = js(B, "return document.body.textContent")
    check("(UTC+08:00)" in meta and "node n1" in meta, meta[:300])


@test
def title_goodput_and_overhead_in_the_header():
    # --title names the run (the tab's title, the heading); the header says the training's share
    # of the time and the evaluation overhead, as the summary's phases give them
    out, js_out = os.path.join(TMP, "titled.html"), os.path.join(TMP, "titled.json")
    rc, so, se = run(os.path.join(RUN2, "gpu_metrics.csv"), "--training-log", os.path.join(RUN2, "training.log"),
                     "--title", "d20 speedrun <run 2>", "-o", out, "--summary-json", js_out, "-q")
    check(rc == 0, se)
    load(B, out)
    check(B.errors() == [], B.errors())
    check(js(B, "return document.title") == "d20 speedrun <run 2> \u00b7 gpuviz", js(B, "return document.title"))
    check(js(B, "return document.getElementById('gv-title').textContent") == "d20 speedrun <run 2>", "heading")
    doc = json.load(open(js_out))
    check(doc["title"] == "d20 speedrun <run 2>", doc["title"])
    meta = js(B, "return document.getElementById('gv-meta').textContent")
    good = "goodput: %.1f%% of the time training" % (100 * doc["phases"]["training"]["share_time"])
    over = "evaluation overhead: %.1f%%" % (100 * doc["evaluation_overhead"]["share_time"])
    check(good in meta and over in meta, (good, over, meta))
    check("run 1 incomplete: stopped at step 766 of 1200" in meta, meta)
    # (run2's log restarts once; its sampler once: testdata/run2/gpu_metrics.csv:3007)
    check("restarts: 1 of the training (2 runs), 1 of the GPU sampler" in meta, meta)


@test
def sixteen_gpus_sixteen_colours():
    t0 = dt.datetime(2025, 10, 23, 22, 0, 0)
    rows = ["timestamp," + ",".join("gpu%d_power_w" % g for g in range(16))]
    for k in range(60):
        rows.append((t0 + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S.000,") + ",".join("%d" % (300 + g) for g in range(16)))
    csv = os.path.join(TMP, "g16.csv")
    open(csv, "w").write("\n".join(rows) + "\n")
    out = os.path.join(TMP, "g16.html")
    rc, so, se = run(csv, "-o", out, "-q")
    check(rc == 0, se)
    load(B, out)
    check(B.errors() == [], B.errors())
    colours = js(B, "return document.getElementById('gv-plot').data.filter(t => /^gpu\\d+_power_w$/.test(t.name)).map(t => t.line.color)")
    check(len(colours) == 16 and len(set(colours)) == 16, colours)


@test
def hovering_an_event_line_anywhere_shows_it():
    path = page(RUN2, "hover.html")
    load(B, path)
    check(B.errors() == [], B.errors())
    # the validation line in the power row: a point every 5% of its height, each with the event
    info = js(B, "const d = document.getElementById('gv-plot').data; const i = d.findIndex(t => t.name === 'Validation (3)'); "
                 "return [i, d[i].hoverinfo, d[i].y.slice(0, 22), d[i].hovertext[10]]")
    i, hoverinfo, ys, text = info
    check(hoverinfo == "text" and ys[:21] == [k / 20 for k in range(21)] and ys[21] is None, (hoverinfo, ys))
    check(text.startswith("<b>Validation \u00b7 step ") and "log line" in text, text)
    # hovering its middle (not the marker at the top) brings the event's label up
    hovered = js(B, "const gd = document.getElementById('gv-plot'); Plotly.Fx.hover(gd, [{curveNumber: %d, pointNumber: 10}]); "
                    "return (gd._hoverdata || []).map(h => h.hovertext || h.text)" % i)
    check(hovered and hovered[0] == text, hovered)


@test
def validations_shaded_and_marked_where_they_begin():
    path = page(RUN2, "val.html", "--summary-json", os.path.join(TMP, "val.json"))
    load(B, path)
    check(B.errors() == [], B.errors())
    doc = json.load(open(os.path.join(TMP, "val.json")))
    t0 = dt.datetime.strptime(doc["time_range"]["start"], "%Y-%m-%dT%H:%M:%S.%f")
    starts = sorted(round((dt.datetime.strptime(e["start"], "%Y-%m-%dT%H:%M:%S.%f") - t0).total_seconds() / 3600, 5)
                    for e in doc["events"] if e["type"] == "validation")
    d = "document.getElementById('gv-plot').data"
    marks = js(B, "return %s.find(t => t.mode === 'markers' && t.name === 'Validation').x.map(window.gvReport.hours)" % d)
    check(sorted(round(x, 5) for x in marks) == starts, (marks, starts))
    shaded = js(B, "return %s.filter(t => t.name === 'Validation window').length" % d)
    check(shaded >= 1, "validation windows shaded in every row: %s" % shaded)
    heights = js(B, "return %s.filter(t => t.mode === 'markers' && ['Validation','Evaluation','Checkpoint'].includes(t.name)).map(t => t.y[0])" % d)
    check(len(set(heights)) == 3, heights)


@test
def one_legend_click_hides_a_type_everywhere():
    path = page(RUN2, "legend.html")
    load(B, path)
    d = "document.getElementById('gv-plot')"
    # click the legend item of the validations (Plotly handles mousedown/mouseup on its toggle)
    js(B, "const items = [...document.querySelectorAll('.legend .traces')]; "
          "const it = items.find(n => n.textContent.startsWith('Validation (3)')); "
          "const tog = it.querySelector('.legendtoggle'); "
          "['mousedown', 'mouseup'].forEach(k => tog.dispatchEvent(new MouseEvent(k, {bubbles: true, clientX: 1, clientY: 1}))); return 1")
    B.pump(0.5)
    vis = js(B, "return %s.data.filter(t => t.legendgroup === 'validation').map(t => t.visible)" % d)
    check(len(vis) >= 4 and all(v == "legendonly" for v in vis), vis)
    others = js(B, "return %s.data.filter(t => t.legendgroup === 'evaluation').map(t => t.visible)" % d)
    check(all(v in (True, None) for v in others), others)
    labels = js(B, "return %s.layout.annotations.map(a => a.text)" % d)
    check(not any(l.startswith("Val: ") for l in labels) and "Eval S750" in labels, labels)
    check(B.errors() == [], B.errors())


@test
def no_false_gaps_when_zoomed():
    # 4 Hz for 20 minutes, one real 30 s hole at minute 10: zoomed to minutes (display buckets
    # narrower than the 0.25 s interval, many empty), the line breaks only at the hole
    t0 = dt.datetime(2025, 12, 22, 21, 0, 0)
    csv = os.path.join(TMP, "4hz.csv")
    with open(csv, "w") as f:
        f.write("timestamp,gpu0_power_w\n")
        for i in range(4800):
            if 2400 <= i < 2520:
                continue
            t = t0 + dt.timedelta(milliseconds=250 * i)
            f.write("%s.%03d,%d\n" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000, 300 + i % 7))
    out = os.path.join(TMP, "4hz.html")
    rc, _, se = run(csv, "-o", out, "-q", "--no-idle-cutoff")
    check(rc == 0, se)
    load(B, out)
    check(B.errors() == [], B.errors())
    for (a, b, holes) in ((3 / 60, 6 / 60, 0), (8 / 60, 12 / 60, 1), (0, 20 / 60, 1)):
        B.eval("window.gvReport.zoom(%r, %r).then(() => true)" % (a, b))
        B.pump(0.5)
        got = js(B, "const v = window.gvReport.state().views[0]; return [v.width_h * 3600, v.x.filter(x => x === null).length]")
        check(got[1] == holes, "zoom %.3f..%.3f h (buckets of %.3f s): %d breaks, want %d" % (a, b, got[0], got[1], holes))
        # "zoom for detail" only where a finer level exists
        lv, note = js(B, "return [window.gvReport.state().views[0].level, document.getElementById('gv-note').textContent]")
        check(("zoom for detail" in note) == (lv > 0), (lv, note))


def ticks(browser):
    """The x axis' tick labels as drawn."""
    return js(browser, "return [...document.querySelectorAll('#gv-plot .xaxislayer-above .xtick text')].map(t => t.textContent)")


def zoom(browser, a, b):
    browser.eval("window.gvReport.zoom(%r, %r).then(() => true)" % (a, b))
    browser.pump(0.5)


@test
def wall_clock_axis_elapsed_time_and_steps():
    # run2 from 21:09 on: its first validation (21:07:59-21:08:20) is before the first sample
    rows = open(os.path.join(RUN2, "gpu_metrics.csv")).read().splitlines()
    csv = os.path.join(TMP, "late.csv")
    open(csv, "w").write("\n".join([rows[0]] + [r for r in rows[1:] if r[11:19] >= "21:09:00"]) + "\n")
    out = os.path.join(TMP, "late.html")
    rc, _, se = run(csv, "--training-log", os.path.join(ANOM, "training.log"), "-o", out, "-q", "--no-idle-cutoff")
    check(rc == 0, se)
    path = page(ANOM, "axis.html")
    for p in (path, out):
        load(B, p)
        check(B.errors() == [], B.errors())
        # a date axis: the date on the first tick, times of day on the others
        check(js(B, "return document.getElementById('gv-plot')._fullLayout.xaxis.type") == "date", "date axis")
        t = ticks(B)
        check(t and t[0].endswith("2025") and all(len(x) == 5 and x[2] == ":" for x in t[1:]), t)
        # Autoscale fits the run: from the first sample to the last, never before it
        js(B, "Plotly.relayout(document.getElementById('gv-plot'), {'xaxis.autorange': true}); return 1")
        B.pump(0.8)
        st = js(B, "const s = window.gvReport.state(); return [s.x0, s.x1, window.gvReport.data.end_h, "
                   "document.getElementById('gv-plot').layout.xaxis.range.map(window.gvReport.hours)]")
        check(st[0] == 0 and abs(st[1] - st[2]) < 1e-6 and abs(st[3][0]) < 1e-6 and abs(st[3][1] - st[2]) < 1e-6, st)
    load(B, path)
    title = js(B, "return document.getElementById('gv-plot').layout.xaxis.title.text")
    check(title == "time (as in the file; its time zone is not stated)", title)
    # zoomed to a minute: hours, minutes and seconds; to a second: milliseconds
    zoom(B, 0.1, 0.1 + 1 / 60)
    t = ticks(B)
    check(t[0] == "10:06:00Dec 22, 2025" and t[1:] == ["10:06:10", "10:06:20", "10:06:30", "10:06:40", "10:06:50", "10:07:00"], t)
    zoom(B, 0.1, 0.1 + 1 / 3600)
    t = ticks(B)
    check(t[1:5] == ["10:06:00.2", "10:06:00.4", "10:06:00.6", "10:06:00.8"], t)
    # elapsed time, h:mm:ss, at the same view and at full view
    check(B.eval("window.gvReport.axis('elapsed').then(() => true)"), "elapsed")
    zoom(B, 0.1, 0.1 + 1 / 60)
    check(ticks(B) == ["0:06:00", "0:06:10", "0:06:20", "0:06:30", "0:06:40", "0:06:50", "0:07:00"], ticks(B))
    # the training step: the axis runs from the log's first step to its last (tests/oracle.py)
    steps = oracle.read_steps(os.path.join(ANOM, "training.log"))
    check(B.eval("window.gvReport.axis('step').then(() => window.gvReport.zoom(0, window.gvReport.data.end_h)).then(() => true)"), "step")
    B.pump(0.5)
    r = js(B, "return document.getElementById('gv-plot').layout.xaxis.range")
    check(r == [steps[0][1], steps[-1][1]], (r, steps[0][1], steps[-1][1]))
    # its loss line: one point per step, at the step's number
    x = js(B, "return document.getElementById('gv-plot').data.find(t => t.name === 'loss').x.filter(v => v !== null)")
    check(x == [s[1] for s in steps], (x[:5], len(x), len(steps)))
    check(B.errors() == [], B.errors())


@test
def bucket_range_as_a_band_and_one_line():
    # run2 at full view: 640 ms buckets over 250 ms samples; each GPU line has one point per bucket
    # (no zigzag between a bucket's min and max), through the middle of its band
    path = page(RUN2, "band.html")
    load(B, path)
    d = js(B, "const gd = document.getElementById('gv-plot'), l = gd.data.find(t => t.name === 'gpu0_power_instant_w'), "
              "b = gd.data.find(t => t.name === 'gpu0_power_instant_w range'), v = window.gvReport.state().views[0]; "
              "return [l.x.map(window.gvReport.hours), l.y, b.x.map(window.gvReport.hours), b.y, b.fill, v.every, v.width_h]")
    lx, ly, bx, by, fill, every, width = d
    check(fill == "toself" and not every, (fill, every))
    xs = [x for x in lx if x is not None]
    check(all(b - a > width * 0.99 for a, b in zip(xs, xs[1:])), "one point per bucket")
    # the band's first polygon: the highs forward, then the lows back, around the line's points
    k = bx.index(None)
    n = k // 2
    highs, lows = by[:n], by[n:k][::-1]
    check(bx[:n] == bx[n:k][::-1] and len(highs) == n, "polygon")
    line = ly[:ly.index(None)] if None in ly else ly
    check(all(abs(y - (lo + hi) / 2) < 1e-6 and lo <= y <= hi for y, lo, hi in zip(line, lows, highs)), "middle of the range")
    # zoomed to 10 s: every sample, no band; the samples are run2's (read here from the CSV)
    def seconds(r):  # (run2 has a few bad rows, which gpuviz skips)
        try:
            return (dt.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S.%f") - t0).total_seconds()
        except ValueError:
            return None
    rows = [r.split(",") for r in open(os.path.join(RUN2, "gpu_metrics.csv")).read().splitlines()[1:]]
    t0 = dt.datetime.strptime(rows[0][0], "%Y-%m-%d %H:%M:%S.%f")
    want = [float(r[2]) for r in rows if seconds(r) is not None and 60 <= seconds(r) <= 70]
    zoom(B, 60 / 3600, 70 / 3600)
    got = js(B, "const gd = document.getElementById('gv-plot'), l = gd.data.find(t => t.name === 'gpu0_power_instant_w'), "
                "b = gd.data.find(t => t.name === 'gpu0_power_instant_w range'); "
                "return [l.x.map(window.gvReport.hours), l.y, b.x.length, window.gvReport.state().views[0].every]")
    inview = [y for x, y in zip(got[0], got[1]) if x is not None and 60 / 3600 <= x <= 70 / 3600]
    check(got[3] and got[2] == 0, got[2:])
    check(len(inview) == len(want) and all(abs(a - b) < 0.05 for a, b in zip(inview, want)), (inview[:4], want[:4]))


@test
def spread_across_gpus_and_unified_hover():
    path = page(RUN2, "spread.html")
    load(B, path)
    check(B.eval("window.gvReport.spread(true).then(() => true)"), "spread")
    B.pump(0.3)
    d = js(B, "const gd = document.getElementById('gv-plot'); return [gd.data.filter(t => t.name === 'gpu0_power_instant_w' || t.name === 'gpu1_power_instant_w').map(t => t.visible), "
              "gd.data.filter(t => t.legendgroup === 'spread' && t.mode === 'lines' && !t.fill).map(t => [t.name, t.visible, t.y.slice(0, 50)]), "
              "window.gvReport.state().views.map(v => [v.y.slice(0, 50), v.key.slice(0, 50)])]")
    vis, spread, views = d
    check(vis == [False, False], vis)
    check([s[0] for s in spread] == ["power: mean of 2 GPUs", "temperature: mean of 2 GPUs"] and all(s[1] for s in spread), spread)
    # the mean of GPU0's and GPU1's instant power, bucket by bucket (views 0 and 3: gpu0/gpu1 instant)
    names = js(B, "return window.gvReport.data.series.map(s => s.name)")
    g0, g1 = views[names.index("gpu0_power_instant_w")], views[names.index("gpu1_power_instant_w")]
    check(g0[1] == g1[1], "same buckets")
    want = [(a + b) / 2 for a, b in zip(g0[0], g1[0])]
    check(all(abs(a - b) < 1e-9 for a, b in zip(spread[0][2], want)), (spread[0][2][:3], want[:3]))
    js(B, "const s = document.getElementById('gv-hover'); s.value = 'x unified'; s.dispatchEvent(new Event('change')); return 1")
    B.pump(0.3)
    check(js(B, "return document.getElementById('gv-plot').layout.hovermode") == "x unified", "unified hover")
    check(B.errors() == [], B.errors())


@test
def training_metrics_follow_the_zoom():
    # bench/gen_run.py's run: 2 hours, a step every 0.75 s (80 a minute), a 20 s validation every
    # 250 steps, a CORE session every 2000; the loss falls linearly, the MFU is 50.31 throughout
    sys.path.insert(0, os.path.join(SRC, "bench"))
    import gen_run  # noqa: E402
    run_dir = os.path.join(TMP, "gen2h")
    import subprocess
    subprocess.run([sys.executable, os.path.join(SRC, "bench", "gen_run.py"), run_dir, "--hours", "2", "--hz", "1"], check=True)
    _, _, busy, _, lines = gen_run.schedule(2, 0.75)
    import re
    loss = {int(m.group(1)): float(m.group(2)) for m in (re.search(r"step (\d+)/\d+ .*loss: ([\d.]+)", l) for l in lines) if m}
    path = page(run_dir, "gen2h.html", "--no-idle-cutoff")
    load(B, path)
    check(B.errors() == [], B.errors())
    check(js(B, "return window.gvReport.data.steps.n") == len(loss), "every step line in the page")
    # the line breaks at each pause: every validation after the first (which precedes step 0)
    x = js(B, "return document.getElementById('gv-plot').data.find(t => t.name === 'loss').x")
    vals = sorted(b[0] for b in busy if b[2] == "val")
    check(x.count(None) == len(vals) - 1, (x.count(None), len(vals) - 1))
    # a minute of training, 5 s after a validation ends: its 80 steps, every one on screen
    t0 = busy[0][0] - dt.timedelta(seconds=30)
    v_end = [b[1] for b in busy if b[2] == "val"][10]
    a = (v_end - t0).total_seconds() / 3600 + 5 / 3600
    zoom(B, a, a + 1 / 60)
    d = js(B, "const gd = document.getElementById('gv-plot'), t = gd.data.find(t => t.name === 'loss'); "
              "const ax = gd._fullLayout[t.yaxis.replace('y', 'yaxis')]; "
              "return [t.x.map(window.gvReport.hours), t.y, t.text, ax.range, ax.type]")
    hx, ys, texts, yr, ytype = d
    inview = [(x, y, tx) for x, y, tx in zip(hx, ys, texts) if x is not None and a <= x <= a + 1 / 60]
    check(abs(len(inview) - 80) <= 2, "steps in a zoomed minute: %d" % len(inview))
    # the loss axis fits what is visible (the run's loss spans 3.2 to 2.3; the minute, 0.01)
    check(yr[0] <= min(ys) and max(ys) <= yr[1] and yr[1] - yr[0] < 0.05, yr)
    got = [(int(re.match(r"step (\d+)", tx).group(1)), y) for _, y, tx in inview]
    check(all(abs(y - loss[s]) < 1e-5 for s, y in got), got[:3])
    # log scale, TensorBoard's smoothing (debiased EMA restarted at each pause: 250-step segments)
    check(B.eval("window.gvReport.train({log: true, smooth: 0.9}).then(() => true)"), "train")
    B.pump(0.3)
    d = js(B, "const gd = document.getElementById('gv-plot'), t = gd.data.find(t => t.name === 'loss (smoothed)'); "
              "const ax = gd._fullLayout[t.yaxis.replace('y', 'yaxis')]; return [t.visible, t.y, t.text, ax.type]")
    check(d[0] is True and d[3] == "log", d[0::3])
    for y, tx in list(zip(d[1], d[2]))[::17]:
        if y is None:
            continue
        s = int(re.match(r"step (\d+)", tx).group(1))
        last = norm = 0.0
        for k in range(s - s % 250, s + 1):
            last = last * 0.9 + 0.1 * loss[k]
            norm = norm * 0.9 + 0.1
        check(abs(y - last / norm) < 1e-5, (s, y, last / norm))
    # other metrics: the MFU on the left, nothing on the right
    check(B.eval("window.gvReport.train({left: 'mfu', right: null, smooth: 0, log: false}).then(() => true)"), "mfu")
    d = js(B, "return document.getElementById('gv-plot').data.filter(t => t.legendgroup === 'train' && t.visible === true).map(t => [t.name, t.y.filter(v => v !== null)])")
    check([n for n, _ in d] == ["MFU %"] and all(abs(v - 50.31) < 1e-4 for v in d[0][1]), [n for n, _ in d])
    # grad norm and lrm as the generator prints them (0.3870, 1.00)
    check(B.eval("window.gvReport.train({left: 'grad_norm', right: 'lrm'}).then(() => true)"), "grad norm")
    d = js(B, "return document.getElementById('gv-plot').data.filter(t => t.legendgroup === 'train' && t.visible === true).map(t => [t.name, t.y.filter(v => v !== null)])")
    check([n for n, _ in d] == ["grad norm", "lrm"] and all(abs(v - 0.387) < 1e-6 for v in d[0][1]) and all(v == 1 for v in d[1][1]),
          [(n, v[:3]) for n, v in d])
    check(B.errors() == [], B.errors())


@test
def anomalies_coloured_by_severity_and_filtered():
    path = page(ANOM, "sev.html", "--summary-json", os.path.join(TMP, "sev.json"))
    load(B, path)
    doc = json.load(open(os.path.join(TMP, "sev.json")))
    colour = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#7f7f7f"}
    d = "document.getElementById('gv-plot')"
    marks = js(B, "return %s.data.filter(t => (t.name || '').startsWith('Anomalies')).map(t => t.marker.color.map((c, i) => [window.gvReport.hours(t.x[i]), c]))" % d)
    got = sorted((round(x, 6), c) for m in marks for x, c in m)
    t0 = dt.datetime.strptime(doc["time_range"]["start"], "%Y-%m-%dT%H:%M:%S.%f")
    want = sorted((round((dt.datetime.strptime(a["timestamp"], "%Y-%m-%dT%H:%M:%S.%f") - t0).total_seconds() / 3600, 6),
                   colour[a["severity"]]) for a in doc["anomalies"])
    check(got == want, (got, want))
    # critical only: 3 in the list and on the plot; then one kind of every severity
    for sev, kind, n in (("critical", "", 3), ("warning", "", 7), ("info", "slow_evaluation", 1), ("info", "", 9)):
        js(B, "const s = document.getElementById('gv-anomaly-severity'), k = document.getElementById('gv-anomaly-kind'); "
              "s.value = %r; k.value = %r; s.dispatchEvent(new Event('change')); k.dispatchEvent(new Event('change')); return 1" % (sev, kind))
        B.pump(0.3)
        listed = js(B, "return [...document.querySelectorAll('#gv-anomalies li')].filter(l => l.style.display !== 'none').length")
        plotted = js(B, "return %s.data.filter(t => (t.name || '').startsWith('Anomalies')).reduce((a, t) => a + t.x.length, 0)" % d)
        want_n = sum(1 for a in doc["anomalies"] if ["critical", "warning", "info"].index(a["severity"]) <= ["critical", "warning", "info"].index(sev)
                     and (not kind or a["kind"] == kind))
        check(listed == plotted == want_n == n, (sev, kind, listed, plotted, want_n, n))
    check(js(B, "return %s._fullLayout.xaxis.type" % d) == "date", "the axis stays a date axis")
    check(B.errors() == [], B.errors())


B.close()
finish("browser")
