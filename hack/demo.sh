#!/usr/bin/env bash
# The main job: certstore-operator end to end on this machine.
#   1. installs dependencies, builds the binaries and the local control plane
#      (the first control-plane build compiles Kubernetes from source: 20-45
#      minutes on two cores; later runs take seconds),
#   2. starts a local Kubernetes control plane (hack/cluster.sh),
#   3. builds the operator image and runs it as a pod would (in-cluster
#      configuration, a ServiceAccount bound to the chart's RBAC) when the
#      Docker engine is available, else runs the binary as a process,
#   4. installs the CRDs from the Helm chart, applies examples/mtls-lab.yaml,
#      waits until the CertStores are Ready, shows them and what
#      kubectl-certstore inspect finds in their Secrets,
#   5. runs `kubectl certstore status`, `inspect secret/` and `diagnose` on
#      the lab pair and on a deliberately broken pair (a client without a
#      keystore),
#   6. runs a Java mutual-TLS handshake (HTTP 200) with the stores taken from
#      the Secrets, and shows the expiry metrics the operator exports.
# Everything keeps running afterwards; `hack/demo.sh down` tears it down.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${CERTSTORE_DEMO_DIR:-/tmp/certstore-demo-$(id -un)}
OUT=out/demo
NAME=certstore-operator-demo
say() { printf '\n== %s\n' "$*"; }

if [ "${1:-}" = down ]; then
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  if [ -f "$STATE/operator.pid" ]; then kill "$(cat "$STATE/operator.pid")" 2>/dev/null || true; fi
  hack/cluster.sh down "$STATE"
  echo "demo: stopped"
  exit 0
fi

say "1. dependencies, build, control-plane binaries"
hack/install-deps.sh
hack/build.sh release
echo "demo: control-plane binaries (the first build compiles Kubernetes: 20-45 min on 2 cores)"
hack/controlplane/build.sh >/dev/null

say "2. local control plane in $STATE"
eval "$(CLUSTER_CRDS_DIR="$PWD/crds" hack/cluster.sh up "$STATE")"
# shellcheck source=/dev/null
source "$STATE/ports.env"
KUBECTL=$CERTSTORE_KUBECTL
KUBECONFIG_ADMIN=$STATE/admin.kubeconfig
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
HELM="$(hack/controlplane/build.sh --env 2>/dev/null | sed -n 's/^HELM_BIN_DIR=//p')/helm"
if [ -d charts/certstore-operator ]; then
  echo "demo: CRDs from the Helm chart"
  "$HELM" template certstore-operator charts/certstore-operator --show-only templates/crds.yaml |
    k apply -f - >/dev/null
else
  k apply -f crds/ >/dev/null
fi

say "3. the operator"
# shellcheck source=lib/operator-incluster.sh
source hack/lib/operator-incluster.sh
docker rm -f "$NAME" >/dev/null 2>&1 || true
if [ -f "$STATE/operator.pid" ]; then kill "$(cat "$STATE/operator.pid")" 2>/dev/null || true; fi
operator_serviceaccount certstore-system "$STATE/serviceaccount" "$STATE/pki/ca.crt"
health_port=$(free_port)
metrics_port=$(free_port)
args=(--leader-elect --health-probe-bind-address "127.0.0.1:$health_port"
  --metrics-bind-address "127.0.0.1:$metrics_port" --log-format text)
if docker info >/dev/null 2>&1; then
  echo "demo: building the image (hack/image.sh; the first build takes minutes)"
  hack/image.sh certstore-operator:dev
  operator_container "$NAME" certstore-operator:dev "$STATE/serviceaccount" "$APISERVER_PORT" \
    certstore-system "${args[@]}"
  echo "demo: operator running as container $NAME (logs: docker logs $NAME)"
else
  echo "demo: no Docker engine; running build/bin/certstore-operator as a process"
  sa_config=$STATE/operator.kubeconfig
  hack/cluster.sh sa-kubeconfig --state "$STATE" certstore-system certstore-operator "$sa_config" >/dev/null
  POD_NAMESPACE=certstore-system build/bin/certstore-operator --kubeconfig "$sa_config" \
    "${args[@]}" >"$STATE/operator.log" 2>&1 &
  echo $! >"$STATE/operator.pid"
  echo "demo: operator pid $(cat "$STATE/operator.pid") (log: $STATE/operator.log)"
fi
wait_ready "http://127.0.0.1:$health_port/readyz" 60
echo "demo: /readyz says ok (leader)"

say "4. the mTLS lab: examples/mtls-lab.yaml in namespace demo"
k create namespace demo --dry-run=client -o yaml | k apply -f - >/dev/null
k -n demo apply -f examples/mtls-lab.yaml
k -n demo wait --for=condition=Ready certstore.certstore.dev/server certstore.certstore.dev/client --timeout=120s
k -n demo get certstores
mkdir -p "$OUT"
for pair in server:mtls-server-stores client:mtls-client-stores; do
  role=${pair%%:*} secret=${pair#*:}
  k -n demo get secret "$secret" -o json | python3 -c '
import base64, json, sys
out, role = sys.argv[1], sys.argv[2]
data = json.load(sys.stdin)["data"]
for key, name in (("keystore.p12", role + ".p12"), ("truststore.p12", role + "-trust.p12"),
                  ("password", role + ".password")):
    with open(out + "/" + name, "wb") as f:
        f.write(base64.b64decode(data[key]))
' "$OUT" "$role"
  echo "demo: Secret demo/$secret -> $OUT/$role.p12, $role-trust.p12, $role.password"
done
echo "-- kubectl certstore status server (the stores read from the Secret)"
plugin() { build/bin/kubectl-certstore "$@" --kubeconfig "$KUBECONFIG_ADMIN"; }
plugin status server -n demo
echo "-- kubectl certstore inspect secret/mtls-server-stores (opened with its own password)"
plugin inspect secret/mtls-server-stores -n demo | grep -E '^(==|Type|Entry|Consistency|  (OK|MISMATCH))'

say "5. kubectl certstore diagnose: the lab pair, then a deliberately broken one"
plugin diagnose --server demo/server --client demo/client
# A client with only a truststore: the server requires a client certificate.
k -n demo apply -f - <<'YAML'
apiVersion: certstore.dev/v1alpha1
kind: CertStore
metadata: {name: client-without-keystore}
spec:
  issuerRef: {kind: ClusterCertIssuer, name: lab-root-ca}
  secretName: client-without-keystore-stores
  truststore: {}
YAML
k -n demo wait --for=condition=Ready certstore.certstore.dev/client-without-keystore --timeout=60s
if plugin diagnose --server demo/server --client demo/client-without-keystore; then
  echo "demo: diagnose predicted success for a client without keystore" >&2
  exit 1
fi
echo "demo: diagnose predicts the failure (exit 1) and names the fix"

say "6. Java mutual TLS with the stores from the Secrets"
# shellcheck source=lib/mtls-handshake.sh
source hack/lib/mtls-handshake.sh
run_mtls_handshake "$OUT"

say "7. expiry metrics (http://127.0.0.1:$metrics_port/metrics)"
curl -sf "http://127.0.0.1:$metrics_port/metrics" |
  grep -E '^certstore_(certificate_not_after|truststore_certificate_not_after|issuer_ca_not_after)' |
  grep 'namespace="demo"\|ClusterCertIssuer' || true

cat <<MSG

demo: done. Still running: the control plane ($STATE) and the operator.
  export KUBECONFIG=$KUBECONFIG_ADMIN KUBECTL=$KUBECTL
  \$KUBECTL get cstore -n demo
  curl -s http://127.0.0.1:$metrics_port/metrics | grep certstore_
Tear down with: hack/demo.sh down
MSG
