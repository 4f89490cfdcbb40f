#!/usr/bin/env bash
# First Quick start command: install dependencies, build, and make a report from the bundled
# testdata. Prints where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/gpuviz testdata/run2/gpu_metrics.csv --training-log testdata/run2/training.log \
  -o gpuviz_report.html --export-events build/events.csv
echo "Report: $(pwd)/gpuviz_report.html (events: $(pwd)/build/events.csv)"
