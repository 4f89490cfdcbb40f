#!/usr/bin/env bash
# One command for every figure in docs/performance.md: builds gpuviz (release), generates the
# inputs once (cached in ~/.cache/gpuviz-bench), runs the benchmarks, prints the table.
# Options go to bench/bench.py (--runs N, --no-peer, --json FILE). The pandas peer needs
# python3-pandas and python3-plotly (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
if [[ " $* " != *" --no-peer "* ]] && ! /usr/bin/python3 -c 'import pandas, plotly' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pandas python3-plotly >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec /usr/bin/python3 bench/bench.py "$@"
