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

k create namespace certstore-system >/dev/null
k -n certstore-system create serviceaccount certstore-operator >/dev/null
k apply -f deploy/rbac/clusterrole.yaml >/dev/null
k create clusterrolebinding certstore-operator-incluster --clusterrole=certstore-operator \
  --serviceaccount=certstore-system:certstore-operator >/dev/null
k -n certstore-system create rolebinding leader-election \
  --clusterrole=certstore-operator-leader-election \
  --serviceaccount=certstore-system:certstore-operator >/dev/null
chmod 0755 "$sa"
k -n certstore-system create token certstore-operator --duration=1h >"$sa/token"
cp "$state/pki/ca.crt" "$sa/ca.crt"
printf certstore-system >"$sa/namespace"
chmod 0644 "$sa"/*

health_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "incluster_test: running $image with in-cluster config (health on 127.0.0.1:$health_port)"
docker run -d --name "$name" --network host \
  -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e KUBERNETES_SERVICE_PORT="$APISERVER_PORT" \
  -e POD_NAMESPACE=certstore-system -e POD_NAME="$name" \
  -v "$sa":/var/run/secrets/kubernetes.io/serviceaccount:ro \
  "$image" --leader-elect --metrics-bind-address 0 \
  --health-probe-bind-address "127.0.0.1:$health_port" >/dev/null

ready=""
for _ in $(seq 1 60); do
  ready=$(curl -sf --max-time 2 "http://127.0.0.1:$health_port/readyz" || true)
  [ "$ready" = "ok (leader)" ] && break
  sleep 1
done
[ "$ready" = "ok (leader)" ] || fail "/readyz never said 'ok (leader)' (last: '$ready')"
echo "ok   - /readyz: $ready"

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
