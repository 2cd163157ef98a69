#!/usr/bin/env bash
# The README's second command, and what CI runs: set up, build, run every
# test; then the unit tests again under AddressSanitizer + UBSan, and a short
# run of every fuzz target, both from one clang build (the fuzz targets are
# those sanitizers plus libFuzzer, so the instrumented code is compiled once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== build and test (RelWithDebInfo)"
bash scripts/build.sh build
ctest --test-dir build --output-on-failure --timeout 300

echo "== unit tests under ASan + UBSan (clang)"
bash scripts/build.sh build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DHIGHPORT_FUZZ=ON
# Leaks inside Graphviz and fontconfig (not ours) are suppressed; the file says which and why.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$PWD/scripts/lsan-suppressions.txt" \
  ctest --test-dir build-fuzz --output-on-failure --timeout 300 -L unit

echo "== fuzz targets, ${HIGHPORT_FUZZ_SECONDS:-15} s each"
bash fuzz/run_all.sh build-fuzz/fuzz "${HIGHPORT_FUZZ_SECONDS:-15}"
echo "== all tests passed"
