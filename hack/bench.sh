#!/usr/bin/env bash
# Benchmarks; results go to docs/benchmarks.md by hand, with the machine.
#   hack/bench.sh pki [REPETITIONS]   PKI: our code beside the raw OpenSSL
#       calls doing the same work; markdown table of medians and ratios;
#       fails if issuance + encoding costs more than 1.3x the primitives.
#   hack/bench.sh informer [N]        informer over N (10000) Secrets on a
#       local control plane: time to sync, memory per cached object.
#   hack/bench.sh metrics             /metrics scrape with 1,000 and 10,000
#       CertStores, and the Inventory update cost per object change.
#   hack/bench.sh scale [N...]        the operator on a local control plane:
#       N (default 1000 10000) EC CertStores, then 1000 RSA-2048: time to all
#       Ready, throughput, peak/idle RSS, API writes per issuance, idle CPU,
#       apply-to-Ready p50/p99; then idle RSS with 10,000 unrelated 100 KB
#       Secrets, and with 500 labelled 1 MiB Secrets forged to look like
#       the operator's own. A fresh control plane for each run.
#   hack/bench.sh foreign [M]         only the last: M (500) forged labelled
#       1 MiB Secrets.
# Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-pki}
hack/install-deps.sh >/dev/null
hack/build.sh release >/dev/null
mkdir -p out/bench

if [ "$what" = informer ]; then
  n=${2:-10000}
  hack/controlplane/build.sh >/dev/null
  state=$(mktemp -d /tmp/certstore-bench.XXXXXX)
  rmdir "$state"
  trap 'hack/cluster.sh down "$state" >/dev/null 2>&1 || true' EXIT
  echo "bench: starting a control plane in $state"
  hack/cluster.sh up "$state" >/dev/null
  echo "bench: informer over $n Secrets"
  build/tests/informer_benchmark "$state/admin.kubeconfig" informer-bench "$n"
  exit 0
fi
if [ "$what" = scale ] || [ "$what" = foreign ]; then
  shift
  sizes=("$@")
  [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
  hack/controlplane/build.sh >/dev/null
  run() {  # a fresh control plane per measurement: no leftovers in etcd
    local state
    state=$(mktemp -d /tmp/certstore-bench.XXXXXX)
    rmdir "$state"
    eval "$(CLUSTER_CRDS_DIR="$PWD/crds" hack/cluster.sh up "$state")"
    KUBECTL="$CERTSTORE_KUBECTL --kubeconfig $KUBECONFIG" \
      build/tests/scale_benchmark "$1" "$KUBECONFIG" build/bin/certstore-operator "${@:2}" ||
      { hack/cluster.sh down "$state" >/dev/null 2>&1; return 1; }
    hack/cluster.sh down "$state" >/dev/null 2>&1 || true
  }
  echo "bench: scale on $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  if [ "$what" = foreign ]; then
    echo "bench: forged labelled Secrets"; run foreign "${sizes[0]:-500}"
    exit 0
  fi
  for n in "${sizes[@]}"; do echo "bench: $n EC"; run scale "$n" EC; done
  echo "bench: 1000 EC, PEM only"; run scale 1000 EC PEM
  echo "bench: 1000 RSA"; run scale 1000 RSA
  echo "bench: unrelated Secrets"; run unrelated 10000
  echo "bench: forged labelled Secrets"; run foreign 500
  exit 0
fi
if [ "$what" = metrics ]; then
  echo "bench: /metrics scrape (per-object series from the Inventory)"
  build/tests/metrics_benchmark --benchmark_min_time=1 --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true
  exit 0
fi
[ "$what" = pki ] || { echo "usage: hack/bench.sh pki|informer|metrics|scale [N]" >&2; exit 2; }
reps=${2:-5}
echo "bench: running pki_benchmark ($reps repetitions; the machine should be idle)"
build/tests/pki_benchmark --benchmark_repetitions="$reps" --benchmark_min_time=0.5 \
  --benchmark_report_aggregates_only=true --benchmark_format=json >out/bench/pki.json
python3 - out/bench/pki.json <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
med = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") == "median":
        med[b["run_name"]] = (b["cpu_time"], b["time_unit"], b.get("label", ""))
def ms(name):
    t, unit, _ = med[name]
    return t / {"ns": 1e6, "us": 1e3, "ms": 1.0, "s": 1e-3}[unit]
pairs = [
    ("keygen RSA-2048", "BM_Keygen/0", "BM_RawKeygen/0"),
    ("keygen ECDSA P-256", "BM_Keygen/1", "BM_RawKeygen/1"),
    ("keygen ECDSA P-384", "BM_Keygen/2", "BM_RawKeygen/2"),
    ("keygen Ed25519", "BM_Keygen/3", "BM_RawKeygen/3"),
    ("issue leaf (ECDSA P-256 CA)", "BM_IssueLeaf", "BM_RawIssue"),
    ("PKCS12 keystore Modern2023", "BM_Pkcs12Keystore/0", "BM_RawPkcs12Create/0"),
    ("PKCS12 keystore LegacyDES", "BM_Pkcs12Keystore/1", "BM_RawPkcs12Create/1"),
    ("PKCS12 truststore Modern2023", "BM_Pkcs12Truststore", "BM_RawPkcs12Truststore"),
    ("PEM tls.crt + tls.key", "BM_PemEncode", "BM_RawPemEncode"),
    ("issue + encode (key, cert, p12 keystore, p12 truststore, PEM)", "BM_IssueAndEncode", "BM_RawIssueAndEncode"),
]
print("| operation | ours (ms) | raw OpenSSL (ms) | ratio |")
print("| --- | ---: | ---: | ---: |")
ratio_total = None
for title, ours, raw in pairs:
    o, r = ms(ours), ms(raw)
    print(f"| {title} | {o:.3f} | {r:.3f} | {o / r:.2f} |")
    if ours == "BM_IssueAndEncode":
        ratio_total = o / r
print(f"| JKS keystore (no OpenSSL equivalent) | {ms('BM_JksKeystore'):.3f} | - | - |")
print()
print(f"issue + encode overhead ratio: {ratio_total:.2f} (target <= 1.30)")
sys.exit(0 if ratio_total <= 1.30 else 1)
PY
