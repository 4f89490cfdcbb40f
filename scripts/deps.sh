#!/usr/bin/env bash
# Installs what gpuviz needs to build (and with --test, to test) on Debian 12 (bookworm), only
# what is missing.
# Build: compiler, CMake, pkg-config, libcsv, PCRE2, cJSON, zlib (gzip inputs); npm fetches the pinned Plotly.js.
# Tests: python3 (end-to-end suite and its oracle), python3-jsonschema (summary schema).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libcsv-dev libpcre2-dev libcjson-dev zlib1g-dev python3 python3-jsonschema ca-certificates)
# The page tests run the report in a real browser: Debian's Chromium.
# The fuzz targets need clang and its libFuzzer runtime; the memcheck pass needs valgrind.
if [[ ${1:-} == --test ]]; then pkgs+=(chromium clang libclang-rt-14-dev valgrind); fi
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
# Behind a TLS-intercepting proxy whose CA this machine does not trust yet, npm fails with a
# certificate error; we then retry without TLS verification. That is safe for what we fetch:
# npm checks the tarball against the sha512 pinned in package-lock.json, and CMake checks the
# embedded file against the SHA-256 pinned in cmake/plotly.sha256 (docs/building.md).
if [[ ! -f node_modules/plotly.js-basic-dist-min/plotly-basic.min.js ]]; then
  if ! out=$(npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1); then
    if grep -qiE 'CERT|certificate' <<<"$out"; then
      echo "deps: npm could not verify the registry's TLS certificate; retrying with the"
      echo "      lockfile's integrity hash as the only check (see docs/building.md)"
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --strict-ssl=false
    else
      echo "$out" >&2
      exit 1
    fi
  fi
fi
