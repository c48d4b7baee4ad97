#!/usr/bin/env bash
# Smoke test of the local test control plane (hack/cluster.sh): starts a real
# etcd + kube-apiserver + kube-controller-manager on 127.0.0.1, checks versions,
# the repo's CRDs (apply, Established, schema validation), garbage collection,
# RBAC with the kubeconfig helpers, helm, a second concurrent cluster, and that
# `down` leaves no process or listening port behind.
# Prints "N passed, N failed" last; exits non-zero if anything failed.
# Usage: tests/smoke/controlplane_smoke.sh [STATE_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="$ROOT/hack/cluster.sh"
# shellcheck source=SCRIPTDIR/../../hack/controlplane/versions.env
source "$ROOT/hack/controlplane/versions.env"
CRDS="$ROOT/crds"
DEADLINE=60 # seconds, for every wait below

WORK="$(mktemp -d "${TMPDIR:-/tmp}/certstore-smoke-XXXXXX")"
STATE="${1:-$WORK/cluster}"
STATE2="$WORK/cluster2"
PASSED=0
FAILED=0
STATE_UP=0
STATE2_UP=0

say() { echo "smoke: $*"; }
pass() { PASSED=$((PASSED + 1)); echo "PASS: $1"; }
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL: $1"
  [ -f "$WORK/out" ] && sed 's/^/    | /' "$WORK/out" | tail -n 30
}
# check DESCRIPTION COMMAND...: runs COMMAND (output in $WORK/out), records the result.
check() {
  local what="$1"
  shift
  if "$@" >"$WORK/out" 2>&1; then pass "$what"; else fail "$what"; fi
}
# poll SECONDS COMMAND...: retries COMMAND every 0.5 s until it succeeds or time is up.
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "timed out after ${DEADLINE}s: $*"; return 1; }
    sleep 0.5
  done
}

finish() {
  local rc=$?
  if [ "$STATE2_UP" = 1 ]; then "$CLUSTER" down "$STATE2" >/dev/null 2>&1 || true; fi
  if [ "$STATE_UP" = 1 ]; then "$CLUSTER" down "$STATE" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
  if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then FAILED=1; echo "FAIL: smoke script aborted (exit $rc)"; fi
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
trap finish EXIT

# --- up ---------------------------------------------------------------------------
say "building (cached) and starting a cluster in $STATE"
t0=$SECONDS
if "$CLUSTER" up "$STATE" >"$WORK/up.env" 2>"$WORK/out"; then
  STATE_UP=1
  # shellcheck disable=SC1091
  source "$WORK/up.env"
  pass "cluster up in $((SECONDS - t0))s (KUBECONFIG=$KUBECONFIG)"
else
  STATE_UP=1 # a half-started cluster must still be torn down
  fail "hack/cluster.sh up $STATE"
  exit 1
fi
K() { "$CERTSTORE_KUBECTL" "$@"; }
# helm keeps its cache and config inside the work dir
export HELM_CACHE_HOME="$WORK/helm/cache" HELM_CONFIG_HOME="$WORK/helm/config" HELM_DATA_HOME="$WORK/helm/data"
NS="smoke-$$"

version_matches() {
  K version -o json >"$WORK/version.json" || return 1
  cat "$WORK/version.json"
  # Both clientVersion and serverVersion must be the pinned release.
  [ "$(grep -c "\"gitVersion\": \"$KUBE_VERSION\"" "$WORK/version.json")" -eq 2 ]
}
check "kubectl version: client and server are $KUBE_VERSION" version_matches

status_ok() { "$CLUSTER" status "$STATE"; }
check "cluster.sh status reports a running cluster" status_ok

# --- CRDs -------------------------------------------------------------------------
check "kubectl apply -f crds/" K apply -f "$CRDS"
check "CRDs Established" K wait --for=condition=Established --timeout="${DEADLINE}s" -f "$CRDS"
check "namespace $NS created" K create namespace "$NS"

cat >"$WORK/certstore.yaml" <<EOF
apiVersion: certstore.dev/v1alpha1
kind: CertStore
metadata:
  name: smoke
  namespace: $NS
spec:
  issuerRef:
    name: smoke-ca
  secretName: smoke-tls
  keystore:
    commonName: smoke.example
EOF
check "valid CertStore created" K apply -f "$WORK/certstore.yaml"
readback() { [ "$(K -n "$NS" get certstores.certstore.dev smoke -o jsonpath='{.spec.secretName}')" = smoke-tls ]; }
check "CertStore read back" readback
# kubectl habits: the singular name reads one CertStore (a category equal to
# it would swallow it), the category lists every kind of ours.
singular() { [ "$(K -n "$NS" get certstore smoke -o jsonpath='{.metadata.name}')" = smoke ]; }
check "kubectl get certstore NAME reads one CertStore" singular
short_name() { [ "$(K -n "$NS" get cstore smoke -o jsonpath='{.metadata.name}')" = smoke ]; }
check "kubectl get cstore NAME (short name)" short_name
cat >"$WORK/issuer.yaml" <<EOF
apiVersion: certstore.dev/v1alpha1
kind: CertIssuer
metadata:
  name: smoke-ca
  namespace: $NS
spec:
  selfSigned:
    secretName: smoke-ca
    commonName: Smoke Root
EOF
check "CertIssuer created" K apply -f "$WORK/issuer.yaml"
category() {
  K -n "$NS" get certstore-operator -o name >"$WORK/category.txt" || return 1
  cat "$WORK/category.txt"
  grep -qx "certstore.certstore.dev/smoke" "$WORK/category.txt" &&
    grep -qx "certissuer.certstore.dev/smoke-ca" "$WORK/category.txt"
}
check "kubectl get certstore-operator lists CertStores and CertIssuers" category
# Printer columns, with a status as the operator writes it (no operator
# runs here): a future expiry reads as a date, never "<invalid>" (what a
# date-typed column prints for a time that has not come yet).
status_patch() { # KIND NAME READY REASON
  K -n "$NS" patch "$1" "$2" --subresource=status --type=merge -p "$(printf \
    '{"status":{"notAfter":"2031-01-02T03:04:05Z","conditions":[{"type":"Ready","status":"%s","reason":"%s","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}' \
    "$3" "$4")" >/dev/null
}
columns() {
  status_patch certstore smoke False PolicyDenied || return 1
  status_patch certissuer smoke-ca True CAReady || return 1
  K -n "$NS" get certstore smoke >"$WORK/cs-columns.txt" || return 1
  K -n "$NS" get certissuer smoke-ca >"$WORK/ci-columns.txt" || return 1
  cat "$WORK/cs-columns.txt" "$WORK/ci-columns.txt"
  head -1 "$WORK/cs-columns.txt" | grep -Eq '^NAME +READY +REASON +SECRET +ISSUER +EXPIRES +AGE$' &&
    grep -Eq '^smoke +False +PolicyDenied +smoke-tls +smoke-ca +2031-01-02T03:04:05Z ' "$WORK/cs-columns.txt" &&
    head -1 "$WORK/ci-columns.txt" | grep -Eq '^NAME +READY +REASON +EXPIRES +AGE$' &&
    grep -Eq '^smoke-ca +True +CAReady +2031-01-02T03:04:05Z ' "$WORK/ci-columns.txt" &&
    ! grep -q '<invalid>' "$WORK/cs-columns.txt" "$WORK/ci-columns.txt"
}
check "printer columns: Ready, Reason, Issuer, Expires as a date" columns
# kubectl explain reads the API server's OpenAPI: every field of our kinds
# (spec and status, at any depth) has a description there, and explain
# prints it.
explain_texts() {
  K get --raw /openapi/v3/apis/certstore.dev/v1alpha1 >"$WORK/openapi.json" || return 1
  python3 - "$WORK/openapi.json" <<'PY' || return 1
import json, sys
doc = json.load(open(sys.argv[1]))
missing, seen = [], 0
def walk(node, path):
    global seen
    for name, prop in (node.get("properties") or {}).items():
        p = path + "." + name
        if name in ("metadata", "apiVersion", "kind") and path.count(".") == 0:
            continue
        seen += 1
        target = prop
        for sub in prop.get("allOf") or []:
            target = {**sub, **target}
        if not (prop.get("description") or target.get("description")):
            missing.append(p)
        walk(target, p)
    items = node.get("items")
    if isinstance(items, dict):
        walk(items, path + "[]")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        walk(extra, path + "{}")
for name, schema in doc["components"]["schemas"].items():
    if name.split(".")[-1] in ("CertStore", "CertIssuer", "ClusterCertIssuer"):
        walk(schema, name.split(".")[-1])
print("fields checked:", seen)
if missing or seen < 100:
    print("fields without a description:", *missing, sep="\n  ")
    sys.exit(1)
PY
  K explain certstore.spec.keystore.usages >"$WORK/explain.txt" || return 1
  cat "$WORK/explain.txt"
  grep -q 'serverAuth' "$WORK/explain.txt"
}
check "kubectl explain: every field of CertStore, CertIssuer, ClusterCertIssuer has a description" explain_texts

sed -e 's/name: smoke$/name: smoke-bogus/' "$WORK/certstore.yaml" >"$WORK/bogus.yaml"
printf '  formats:\n  - BOGUS\n' >>"$WORK/bogus.yaml"
rejected() {
  if K apply -f "$WORK/bogus.yaml"; then echo "accepted an invalid CertStore"; return 1; fi
  return 0
}
schema_message() {
  K apply -f "$WORK/bogus.yaml" >"$WORK/bogus.out" 2>&1 || true
  cat "$WORK/bogus.out"
  grep -q 'spec.formats\[0\]: Unsupported value: "BOGUS"' "$WORK/bogus.out"
}
check "CertStore with spec.formats [BOGUS] rejected" rejected
check "rejection carries the schema message" schema_message

# --- garbage collection -----------------------------------------------------------
owned_secret() { # name owner-name owner-uid
  cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: $1
  namespace: $NS
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: $2
    uid: $3
stringData:
  k: v
EOF
}
gone() { # kind name: true once the API server says NotFound
  if K -n "$NS" get "$1" "$2" >"$WORK/get.out" 2>&1; then return 1; fi
  grep -q NotFound "$WORK/get.out"
}
gc_cascade() {
  K -n "$NS" create configmap gc-owner --from-literal=a=b || return 1
  local uid
  uid="$(K -n "$NS" get configmap gc-owner -o jsonpath='{.metadata.uid}')"
  owned_secret gc-dependent gc-owner "$uid" | K apply -f - || return 1
  K -n "$NS" delete configmap gc-owner --wait=true || return 1
  poll "$DEADLINE" gone secret gc-dependent
}
gc_dangling() {
  # The owner (and its uid) is gone before the dependent is even created.
  K -n "$NS" create configmap gc-owner2 --from-literal=a=b || return 1
  local uid
  uid="$(K -n "$NS" get configmap gc-owner2 -o jsonpath='{.metadata.uid}')"
  K -n "$NS" delete configmap gc-owner2 --wait=true || return 1
  owned_secret gc-dangling gc-owner2 "$uid" | K apply -f - || return 1
  poll "$DEADLINE" gone secret gc-dangling
}
check "Secret owned by a deleted ConfigMap is garbage-collected (cascade)" gc_cascade
check "Secret with a dangling ownerReference is garbage-collected" gc_dangling

# --- RBAC and the kubeconfig helpers ------------------------------------------------
# forbidden KUBECONFIG ARGS...: true if the request is denied by authorization
forbidden() {
  local kc="$1"
  shift
  if K --kubeconfig "$kc" "$@" >"$WORK/authz.out" 2>&1; then echo "allowed: $*"; return 1; fi
  cat "$WORK/authz.out"
  grep -q Forbidden "$WORK/authz.out"
}
sa_token() {
  "$CLUSTER" sa-kubeconfig --state "$STATE" "$NS" smoke-sa "$WORK/sa.kubeconfig" || return 1
  K --kubeconfig "$WORK/sa.kubeconfig" auth whoami >"$WORK/whoami" || return 1
  cat "$WORK/whoami"
  grep -q "system:serviceaccount:$NS:smoke-sa" "$WORK/whoami" || return 1
  # RBAC is on: a fresh ServiceAccount may not list Secrets.
  forbidden "$WORK/sa.kubeconfig" -n "$NS" get secrets
}
user_cert() {
  "$CLUSTER" user-kubeconfig --state "$STATE" smoke-alice "$WORK/alice.kubeconfig" smoke-group || return 1
  K --kubeconfig "$WORK/alice.kubeconfig" auth whoami >"$WORK/whoami" || return 1
  cat "$WORK/whoami"
  grep -q smoke-alice "$WORK/whoami" && grep -q smoke-group "$WORK/whoami" || return 1
  forbidden "$WORK/alice.kubeconfig" get namespaces || return 1
  K -n "$NS" create rolebinding alice-view --clusterrole=view --user=smoke-alice || return 1
  poll "$DEADLINE" K --kubeconfig "$WORK/alice.kubeconfig" -n "$NS" get configmaps
}
check "ServiceAccount token kubeconfig authenticates, RBAC denies" sa_token
check "client-certificate kubeconfig authenticates, RBAC applies" user_cert

sa_namespace_default() { poll "$DEADLINE" K -n "$NS" get serviceaccount default; }
check "serviceaccount controller created $NS/default" sa_namespace_default

# --- helm ---------------------------------------------------------------------------
mkdir -p "$WORK/chart/templates"
cat >"$WORK/chart/Chart.yaml" <<'EOF'
apiVersion: v2
name: smoke
version: 0.1.0
EOF
printf 'greeting: hello\n' >"$WORK/chart/values.yaml"
cat >"$WORK/chart/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
data:
  greeting: {{ .Values.greeting | quote }}
EOF
helm_version() {
  "$CERTSTORE_HELM" version >"$WORK/helm.out" || return 1
  cat "$WORK/helm.out"
  grep -q "Version:\"$HELM_VERSION\"" "$WORK/helm.out"
}
helm_template() {
  "$CERTSTORE_HELM" template rel "$WORK/chart" --set greeting=smoke-hi >"$WORK/helm.out" || return 1
  cat "$WORK/helm.out"
  grep -q 'greeting: "smoke-hi"' "$WORK/helm.out"
}
helm_install() {
  "$CERTSTORE_HELM" install rel "$WORK/chart" -n "$NS" --wait --timeout "${DEADLINE}s" &&
    [ "$(K -n "$NS" get configmap rel-cm -o jsonpath='{.data.greeting}')" = hello ]
}
check "helm version is $HELM_VERSION" helm_version
check "helm template renders a chart" helm_template
check "helm install into the cluster" helm_install

# --- a second cluster at the same time -----------------------------------------------
second_cluster() {
  "$CLUSTER" up "$STATE2" >"$WORK/up2.env" || return 1
  local p1 p2
  p1="$(grep -h PORT= "$STATE/ports.env" | cut -d= -f2 | sort)"
  p2="$(grep -h PORT= "$STATE2/ports.env" | cut -d= -f2 | sort)"
  echo "ports 1: $p1 / ports 2: $p2"
  [ -z "$(comm -12 <(echo "$p1") <(echo "$p2"))" ] || return 1
  KUBECONFIG="$STATE2/admin.kubeconfig" K get --raw=/readyz && K get --raw=/readyz
}
STATE2_UP=1
check "a second cluster runs alongside on other ports" second_cluster

# --- down -----------------------------------------------------------------------------
# pids and ports of both clusters, recorded before they are stopped
pids_of() { awk '{ print $1 }' "$1"/pids/*.pid 2>/dev/null; }
ports_of() { cut -d= -f2 "$1/ports.env" 2>/dev/null; }
running() { # pid: exists and is not a zombie (a zombie has released everything)
  local state
  state="$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
listening() { ss -Hltn "sport = :$1" | grep -q .; }
procs_using() { # pids (other than this script's shells) whose command line mentions the dir
  local self="$BASHPID" p pid
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [ "$pid" = "$$" ] || [ "$pid" = "$self" ] && continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null >"$WORK/cmdline" || continue
    grep -qF "$1" "$WORK/cmdline" && echo "$pid"
  done
  return 0
}
down_clean() { # state-dir
  local dir="$1" pids ports p
  pids="$(pids_of "$dir")"
  ports="$(ports_of "$dir")"
  [ "$(echo "$pids" | grep -c .)" -eq 3 ] || { echo "expected 3 pids, got: $pids"; return 1; }
  for p in $ports; do listening "$p" || [ "$p" = "$(grep ETCD_PEER_PORT "$dir/ports.env" | cut -d= -f2)" ] ||
    { echo "port $p was not listening before down"; return 1; }; done
  "$CLUSTER" down "$dir" || return 1
  for p in $pids; do running "$p" && { echo "pid $p still running"; return 1; }; done
  for p in $ports; do ! listening "$p" || { echo "port $p still listening"; return 1; }; done
  [ -z "$(procs_using "$dir")" ] || { echo "processes still using $dir: $(procs_using "$dir")"; return 1; }
  [ ! -e "$dir" ] || { echo "$dir still exists"; return 1; }
}
check "down (second cluster): no process or port left, state dir removed" down_clean "$STATE2"
[ -e "$STATE2" ] || STATE2_UP=0
check "down: no process or port left, state dir removed" down_clean "$STATE"
[ -e "$STATE" ] || STATE_UP=0
check "down again is a no-op" "$CLUSTER" down "$STATE"
