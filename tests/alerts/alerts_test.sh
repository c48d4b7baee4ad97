#!/usr/bin/env bash
# Checks the Prometheus alerting rules with the real promtool:
#   1. deploy/prometheus/certstore-alerts.rules.yaml is exactly what
#      hack/render-alerts.sh renders with its defaults (no hand edits), and
#      the Helm chart's copy of the template is its current template
#      (hack/sync-chart.sh; tests/chart/chart_test.sh compares the rules);
#   2. the generator substitutes other thresholds and refuses bad ones;
#   3. `promtool check rules` accepts the file;
#   4. every alert has a severity, a summary, a description and a runbook_url
#      whose anchor is a heading in docs/alerts.md, and is exercised by a test;
#   5. `promtool test rules` passes tests/alerts/certstore-alerts.test.yaml.
# Usage: tests/alerts/alerts_test.sh [REPO_ROOT]. Exits non-zero on failure.
set -euo pipefail

root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"}
rules=$root/deploy/prometheus/certstore-alerts.rules.yaml
tests=$root/tests/alerts/certstore-alerts.test.yaml
runbook=$root/docs/alerts.md
render=$root/hack/render-alerts.sh

fail() { echo "alerts_test: FAIL: $*" >&2; exit 1; }
say() { echo "alerts_test: $*"; }

if ! command -v promtool >/dev/null 2>&1; then
  fail "promtool not found on PATH; install the Debian package 'prometheus' (hack/install-deps.sh does)"
fi
say "using $(promtool --version 2>&1 | head -n1)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Renders with only the given ALERTS_* settings (none from the caller's env).
render_with() { env -i PATH="$PATH" "$@" bash "$render"; }

say "1. $rules equals hack/render-alerts.sh output with defaults"
render_with >"$work/default.yaml"
if ! diff -u "$rules" "$work/default.yaml"; then
  fail "rules file differs from the generator; run: hack/render-alerts.sh > deploy/prometheus/certstore-alerts.rules.yaml"
fi

chart_template=$root/charts/certstore-operator/files/alerts/certstore-alerts.rules.template.yaml
env -i PATH="$PATH" bash "$render" --template >"$work/template.yaml"
if ! diff -u "$chart_template" "$work/template.yaml"; then
  fail "the Helm chart's copy of the alert template is stale; run: hack/sync-chart.sh"
fi
say "   and the chart's copy of the template is current"

say "2. generator: custom thresholds are substituted and valid; bad ones refused"
render_with ALERTS_EXPIRING_SOON_DAYS=7 ALERTS_EXPIRING_SOON_LIFETIME_FRACTION=0.25 \
  ALERTS_RENEWAL_GRACE_MINUTES=30 ALERTS_NOT_READY_FOR=1h ALERTS_RECONCILE_ERROR_RATIO=0.05 \
  ALERTS_RUNBOOK_BASE_URL=https://runbooks.example.org/certstore/alerts.md >"$work/custom.yaml"
for want in '< 7 * 86400' '* (0.25)' '> 30 * 60' 'for: 1h' '> 0.05' \
            'https://runbooks.example.org/certstore/alerts.md#certstorenotready'; do
  grep -qF -- "$want" "$work/custom.yaml" || fail "custom rendering lacks '$want'"
done
promtool check rules "$work/custom.yaml" >/dev/null || fail "custom rendering is not valid"
for bad in ALERTS_EXPIRING_SOON_DAYS=abc ALERTS_EXPIRING_SOON_DAYS=0 ALERTS_NOT_READY_FOR=15 \
           'ALERTS_EXPIRING_SOON_LIFETIME_FRACTION=1/6)' 'ALERTS_RUNBOOK_BASE_URL=a b'; do
  if render_with "$bad" >/dev/null 2>&1; then fail "generator accepted $bad"; fi
done

say "3. promtool check rules"
promtool check rules "$rules"

say "4. every alert: severity, summary, description, runbook anchor in docs/alerts.md, a test"
[ -f "$runbook" ] || fail "$runbook missing"
# One line per alert: name, severity, has summary, has description, runbook_url.
awk '
  function flush() { if (name != "") print name, sev, sum, desc, url }
  /^ *- alert: / { flush(); name = $3; sev = "-"; sum = 0; desc = 0; url = "-" }
  /^ *severity: / { sev = $2 }
  /^ *summary: / { sum = 1 }
  /^ *description: / { desc = 1 }
  /^ *runbook_url: / { url = $2; gsub(/"/, "", url) }
  END { flush() }' "$rules" >"$work/alerts.txt"
count=0
while read -r name sev sum desc url; do
  count=$((count + 1))
  case $sev in warning|critical) ;; *) fail "$name: severity '$sev' is not warning or critical" ;; esac
  [ "$sum" = 1 ] || fail "$name: no summary annotation"
  [ "$desc" = 1 ] || fail "$name: no description annotation"
  anchor=${url##*#}
  [ "$url" = "docs/alerts.md#$anchor" ] || fail "$name: runbook_url '$url' is not docs/alerts.md#<anchor>"
  [ "$anchor" = "$(tr '[:upper:]' '[:lower:]' <<<"$name")" ] || fail "$name: anchor '$anchor' is not the lowercase alert name"
  grep -qx "### $name" "$runbook" || fail "$name: no '### $name' heading (anchor #$anchor) in docs/alerts.md"
  grep -qE "alertname: $name\$" "$tests" || fail "$name: no alert_rule_test in $tests"
  say "   $name ($sev) ok"
done <"$work/alerts.txt"
[ "$count" -gt 0 ] || fail "no alerts found in $rules"

say "5. promtool test rules"
(cd "$(dirname "$tests")" && promtool test rules "$(basename "$tests")")

say "PASS: $count alerts"
