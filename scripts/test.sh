#!/usr/bin/env bash
# Second Quick start command (and all CI runs): the whole test suite, twice: a release build
# and an AddressSanitizer + UndefinedBehaviorSanitizer build. Warnings are errors in both.
# It installs the test dependencies (Chromium for the page tests) first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" >/dev/null
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGPUVIZ_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== release build"
ctest --test-dir build --output-on-failure
echo "== sanitizer build (address,undefined)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure
echo "== valgrind memcheck: the unit tests, the fuzz corpora, and every end-to-end suite but the browser's through tests/valgrind-gpuviz.sh"
for t in build/tests/test_*; do
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$t" >/dev/null
done
for r in build/replay_*; do
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$r" "tests/fuzz/corpus/${r#build/replay_}" >/dev/null
done
for s in cli analysis formats hostile rules multinode logtime golden; do
  GPUVIZ_REAL=$PWD/build/gpuviz python3 tests/${s}_test.py "$PWD/tests/valgrind-gpuviz.sh" "$PWD" | grep -v '^ok   '
done
echo "== thread sanitizer build: the end-to-end tests, which run the parser threads"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DGPUVIZ_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$jobs" >/dev/null
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -R '^(cli|analysis|multinode)$'
echo "== fuzz targets (libFuzzer, address,undefined), ${GPUVIZ_FUZZ_SECONDS:-10} s each"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DGPUVIZ_FUZZ=ON \
  -DGPUVIZ_FUZZ_SECONDS="${GPUVIZ_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_csv_reader fuzz_dcgm_reader fuzz_log_parser fuzz_check fuzz_rules >/dev/null
ctest --test-dir build-fuzz --output-on-failure -R '^fuzz_'
