#!/usr/bin/env python3
"""gpuviz benchmarks: prints a table of medians (wall time, peak memory, ratios) for the
reference run (7 h, 2 GPUs, 100 Hz, monitor v2, ~2.5 M rows, ~170 MB, ~28k-line log) against
`wc -l`, libcsv tokenizing alone (bench/csv_tokenize.c) and the pandas + Plotly pipeline users
run today (shared/bench-peer/visualize.py); time and memory at 1x and 10x the rows; the log
parser's throughput on a large log; the page's size and first render in headless Chromium.
Run through bench/run.sh, which builds first. Inputs are generated once into --cache."""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests"))


def gen(cache, name, *args):
    out = os.path.join(cache, name)
    if not os.path.exists(os.path.join(out, "done")):
        print("generating %s (%s) ..." % (name, " ".join(args)), file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_run.py"), out, *args], check=True)
        open(os.path.join(out, "done"), "w").close()
    return out


MAXRSS = None  # tests/maxrss.c, built in main(): a small launcher, so peaks are the command's own


def measure(cmd, runs, **kw):
    """Median wall seconds and the largest peak RSS (MB) over the runs."""
    times, rss = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([MAXRSS, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d)" % (cmd, p.returncode))
        rss = max(rss, int(p.stderr.decode().strip().splitlines()[-1].split()[1]) / 1024)
    return statistics.median(times), rss


def measure_round_robin(cmds, runs):
    """Like measure() for several commands, run in turn (a, b, c, a, b, c, ...) so that this
    machine's drifting speed affects them alike. Returns {name: (median s, peak MB)}."""
    times = {k: [] for k in cmds}
    rss = {k: 0.0 for k in cmds}
    for _ in range(runs):
        for k, cmd in cmds.items():
            t, m = measure(cmd, 1)
            times[k].append(t)
            rss[k] = max(rss[k], m)
    return {k: (statistics.median(times[k]), rss[k]) for k in cmds}


def render_time(page, runs):
    import cdp
    if not cdp.find_chromium():
        return None
    out = []
    for _ in range(runs):
        b = cdp.Browser(width=1400, height=1000)
        try:
            b.open("about:blank")
            t = time.perf_counter()
            b.call("Page.navigate", {"url": "file://" + page})
            b.wait_for("document.body && document.body.getAttribute('data-gv-ready') === '1'", timeout=60)
            out.append(time.perf_counter() - t)
        finally:
            b.close()
    return statistics.median(out)


def tools(work):
    """Builds the peak-memory launcher and the libcsv-only tokenizer; returns the tokenizer."""
    global MAXRSS
    MAXRSS = os.path.join(work, "maxrss")
    subprocess.run(["cc", "-O2", "-D_DEFAULT_SOURCE", "-o", MAXRSS, os.path.join(SRC, "tests", "maxrss.c")], check=True)
    tok = os.path.join(work, "csv_tokenize")
    subprocess.run(["cc", "-O2", "-o", tok, os.path.join(HERE, "csv_tokenize.c"), "-lcsv"], check=True)
    return tok


def compare_in_windows(a, ref, work):
    """libcsv alone against gpuviz, window after window (5 runs of each, in turn, per window)."""
    tok = tools(work)
    csv, log = os.path.join(ref, "gpu_metrics.csv"), os.path.join(ref, "training.log")
    gv = [a.gpuviz, csv, "--training-log", log, "-o", os.path.join(work, "w.html"), "--summary-json",
          os.path.join(work, "w.json"), "-q"]
    print("| window | libcsv alone | gpuviz | gpuviz / libcsv |")
    print("| --- | --- | --- | --- |")
    ratios = []
    for w in range(a.windows):
        R = measure_round_robin({"tokenize": [tok, csv], "gpuviz": gv}, 5)
        ratios.append(R["gpuviz"][0] / R["tokenize"][0])
        print("| %d | %.3f s | %.3f s | %.2f |" % (w + 1, R["tokenize"][0], R["gpuviz"][0], ratios[-1]))
    print("\n%d of %d windows below 1.00, %d below 0.90; median ratio %.2f"
          % (sum(r < 1 for r in ratios), len(ratios), sum(r < 0.9 for r in ratios), statistics.median(ratios)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/gpuviz-bench"))
    ap.add_argument("--gpuviz", default=os.path.join(SRC, "build", "gpuviz"))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-peer", action="store_true", help="skip the pandas pipeline (about 15 s a run)")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--windows", type=int, default=0,
                    help="only compare libcsv alone and gpuviz on the reference run, in this many windows of "
                         "5 interleaved runs each, and print each window's medians (this machine's speed drifts)")
    a = ap.parse_args()
    os.makedirs(a.cache, exist_ok=True)
    work = os.path.join(a.cache, "out")
    os.makedirs(work, exist_ok=True)
    ref = gen(a.cache, "ref-7h", "--hours", "7")
    if a.windows:
        return compare_in_windows(a, ref, work)
    small = gen(a.cache, "ref-0.7h", "--hours", "0.7")
    big = gen(a.cache, "ref-70h", "--hours", "70", "--log-scale", "0")
    biglog = gen(a.cache, "log-500h", "--hours", "500", "--csv-hours", "0.01")
    tok = tools(work)
    csv, log = os.path.join(ref, "gpu_metrics.csv"), os.path.join(ref, "training.log")
    page, summ = os.path.join(work, "ref.html"), os.path.join(work, "ref.json")
    gv = [a.gpuviz, csv, "--training-log", log, "-o", page, "--summary-json", summ, "-q"]
    R = {}
    R["rows"] = sum(1 for _ in open(csv)) - 1
    R["csv_mb"] = os.path.getsize(csv) / 1e6
    R["log_lines"] = sum(1 for _ in open(log))
    cmds = {"wc": ["wc", "-l", csv], "tokenize": [tok, csv], "gpuviz": gv}
    if "--threads" in subprocess.run([a.gpuviz, "--help"], capture_output=True, text=True).stdout:
        cmds["gpuviz_1t"] = gv + ["--threads", "1"]
    R.update(measure_round_robin(cmds, a.runs))
    R.setdefault("gpuviz_1t", None)
    R["page_mb"] = os.path.getsize(page) / 1e6
    R["small"] = measure([a.gpuviz, os.path.join(small, "gpu_metrics.csv"), "--training-log", log,
                          "-o", os.path.join(work, "s.html"), "-q"], a.runs)
    # 10x the rows with the same log: what grows with the CSV alone. Interleaved with runs of the
    # reference, so that this machine's drifting speed does not bias the ratio.
    big_cmd = [a.gpuviz, os.path.join(big, "gpu_metrics.csv"), "--training-log", log, "-o", os.path.join(work, "b.html"), "-q"]
    ref_cmd = [a.gpuviz, csv, "--training-log", log, "-o", os.path.join(work, "r.html"), "-q"]
    bt, rt, brss = [], [], 0
    for _ in range(max(1, a.runs // 2)):
        rt.append(measure(ref_cmd, 1)[0])
        t, m = measure(big_cmd, 1)
        bt.append(t)
        brss = max(brss, m)
        rt.append(measure(ref_cmd, 1)[0])
    R["big"] = (statistics.median(bt), brss)
    R["big_ref"] = statistics.median(rt)
    R["big_rows"] = 10 * int(R["rows"])
    lg = os.path.join(biglog, "training.log")
    R["log_mb"] = os.path.getsize(lg) / 1e6
    R["log"] = measure([a.gpuviz, os.path.join(biglog, "gpu_metrics.csv"), "--training-log", lg,
                        "-o", os.path.join(work, "l.html"), "-q"], a.runs)
    R["render"] = render_time(page, 3)
    peer = None
    if not a.no_peer:
        try:
            import pandas  # noqa: F401
            import plotly  # noqa: F401
            js = os.path.join(SRC, "node_modules", "plotly.js-basic-dist-min", "plotly-basic.min.js")
            peer = measure(["/usr/bin/python3", os.path.join(SRC, "..", "shared", "bench-peer", "visualize.py"), csv,
                            "--training-log", log, "--output", os.path.join(work, "peer.html"), "--plotly-js", js], 1)
            R["peer_page_mb"] = os.path.getsize(os.path.join(work, "peer.html")) / 1e6
        except ImportError:
            print("pandas/plotly not installed (apt-get install python3-pandas python3-plotly): peer skipped", file=sys.stderr)
    R["peer"] = peer

    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
    print("\nMachine: %s, %d cores, %.0f GiB; medians of %d runs, the first four rows run in turn (the 70-h run: %d, interleaved with the reference; the peer: 1)\n"
          % (cpu, os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, a.runs, max(1, a.runs // 2)))
    print("| what | wall | peak memory | ratio |")
    print("| --- | --- | --- | --- |")
    g = R["gpuviz"][0]
    print("| `wc -l` on the reference CSV (%.0f MB, %d rows) | %.3f s | | gpuviz / wc = %.1f |" % (R["csv_mb"], R["rows"], R["wc"][0], g / R["wc"][0]))
    print("| libcsv tokenizing it alone, one core | %.3f s | %.1f MB | gpuviz / libcsv = %.2f |" % (R["tokenize"][0], R["tokenize"][1], g / R["tokenize"][0]))
    print("| **gpuviz**, CSV + log -> page + summary | **%.3f s** | **%.1f MB** | |" % R["gpuviz"])
    if R["gpuviz_1t"]:
        print("| gpuviz `--threads 1` | %.3f s | %.1f MB | |" % R["gpuviz_1t"])
    if peer:
        print("| pandas + Plotly pipeline (bench-peer) | %.2f s | %.0f MB | **peer / gpuviz = %.1f** |" % (peer[0], peer[1], peer[0] / g))
    print("| gpuviz on 0.1x the rows (0.7 h, the same log) | %.3f s | %.1f MB | |" % R["small"])
    print("| gpuviz on 10x the rows (70 h, %d rows, the same log; time ratio against reference runs interleaved with it) | %.3f s | %.1f MB | time 10x/1x = %.2f, memory 10x/1x = %.2f |"
          % (R["big_rows"], R["big"][0], R["big"][1], R["big"][0] / R["big_ref"], R["big"][1] / R["gpuviz"][1]))
    print("| log parser on a %.0f MB log | %.3f s | %.1f MB | %.0f MB/s |" % (R["log_mb"], R["log"][0], R["log"][1], R["log_mb"] / R["log"][0]))
    print("| the page: size | %.2f MB | | budget 8 MB%s |" % (R["page_mb"], ", peer's page %.1f MB" % R["peer_page_mb"] if peer else ""))
    if R["render"] is not None:
        print("| the page: first render in headless Chromium | %.2f s | | |" % R["render"])
    if a.json:
        json.dump(R, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
