#!/usr/bin/env bash
# Configures and builds the C++ project.
#   hack/build.sh [release|asan]    (default: release)
# Build trees: build/ (RelWithDebInfo, -Werror) and build-asan/ (ASan+UBSan).
# ccache and Ninja keep warm rebuilds fast; -j2 matches the 2-core machines.
set -euo pipefail
cd "$(dirname "$0")/.."
flavor=${1:-release}
case "$flavor" in
  release) dir=build; extra=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; extra=(-DCMAKE_BUILD_TYPE=Debug -DCERTSTORE_SANITIZE=ON -DCERTSTORE_BENCHMARKS=OFF) ;;
  *) echo "usage: hack/build.sh [release|asan]" >&2; exit 2 ;;
esac
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/certstore-operator/ccache}
# Relative paths and no working-directory hash: a fresh clone elsewhere (CI)
# still hits the cache of an earlier build.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
echo "build: configuring $dir ($flavor)"
cmake -S . -B "$dir" -G Ninja -DCERTSTORE_WERROR=ON "${extra[@]}" >/dev/null
echo "build: compiling $dir"
ninja -C "$dir" -j2
