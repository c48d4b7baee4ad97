#!/usr/bin/env bash
# Shared by tests/fuzz/fuzz_smoke.sh and hack/fuzz.sh: the fuzz targets, their
# per-target libFuzzer settings, and reading libFuzzer's final statistics.
# Source it from the repository root.

# Every target in tests/fuzz/ (<name>_fuzzer.cc, corpus/<name>/).
FUZZ_TARGETS=(pem der pkcs12 jks watch kubeconfig api)

# The largest input worth mutating. Real certificates, keystores and
# manifests are a few KB; 16 KB leaves room for bundles. Manifests get 64 KB:
# a 25 KB unquoted scalar once overflowed the stack under ASan.
fuzz_max_len() {
  case $1 in
    der | kubeconfig) echo 8192 ;;
    api) echo 65536 ;;
    *) echo 16384 ;;
  esac
}

# Seconds one input may take before libFuzzer calls it a hang. PKCS#12 may
# ask for up to pki::kMaxPkcs12Iterations (1,000,000) per key derivation, and
# OpenSSL 3's PBKDF2 allocates on every iteration, which ASan makes dear: a
# store at the cap (MAC, encrypted safe, key bag) takes 1.6 s in the release
# build but 7-16 s here. pkcs12 gets 25 s; beyond that an input costs more
# derivations than a normal store needs.
fuzz_timeout() {
  case $1 in
    pkcs12) echo 25 ;;
    *) echo 10 ;;
  esac
}

# fuzz_args TARGET: the libFuzzer flags every run of TARGET uses.
fuzz_args() {
  local t=$1 dict=tests/fuzz/$1.dict
  FUZZ_ARGS=(-timeout="$(fuzz_timeout "$t")" -rss_limit_mb=2048
             -max_len="$(fuzz_max_len "$t")" -print_final_stats=1)
  if [ -f "$dict" ]; then FUZZ_ARGS+=(-dict="$dict"); fi
}

# fuzz_stats LOG: "EXECS EXEC_PER_SEC COV FT" from a run's final statistics
# (the last "cov:"/"ft:" line and -print_final_stats=1's stat:: lines).
fuzz_stats() {
  local log=$1 execs rate cov ft
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  echo "${execs:-?} ${rate:-?} ${cov:-?} ${ft:-?}"
}
