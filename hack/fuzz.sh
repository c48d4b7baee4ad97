#!/usr/bin/env bash
# A fuzzing campaign: builds the fuzz flavor, then runs each target for
# SECONDS (default 1800) from its seeds, its regressions and what earlier
# campaigns kept. New interesting inputs are merged into a work directory
# outside the repository ($CERTSTORE_FUZZ_WORK, default
# ~/.cache/certstore-operator/fuzz/<target>/corpus). A crash, leak, timeout
# or out-of-memory input is copied into tests/fuzz/regressions/<target>/ (the
# smoke test replays them; fix the bug, then commit the input), and the
# target is restarted for the rest of its time, at most 5 times.
# Prints per-target executions, executions per second and coverage; exits 1
# if anything was found.
#   hack/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (targets: hack/lib/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=hack/lib/fuzz.sh
source hack/lib/fuzz.sh
seconds=${1:-1800}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${FUZZ_TARGETS[@]}"); fi
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/${t}_fuzzer.cc" ]; then
    echo "fuzz: unknown target $t (known: ${FUZZ_TARGETS[*]})" >&2
    exit 2
  fi
done
work=${CERTSTORE_FUZZ_WORK:-$HOME/.cache/certstore-operator/fuzz}
hack/install-deps.sh
hack/build.sh fuzz
echo "fuzz: ${#targets[@]} targets, ${seconds}s each; corpora and logs in $work"

found=0
summary=()
for t in "${targets[@]}"; do
  bin=build-fuzz/fuzz/${t}_fuzzer
  dir=$work/$t
  mkdir -p "$dir/corpus" "$dir/artifacts"
  rm -rf "$dir/new"
  mkdir "$dir/new"
  fuzz_args "$t"
  inputs=("$dir/corpus" tests/fuzz/corpus/"$t")
  if [ -d "tests/fuzz/regressions/$t" ]; then inputs+=("tests/fuzz/regressions/$t"); fi
  deadline=$(($(date +%s) + seconds))
  runs=0 execs=0 rate=0 cov=? ft=? findings=0
  while [ "$runs" -lt 5 ]; do
    left=$((deadline - $(date +%s)))
    if [ "$left" -le 0 ]; then break; fi
    runs=$((runs + 1))
    log=$dir/run-$runs.log
    echo "fuzz: $t run $runs, ${left}s (log $log)"
    rc=0
    # libFuzzer writes new inputs into the first directory only; the
    # timeout is a backstop for its slow heap profile after an OOM.
    timeout -k 10 $((left + 300)) "$bin" "${FUZZ_ARGS[@]}" -max_total_time="$left" \
      -artifact_prefix="$dir/artifacts/" "$dir/new" "${inputs[@]}" </dev/null >"$log" 2>&1 || rc=$?
    read -r e r c f <<<"$(fuzz_stats "$log")"
    if [ "$e" != "?" ]; then execs=$((execs + e)); fi
    if [ "$r" != "?" ]; then rate=$r; fi
    if [ "$c" != "?" ]; then cov=$c ft=$f; fi
    if [ "$rc" -eq 0 ]; then break; fi
    grep -E '^==[0-9]+==.*ERROR|^SUMMARY' "$log" | head -3 || true
    echo "fuzz: $t: run $runs exited $rc"
  done
  # Keep only what adds coverage to what earlier campaigns kept.
  "$bin" -merge=1 "$dir/corpus" "$dir/new" </dev/null >"$dir/merge.log" 2>&1 || true
  rm -rf "$dir/new"
  for a in "$dir"/artifacts/{crash,leak,timeout,oom,slow-unit}-*; do
    [ -e "$a" ] || continue
    mkdir -p "tests/fuzz/regressions/$t"
    cp "$a" "tests/fuzz/regressions/$t/"
    rm "$a"
    findings=$((findings + 1))
    echo "fuzz: $t: FOUND tests/fuzz/regressions/$t/$(basename "$a")"
  done
  found=$((found + findings))
  line=$(printf '%-11s %10s execs %6s exec/s  cov %5s  ft %6s  corpus %5s  findings %s' \
    "$t" "$execs" "$rate" "$cov" "$ft" "$(find "$dir/corpus" -type f | wc -l)" "$findings")
  echo "fuzz: $line"
  summary+=("$line")
done
echo "fuzz: summary (${seconds}s per target; exec/s of the last run; corpora in $work)"
printf '  %s\n' "${summary[@]}"
if [ "$found" -gt 0 ]; then
  echo "fuzz: $found finding(s) copied into tests/fuzz/regressions/" >&2
  exit 1
fi
