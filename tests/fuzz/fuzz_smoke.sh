#!/usr/bin/env bash
# Bounded fuzzing for the test suite: each target first runs every seed in
# tests/fuzz/corpus/<target>/ and every past finding in
# tests/fuzz/regressions/<target>/ once, whole, then fuzzes for SECONDS
# (default 12) starting from them. New inputs and artifacts go to a temporary
# directory, never into the repository. Fails on any crash, sanitizer report,
# leak, timeout or out-of-memory; prints executions and coverage per target.
# Standard input is /dev/null: kubeconfig inputs may name absolute paths.
#   tests/fuzz/fuzz_smoke.sh [SECONDS] [BUILD_DIR]   (after hack/build.sh fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=hack/lib/fuzz.sh
source hack/lib/fuzz.sh
seconds=${1:-12}
build=${2:-build-fuzz}
work=$(mktemp -d /tmp/certstore-fuzz-smoke.XXXXXX)
start=$(date +%s)
passed=0
failed=0
summary=()
echo "fuzz-smoke: ${#FUZZ_TARGETS[@]} targets, ${seconds}s each, work in $work"
for t in "${FUZZ_TARGETS[@]}"; do
  bin=$build/fuzz/${t}_fuzzer
  if [ ! -x "$bin" ]; then
    echo "fuzz-smoke: $bin missing (run hack/build.sh fuzz)" >&2
    exit 1
  fi
  fuzz_args "$t"
  mkdir -p "$work/$t/new" "$work/$t/artifacts"
  inputs=()
  for d in tests/fuzz/corpus/$t tests/fuzz/regressions/$t; do
    if [ -d "$d" ]; then inputs+=("$d"); fi
  done
  log=$work/$t/log
  status=ok
  # A backstop outside libFuzzer: after an out-of-memory it profiles the whole
  # heap before writing its artifact, which can take many minutes.
  guard=(timeout -k 10 $((seconds + 120)))
  # 1. Every checked-in input once, whole (no -max_len truncation).
  mapfile -t files < <(find "${inputs[@]}" -type f ! -name 'README*' | sort)
  if ! "${guard[@]}" "$bin" "${FUZZ_ARGS[@]}" -artifact_prefix="$work/$t/artifacts/" \
      "${files[@]}" </dev/null >"$log.replay" 2>&1; then
    status="FAILED replaying checked-in inputs"
    log=$log.replay
  # 2. Fuzzing; libFuzzer writes new inputs only into the first directory.
  elif ! "${guard[@]}" "$bin" "${FUZZ_ARGS[@]}" -max_total_time="$seconds" \
      -artifact_prefix="$work/$t/artifacts/" \
      "$work/$t/new" "${inputs[@]}" </dev/null >"$log" 2>&1; then
    status=FAILED
  fi
  read -r execs rate cov ft <<<"$(fuzz_stats "$log")"
  line=$(printf '%-11s %9s execs %6s exec/s  cov %5s  ft %6s  %s' \
    "$t" "$execs" "$rate" "$cov" "$ft" "$status")
  echo "fuzz-smoke: $line"
  summary+=("$line")
  if [ "$status" = ok ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "fuzz-smoke: $t: last lines of $log:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written|^#[0-9]+ +(DONE|pulse)' "$log" | tail -15 >&2 || true
    ls "$work/$t/artifacts" >&2 || true
  fi
done
echo "fuzz-smoke: summary ($(($(date +%s) - start))s)"
printf '  %s\n' "${summary[@]}"
if [ "$failed" -eq 0 ]; then
  rm -rf "$work"
else
  echo "fuzz-smoke: kept $work (logs, artifacts)" >&2
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
