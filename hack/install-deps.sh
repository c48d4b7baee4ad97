#!/usr/bin/env bash
# Installs every Debian package the project needs to build and test.
# Idempotent: installs only what is missing, and runs `apt-get update` at most
# once per machine boot (or when a package cannot be found).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (DESIGN.md "Fixed choices")
  libssl-dev libcpprest-dev libboost-system-dev libyaml-cpp-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # the one JSON library (operator/api/json.h; docs/benchmarks.md "JSON library choice")
  nlohmann-json3-dev
  # zlib: cached CertStores are deflated (operator/common/deflate.h); also
  # what cpprestsdk links
  zlib1g-dev
  # code style
  clang-format clang-tidy
  # fuzzing (hack/build.sh fuzz): clang with libFuzzer and the ASan/UBSan runtimes
  clang libfuzzer-14-dev libclang-rt-14-dev
  # interop and tooling used by tests
  openssl openjdk-17-jdk-headless ca-certificates curl python3 prometheus debootstrap
  # real Java handshakes at a later time (kubectl certstore diagnose --at)
  faketime
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
stamp=/tmp/.certstore-apt-updated
if [ ! -f "$stamp" ] || ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -qq
  touch "$stamp"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: done"
