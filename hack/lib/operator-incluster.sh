#!/usr/bin/env bash
# Shared by hack/demo.sh and tests/image/incluster_test.sh: run the operator
# image as a pod would run it, against a local control plane (hack/cluster.sh):
# a ServiceAccount bound to deploy/rbac, its token and the cluster CA mounted at
# /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT.
# Source it; functions use $KUBECTL and $KUBECONFIG_ADMIN.

# operator_serviceaccount NAMESPACE SA_DIR CA_FILE
# Creates NAMESPACE, the ServiceAccount certstore-operator in it and its
# bindings to deploy/rbac, and writes token, ca.crt and namespace into SA_DIR
# readable by the image's user (65532).
operator_serviceaccount() {
  local ns=$1 dir=$2 ca=$3
  local k=("$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN")
  "${k[@]}" create namespace "$ns" --dry-run=client -o yaml | "${k[@]}" apply -f - >/dev/null
  "${k[@]}" -n "$ns" create serviceaccount certstore-operator --dry-run=client -o yaml |
    "${k[@]}" apply -f - >/dev/null
  "${k[@]}" apply -f deploy/rbac/clusterrole.yaml >/dev/null
  "${k[@]}" create clusterrolebinding "certstore-operator-$ns" --clusterrole=certstore-operator \
    --serviceaccount="$ns:certstore-operator" --dry-run=client -o yaml | "${k[@]}" apply -f - >/dev/null
  "${k[@]}" -n "$ns" create rolebinding certstore-operator-leader-election \
    --clusterrole=certstore-operator-leader-election \
    --serviceaccount="$ns:certstore-operator" --dry-run=client -o yaml | "${k[@]}" apply -f - >/dev/null
  mkdir -p "$dir"
  chmod 0755 "$dir"
  "${k[@]}" -n "$ns" create token certstore-operator --duration=24h >"$dir/token"
  cp "$ca" "$dir/ca.crt"
  printf '%s' "$ns" >"$dir/namespace"
  chmod 0644 "$dir"/*
}

# operator_container NAME IMAGE SA_DIR APISERVER_PORT NAMESPACE [OPERATOR_ARGS...]
# Starts the operator container (host network, so it reaches the API server
# on 127.0.0.1) with in-cluster configuration.
operator_container() {
  local name=$1 image=$2 dir=$3 port=$4 ns=$5
  shift 5
  docker run -d --name "$name" --network host \
    -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e KUBERNETES_SERVICE_PORT="$port" \
    -e POD_NAMESPACE="$ns" -e POD_NAME="$name" \
    -v "$dir":/var/run/secrets/kubernetes.io/serviceaccount:ro \
    "$image" "$@" >/dev/null
}

# free_port: a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_ready URL SECONDS: waits until URL answers "ok (leader)".
wait_ready() {
  local url=$1 secs=$2 body=""
  for _ in $(seq 1 "$secs"); do
    body=$(curl -sf --max-time 2 "$url" || true)
    [ "$body" = "ok (leader)" ] && return 0
    sleep 1
  done
  echo "not ready after ${secs}s (last answer: '$body')" >&2
  return 1
}
