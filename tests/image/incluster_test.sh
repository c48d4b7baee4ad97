#!/usr/bin/env bash
# The image runs the operator with in-cluster configuration: a container from
# certstore-operator:dev (built by tests/image/image_test.sh, or hack/image.sh)
# gets a mounted ServiceAccount token and CA and KUBERNETES_SERVICE_HOST/PORT,
# exactly as a pod does, against a local control plane (hack/cluster.sh); it
# becomes ready (/readyz) and issues a CertStore. The ServiceAccount is bound
# to deploy/rbac, the rules the chart ships.
#   tests/image/incluster_test.sh [IMAGE]
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:-certstore-operator:dev}
docker image inspect "$image" >/dev/null 2>&1 ||
  { echo "incluster_test: image $image not built (run hack/image.sh)" >&2; exit 1; }

state=$(mktemp -d /tmp/certstore-incluster.XXXXXX)
rmdir "$state"
sa=$(mktemp -d /tmp/certstore-sa.XXXXXX)
name="certstore-incluster-$$"
cleanup() {
  docker logs "$name" >"$state.container.log" 2>&1 || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  hack/cluster.sh down "$state" >/dev/null 2>&1 || true
  rm -rf "$sa" "$state.container.log"
}
trap cleanup EXIT
fail() {
  echo "incluster_test: FAIL: $*" >&2
  echo "--- container log" >&2
  docker logs "$name" 2>&1 | tail -40 >&2 || true
  exit 1
}

echo "incluster_test: starting a control plane"
eval "$(CLUSTER_CRDS_DIR="$PWD/crds" hack/cluster.sh up "$state")"
# shellcheck source=/dev/null
source "$state/ports.env"
k() { "$KUBECTL" --kubeconfig "$state/admin.kubeconfig" "$@"; }
KUBECTL="$CERTSTORE_KUBECTL"

# shellcheck source=../../hack/lib/operator-incluster.sh
source hack/lib/operator-incluster.sh
KUBECONFIG_ADMIN="$state/admin.kubeconfig"
operator_serviceaccount certstore-system "$sa" "$state/pki/ca.crt"
health_port=$(free_port)
echo "incluster_test: running $image with in-cluster config (health on 127.0.0.1:$health_port)"
operator_container "$name" "$image" "$sa" "$APISERVER_PORT" certstore-system \
  --leader-elect --metrics-bind-address 0 --health-probe-bind-address "127.0.0.1:$health_port"

wait_ready "http://127.0.0.1:$health_port/readyz" 60 || fail "/readyz never said 'ok (leader)'"
echo "ok   - /readyz: ok (leader)"

k create namespace demo >/dev/null
k -n demo apply -f examples/mtls-lab.yaml >/dev/null
k -n demo wait --for=condition=Ready certstore.certstore.dev/server --timeout=60s >/dev/null ||
  fail "CertStore demo/server did not become Ready"
echo "ok   - CertStore demo/server Ready"
keys=$(k -n demo get secret mtls-server-stores -o jsonpath='{.data}' | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))))')
case "$keys" in
  *keystore.p12*truststore.p12*) echo "ok   - Secret demo/mtls-server-stores holds: $keys" ;;
  *) fail "Secret keys: $keys" ;;
esac
owner=$(k -n demo get secret mtls-server-stores -o jsonpath='{.metadata.ownerReferences[0].kind}')
[ "$owner" = CertStore ] || fail "ownerReference kind '$owner'"
echo "ok   - owned by the CertStore"

docker stop -t 10 "$name" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
docker logs "$name" 2>&1 | grep -q "PRIVATE KEY" && fail "the log holds key material"
echo "ok   - SIGTERM: clean exit 0; no key material in the log"
echo "incluster_test: all passed"
