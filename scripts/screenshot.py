#!/usr/bin/env python3
"""Makes the pictures of the docs: real reports made by the build's own gpuviz, photographed in
headless Chromium (tests/cdp.py):
  docs/report.png              testdata/anomalies at full view (--layout timeline): the README's
  docs/report-evaluation.png   the same zoomed to its slow evaluation session, critical and
                               warning anomalies only
  docs/report-minute.png       testdata/run2 zoomed to one minute: every sample, every step line
Usage: scripts/screenshot.py [build/gpuviz]"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests"))
import cdp  # noqa: E402

gpuviz = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "gpuviz"))
tmp = tempfile.mkdtemp()


def report(run, name, *extra):
    out = os.path.join(tmp, name)
    subprocess.run([gpuviz, "testdata/%s/gpu_metrics.csv" % run, "--training-log", "testdata/%s/training.log" % run,
                    "-o", out, "-q", *extra], check=True, cwd=SRC)
    return out


# (page, picture, script run once the page is drawn: it returns a promise)
SHOTS = [
    (report("anomalies", "anomalies.html", "--layout", "timeline"), "report.png", None),
    (report("anomalies", "anomalies2.html"), "report-evaluation.png",
     "window.gvReport.anomalies('warning').then(() => window.gvReport.zoom(0.27, 0.34))"),
    (report("run2", "run2.html"), "report-minute.png", "window.gvReport.zoom(0.05, 0.05 + 1 / 60)"),
]
b = cdp.Browser(width=1280, height=900)
try:
    for page, png, script in SHOTS:
        b.open("file://" + page)
        b.wait_for("document.body && document.body.getAttribute('data-gv-ready') === '1'")
        if script:
            b.eval("(%s).then(() => true)" % script)
        b.pump(0.8)
        errors = b.errors()
        if errors:
            sys.exit("%s: the page reported errors: %s" % (png, errors))
        path = os.path.join(SRC, "docs", png)
        b.screenshot(path, full_page=False)
        print("wrote", path)
finally:
    b.close()
