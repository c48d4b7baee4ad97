#!/usr/bin/env bash
# Copies the files the Helm chart shares with the rest of the repository into
# charts/certstore-operator/files/, so that the chart is self-contained (a
# packaged chart cannot read files outside its directory) while each of them
# keeps exactly one source:
#
#   source (edit this)                       copy in the chart
#   crds/*.yaml                              files/crds/*.yaml
#   deploy/rbac/*.yaml                       files/rbac/*.yaml (clusterrole.yaml:
#                                            cluster-wide install; namespaced.yaml:
#                                            with watchNamespaces)
#   hack/render-alerts.sh (its template)     files/alerts/certstore-alerts.rules.template.yaml
#   deploy/grafana/certstore-dashboard.json  files/grafana/certstore-dashboard.json
#
# The chart's templates read the copies with .Files.Get; nothing in them is
# written by hand. tests/chart/chart_test.sh and tests/alerts/alerts_test.sh
# run `hack/sync-chart.sh --check`, which changes nothing and fails (listing
# the stale files) when a copy differs from its source.
#
# Usage: hack/sync-chart.sh [--check]     Idempotent.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
files="$root/charts/certstore-operator/files"
mode=sync
case ${1:-} in
  --check) mode=check ;;
  '') ;;
  *) echo "sync-chart: unknown argument '$1' (usage: hack/sync-chart.sh [--check])" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build the wanted files/ tree in $work, then compare or copy it over.
mkdir -p "$work/crds" "$work/rbac" "$work/alerts" "$work/grafana"
cp "$root"/crds/*.yaml "$work/crds/"
cp "$root"/deploy/rbac/*.yaml "$work/rbac/"
bash "$root/hack/render-alerts.sh" --template >"$work/alerts/certstore-alerts.rules.template.yaml"
cp "$root/deploy/grafana/certstore-dashboard.json" "$work/grafana/"

if [ "$mode" = check ]; then
  if ! diff -r "$work" "$files" >"$work.diff" 2>&1; then
    cat "$work.diff" >&2
    rm -f "$work.diff"
    echo "sync-chart: charts/certstore-operator/files/ is stale; run hack/sync-chart.sh" >&2
    exit 1
  fi
  rm -f "$work.diff"
  echo "sync-chart: charts/certstore-operator/files/ matches its sources"
  exit 0
fi

for dir in crds rbac alerts grafana; do
  mkdir -p "$files/$dir"
  # Remove copies whose source is gone, then copy (only what changed).
  for f in "$files/$dir"/*; do
    [ -e "$f" ] || continue
    [ -e "$work/$dir/$(basename "$f")" ] || { echo "sync-chart: removing $dir/$(basename "$f")"; rm -f "$f"; }
  done
  for f in "$work/$dir"/*; do
    dst="$files/$dir/$(basename "$f")"
    if ! cmp -s "$f" "$dst"; then
      echo "sync-chart: updating $dir/$(basename "$f")"
      cp "$f" "$dst"
    fi
  done
done
echo "sync-chart: charts/certstore-operator/files/ is in sync"
