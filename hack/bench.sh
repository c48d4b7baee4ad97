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
#       Ready, throughput, peak/idle RSS and heap, API writes per issuance,
#       idle CPU, start-up with all of them Ready (time, reads, writes),
#       apply-to-Ready p50/p99; then idle RSS with 10,000 unrelated 100 KB
#       Secrets, and with 500 labelled 1 MiB Secrets forged to look like
#       the operator's own. A fresh control plane for each run.
#   hack/bench.sh cache [N]           memory per cached object: N (10000)
#       CertStores and managed Secrets as JSON text and as cached now.
#   hack/bench.sh foreign [M]         only the last: M (500) forged labelled
#       1 MiB Secrets.
#   hack/bench.sh json [REPETITIONS] [RUNS]  the JSON library choice
#       (issue 14): installs the candidates' Debian packages
#       (nlohmann-json3-dev, rapidjson-dev, libsimdjson-dev), builds the
#       standalone tests/bench/json project into build-json-bench/ (Release,
#       -O2; the operator's build never depends on the candidates), checks
#       that every library decodes and writes the same values, then runs it
#       RUNS (3) times with REPETITIONS (5) each and prints markdown tables
#       (median of the runs' medians): list page and watch event decoding,
#       heap held by a parsed page, writers, behaviour on hostile input.
# Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-pki}
hack/install-deps.sh >/dev/null
mkdir -p out/bench

if [ "$what" = json ]; then
  reps=${2:-5}
  runs=${3:-3}
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  candidates=(nlohmann-json3-dev rapidjson-dev libsimdjson-dev)
  echo "bench: installing the JSON candidates: ${candidates[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq --no-install-recommends "${candidates[@]}" >/dev/null; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${candidates[@]}" >/dev/null
  fi
  launcher=()
  if command -v ccache >/dev/null; then
    export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/certstore-operator/ccache}
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  echo "bench: building build-json-bench/ (tests/bench/json, Release, -O2)"
  cmake -S tests/bench/json -B build-json-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "${launcher[@]}" >/dev/null
  ninja -C build-json-bench -j2 >/dev/null
  echo "bench: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for p in nlohmann-json3-dev rapidjson-dev libsimdjson-dev libsimdjson14 libcpprest-dev \
    libyaml-cpp-dev libssl-dev libbenchmark-dev; do
    echo "bench: package $p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo missing)"
  done
  # Several runs, each with its repetitions in random order, so a burst of
  # load from elsewhere lands on every library alike.
  rm -f out/bench/json-*.json
  for r in $(seq 1 "$runs"); do
    echo "bench: json_benchmark run $r of $runs ($reps repetitions, interleaved); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    build-json-bench/json_benchmark --benchmark_repetitions="$reps" --benchmark_min_time=0.5 \
      --benchmark_enable_random_interleaving=true \
      --benchmark_report_aggregates_only=true --benchmark_format=json >"out/bench/json-$r.json"
  done
  echo "bench: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 - out/bench/json-*.json <<'PY'
import json, statistics, sys
runs = [json.load(open(f)) for f in sys.argv[1:]]
ctx = runs[0]["context"]
per_run = {}  # benchmark -> [median CPU time of each run, ns]
for data in runs:
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
            per_run.setdefault(b["run_name"], []).append(b["cpu_time"] * scale)
med = {k: statistics.median(v) for k, v in per_run.items()}
# spread: (slowest run - fastest run) / median, across the runs' medians
cv = {k: (max(v) - min(v)) / statistics.median(v) for k, v in per_run.items()}
ids = [k[len("lib/"):] for k in ctx if k.startswith("lib/")]
order = ["nlohmann", "rapidjson", "rapidjson_insitu", "rapidjson_safe",
         "simdjson_dom", "simdjson_ondemand", "cpprest", "yamlcpp"]
ids = [i for i in order if i in ids] + [i for i in ids if i not in order]
def title(i):
    t, v = ctx["lib/" + i].split("|")
    return f"{t} {v}".strip()
page = int(ctx["fixture/page_bytes"])
cs, sec = ctx["fixture/certstore_event_bytes"], ctx["fixture/secret_event_bytes"]
def ms(name):
    return f"{med[name] / 1e6:.2f}" if name in med else "-"
def mbs(name):
    return f"{page / (med[name] / 1e9) / 1e6:,.0f}" if name in med else "-"
def ns(name):
    return f"{med[name]:,.0f}" if name in med else "-"
def mib(b):
    return f"{int(b) / 1048576:.1f}"
print(f"List page: {page:,} bytes, 500 Secrets (6 data keys each). CPU time, median of")
print(f"{len(runs)} runs' medians; spread = (slowest - fastest run) / median.")
print("MB/s = 10^6 bytes of page per second. Memory: heap held by the parse result,")
print("not counting the page text itself (an in-situ or padded copy is counted).")
print("Syntax check only: the library's SAX parser with a do-nothing handler.")
print()
print("| library | parse (ms) | parse (MB/s) | syntax check only (ms) "
      "| parse + walk to typed objects (ms) | + SHA-256 per data value (ms) "
      "| with SHA-256 (MB/s) | spread | DOM peak (MiB) | DOM retained (MiB) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for i in ids:
    peak, retained = ctx["memory/" + i].split("|")[0].split()[:2]
    w = "page/walk_sha256/" + i
    spread = f"{cv[w] * 100:.0f}%" if w in cv else "-"
    print(f"| {title(i)} | {ms('page/parse/' + i)} | {mbs('page/parse/' + i)} "
          f"| {ms('page/syntax/' + i)} | {ms('page/walk/' + i)} | {ms(w)} | {mbs(w)} | {spread} "
          f"| {mib(peak)} | {mib(retained)} |")
print(f"| reference: memcpy of the page | {ms('page/reference/memcpy')} "
      f"| {mbs('page/reference/memcpy')} | | | | | | | |")
print(f"| reference: SHA-256 of the 3,000 values alone | | | | "
      f"| {ms('page/reference/sha256_only')} | | | | |")
print()
print(f"Watch events (one line each: CertStore {cs} bytes, Secret {sec} bytes,")
print("decoded to typed objects, Secret data digested) and writers (a Secret with")
print("6 base64 data keys; a status merge patch with 2 conditions), ns per call;")
print("spread as above, of the CertStore event:")
print()
print("| library | CertStore event | spread | Secret event | write Secret | write status patch |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for i in ids:
    ws = ns("write/secret/" + i)
    wp = ns("write/status/" + i)
    if ws == "-":
        ws = wp = "no writer" if i != "rapidjson_insitu" else "(as RapidJSON)"
    c = "watch/certstore/" + i
    spread = f"{cv[c] * 100:.0f}%" if c in cv else "-"
    print(f"| {title(i)} | {ns(c)} | {spread} | {ns('watch/secret/' + i)} "
          f"| {ws} | {wp} |")
print()
print("Checks (list page with and without digests, both events, escapes, each")
print("writer's output read back by every library):")
print()
for i in ids:
    print(f"- {i}: {ctx['check/' + i]}")
print()
print("Behaviour on input a tenant could shape (each probe in a child process):")
print()
print("| probe | " + " | ".join(ids) + " |")
print("| --- |" + " --- |" * len(ids))
n = 0
while f"probe/{n}/title" in ctx:
    row = [ctx[f"probe/{n}/{i}"] for i in ids]
    print(f"| {ctx[f'probe/{n}/title']} | " + " | ".join(row) + " |")
    n += 1
print()
print("simdjson kernels: " + ctx["simdjson/implementations"])
PY
  exit 0
fi

hack/build.sh release >/dev/null

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
if [ "$what" = cache ]; then
  echo "bench: memory per cached object (${2:-10000} of each)"
  build/tests/cache_memory_benchmark "${2:-10000}"
  exit 0
fi
if [ "$what" = metrics ]; then
  echo "bench: /metrics scrape (per-object series from the Inventory)"
  build/tests/metrics_benchmark --benchmark_min_time=1 --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true
  exit 0
fi
[ "$what" = pki ] || { echo "usage: hack/bench.sh pki|informer|metrics|cache|scale|foreign|json [N]" >&2; exit 2; }
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
