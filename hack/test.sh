#!/usr/bin/env bash
# Runs every test: unit tests, interop with Java/openssl, the PKI benchmark
# smoke run, the control-plane suites, then everything that runs our C++
# code again under AddressSanitizer + UndefinedBehaviorSanitizer, and a
# bounded libFuzzer run of every parser (tests/fuzz/fuzz_smoke.sh).
# Installs what it needs first. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
hack/install-deps.sh
echo "test: checking C++ formatting (hack/format.sh)"
hack/format.sh
hack/build.sh release
echo "test: building (or reusing) the local control plane binaries"
hack/controlplane/build.sh
echo "test: running the test suite (build/)"
(cd build && ctest --output-on-failure -j1)
hack/build.sh asan
echo "test: running the test suite under ASan+UBSan (build-asan/)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j1 -LE no-sanitizer)
hack/build.sh fuzz
echo "test: fuzzing every parser briefly (build-fuzz/)"
tests/fuzz/fuzz_smoke.sh
echo "test: all passed in $(( $(date +%s) - start ))s"
