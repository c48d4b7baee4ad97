#!/usr/bin/env bash
# The JSON boundary (DESIGN.md, issue 14): one JSON library, included only by
# operator/api/json.cc; no JSON built by string concatenation anywhere in
# operator/; no cpprestsdk JSON; yaml-cpp only where the input is YAML
# (manifests for kubectl-certstore, kubeconfig), never on the watch, list or
# reconcile path. Fails naming each offending line.
set -euo pipefail
shopt -s lastpipe  # report() sets `fail` in this shell
cd "$(dirname "$0")/../.."
fail=0
report() {  # $1 = rule, stdin = offending lines
  local lines
  lines=$(cat)
  if [ -n "$lines" ]; then
    echo "wire_boundary: $1:" >&2
    echo "$lines" | sed 's/^/  /' >&2
    fail=1
  fi
}
src() { git ls-files --cached --others --exclude-standard -- 'operator/*.cc' 'operator/*.h'; }
# grep -nE PATTERN over the file names on stdin; no match is not an error.
matches() { xargs grep -nE "$1" /dev/null || true; }

src | grep -v '^operator/api/json\.cc$' | matches '#include *[<"]nlohmann' |
  report "nlohmann/json outside operator/api/json.cc"
src | matches 'cpprest/json\.h|web::json' |
  report "cpprestsdk JSON (cpprestsdk is the HTTP transport only)"
# yaml-cpp: the YAML readers only.
YAML_OK='^operator/(api/emit\.cc|api/yaml_[a-z_]+\.(cc|h)|kube/config\.cc)$'
src | grep -vE "$YAML_OK" | matches '#include *[<"]yaml-cpp|YAML::' |
  report "yaml-cpp outside the YAML readers ($YAML_OK)"
# JSON by concatenation: an object start or a quoted key inside a C++
# string literal ("{\"...", "...\"key\":...") outside comments.
src | matches '"\{\\"|\\"[A-Za-z_][A-Za-z0-9_.-]*\\":' |
  { grep -vE '^[^:]+:[0-9]+: *//' || true; } |
  report "JSON built by string concatenation (use json::Writer)"
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "wire_boundary: ok ($(src | wc -l) files)"
