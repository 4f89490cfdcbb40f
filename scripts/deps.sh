#!/usr/bin/env bash
# Installs what gpuviz needs to build and test on Debian 12 (bookworm), only if missing.
# Build: compiler, CMake, pkg-config, libcsv, PCRE2, cJSON; npm fetches the pinned Plotly.js.
# Tests: python3 (end-to-end suite and its oracle).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libcsv-dev libpcre2-dev libcjson-dev python3 ca-certificates)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm may come from elsewhere than Debian (e.g. a newer Node); any working npm will do.
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The pinned Plotly.js (package-lock.json, with its integrity hash) for embedding.
cd "$(dirname "$0")/.."
if [[ ! -f node_modules/plotly.js-basic-dist-min/plotly-basic.min.js ]]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
