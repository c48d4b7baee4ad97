#!/usr/bin/env bash
# Checks that every C++ file in the repository is formatted with the
# project's .clang-format (Google style). Exits 1 and names each file that
# differs. `hack/format.sh --fix` rewrites them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=check
if [[ "${1:-}" == "--fix" ]]; then mode=fix; fi
# Tracked files and new ones not yet added (ignored files are left out).
mapfile -t files < <(git ls-files --cached --others --exclude-standard \
  '*.cc' '*.h' '*.cpp' '*.hpp' | sort -u)
if [[ "$mode" == fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if (( ${#bad[@]} )); then
  echo "format: ${#bad[@]} file(s) differ from .clang-format (fix: hack/format.sh --fix):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files formatted with .clang-format"
