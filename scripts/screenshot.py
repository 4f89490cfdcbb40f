#!/usr/bin/env python3
"""Makes docs/report.png: a real report of testdata/anomalies, made by the build's own gpuviz and
photographed in headless Chromium (tests/cdp.py).  Usage: scripts/screenshot.py [build/gpuviz]"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests"))
import cdp  # noqa: E402

gpuviz = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "gpuviz")
out = os.path.join(tempfile.mkdtemp(), "report.html")
subprocess.run([os.path.abspath(gpuviz), "testdata/anomalies/gpu_metrics.csv", "--training-log",
                "testdata/anomalies/training.log", "-o", out, "-q", "--layout", "timeline"], check=True, cwd=SRC)
b = cdp.Browser(width=1280, height=900)
try:
    b.open("file://" + out)
    b.wait_for("document.body && document.body.getAttribute('data-gv-ready') === '1'")
    b.pump(0.5)
    png = os.path.join(SRC, "docs", "report.png")
    b.screenshot(png, full_page=False)
    print("wrote", png)
finally:
    b.close()
