#!/usr/bin/env bash
# Configures and builds the C++ project.
#   hack/build.sh [release|asan|fuzz]    (default: release)
# Build trees: build/ (RelWithDebInfo, -Werror), build-asan/ (ASan+UBSan) and
# build-fuzz/ (clang, libFuzzer+ASan+UBSan; only the fuzz targets and the
# libraries they link, see tests/fuzz/ and README.md "Fuzzing").
# ccache and Ninja keep warm rebuilds fast; -j2 matches the 2-core machines.
set -euo pipefail
cd "$(dirname "$0")/.."
flavor=${1:-release}
target=()
case "$flavor" in
  release) dir=build; extra=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; extra=(-DCMAKE_BUILD_TYPE=Debug -DCERTSTORE_SANITIZE=ON -DCERTSTORE_BENCHMARKS=OFF) ;;
  fuzz)
    # No build type: CERTSTORE_FUZZ sets -O1 and line tables itself. The
    # unit tests and benchmarks are not configured, and only fuzz_targets is
    # built, which keeps the cold build to the four libraries and the targets.
    dir=build-fuzz
    export CC=clang CXX=clang++
    extra=(-DCMAKE_BUILD_TYPE= -DCERTSTORE_FUZZ=ON -DCERTSTORE_TESTS=OFF -DCERTSTORE_BENCHMARKS=OFF)
    target=(fuzz_targets)
    ;;
  *) echo "usage: hack/build.sh [release|asan|fuzz]" >&2; exit 2 ;;
esac
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/certstore-operator/ccache}
# Relative paths and no working-directory hash: a fresh clone elsewhere (CI)
# still hits the cache of an earlier build.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
echo "build: configuring $dir ($flavor)"
cmake -S . -B "$dir" -G Ninja -DCERTSTORE_WERROR=ON "${extra[@]}" >/dev/null
echo "build: compiling $dir${target:+ (${target[*]})}"
ninja -C "$dir" -j2 "${target[@]}"
