#!/usr/bin/env bash
# A real, throwaway Kubernetes control plane for tests: etcd, kube-apiserver and
# kube-controller-manager as local processes on 127.0.0.1, built by
# hack/controlplane/build.sh (versions in hack/controlplane/versions.env).
#
# Usage:
#   hack/cluster.sh up     [STATE_DIR]  start (or reuse a healthy) cluster; prints
#                                       `export KUBECONFIG=...` etc. on stdout
#   hack/cluster.sh down   [STATE_DIR]  stop exactly the processes `up` started,
#                                       then remove STATE_DIR
#   hack/cluster.sh status [STATE_DIR]  report processes, ports and readiness
#   hack/cluster.sh env    [STATE_DIR]  print the export lines again
#   hack/cluster.sh build               only build/verify the cached binaries
#   hack/cluster.sh stop-apiserver  [STATE_DIR] [hard]   stop (hard: SIGKILL) only
#                                       kube-apiserver; etcd keeps the data
#   hack/cluster.sh start-apiserver [STATE_DIR]          start it again, same port
#   hack/cluster.sh compact [STATE_DIR] compact etcd history (forces 410 Gone)
#   hack/cluster.sh sa-kubeconfig   [--state DIR] [--duration D] NAMESPACE SA OUT
#       create ServiceAccount NAMESPACE/SA (and the namespace) if missing, issue a
#       token with `kubectl create token` and write kubeconfig OUT using it
#   hack/cluster.sh user-kubeconfig [--state DIR] USER OUT [GROUP...]
#       write kubeconfig OUT with a client certificate for USER (CN) and GROUPs
#       (O) signed by the cluster CA
#
# STATE_DIR defaults to $CERTSTORE_CLUSTER_DIR or /tmp/certstore-cluster-$USER; it
# holds certificates, kubeconfigs, etcd data, logs/ (logs/audit.log: writes to
# Secrets, Events and certstore.dev objects) and pids/.
# Environment:
#   CLUSTER_START_TIMEOUT  seconds to wait for each component (default 60)
#   CLUSTER_CRDS_DIR       CRD manifests applied (and waited Established) before
#                          the controller manager starts, so its garbage collector
#                          knows them at once instead of after its 30 s resync
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_SH="$ROOT/hack/controlplane/build.sh"
# shellcheck source=SCRIPTDIR/controlplane/versions.env
source "$ROOT/hack/controlplane/versions.env"
START_TIMEOUT="${CLUSTER_START_TIMEOUT:-60}"
STOP_TIMEOUT=15
SERVICE_CIDR="10.0.0.0/24"
SERVICE_IP="10.0.0.1"
KCM_CONTROLLERS="garbage-collector-controller,namespace-controller,serviceaccount-controller"
KCM_CONTROLLERS+=",serviceaccount-token-controller,root-ca-certificate-publisher-controller"
KCM_CONTROLLERS+=",clusterrole-aggregation-controller" # fills admin/edit/view
KCM_CONTROLLERS+=",deployment-controller,replicaset-controller" # workload restarts (no kubelet: pods stay Pending)
USER_NAME="${USER:-$(id -un)}"
DEFAULT_STATE="${CERTSTORE_CLUSTER_DIR:-/tmp/certstore-cluster-$USER_NAME}"
# Ports handed out to running clusters, so two clusters never pick the same one.
PORT_REGISTRY="${XDG_RUNTIME_DIR:-/tmp}/certstore-cluster-ports-$(id -u)"
MARKER=".certstore-cluster"

log() { echo "cluster.sh: $*" >&2; }
die() { echo "cluster.sh: ERROR: $*" >&2; exit 1; }

set_state() {
  STATE="${1:-$DEFAULT_STATE}"
  mkdir -p "$(dirname "$STATE")"
  STATE="$(cd "$(dirname "$STATE")" && pwd)/$(basename "$STATE")"
  PKI="$STATE/pki"
  LOGS="$STATE/logs"
  PIDS="$STATE/pids"
  KUBECONFIG_ADMIN="$STATE/admin.kubeconfig"
}

load_bins() {
  local envs
  envs="$("$BUILD_SH" --env)" || die "building the control plane binaries failed (see above)"
  eval "$envs"
  KUBECTL="$KUBE_BIN_DIR/kubectl"
}

# --- ports ---------------------------------------------------------------------
port_listening() { # port -> 0 if something listens on it (IPv4 or IPv6)
  local hex
  hex="$(printf ':%04X' "$1")"
  # /proc/net/tcp*: local_address is HEXIP:HEXPORT, state 0A is LISTEN.
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p="$hex" 'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }'
}

# Picks N free ports below the ephemeral range, records them in the registry under
# a lock (so concurrent `up`s never collide) and prints them.
pick_ports() {
  local n="$1" picked=() p tries=0 owner
  mkdir -p "$PORT_REGISTRY"
  exec 8>"$PORT_REGISTRY/.lock"
  flock 8
  while [ "${#picked[@]}" -lt "$n" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 2000 ] || die "no free port found in 20000-32767 after 2000 tries"
    p=$((20000 + RANDOM % 12768))
    if [ -f "$PORT_REGISTRY/$p" ]; then
      owner="$(cat "$PORT_REGISTRY/$p" 2>/dev/null || true)"
      if [ -n "$owner" ] && [ -f "$owner/$MARKER" ]; then continue; fi
      rm -f "$PORT_REGISTRY/$p" # stale: its cluster is gone
    fi
    [[ " ${picked[*]-} " == *" $p "* ]] && continue
    port_listening "$p" && continue
    picked+=("$p")
  done
  for p in "${picked[@]}"; do echo "$STATE" >"$PORT_REGISTRY/$p"; done
  exec 8>&-
  echo "${picked[*]}"
}

release_ports() {
  local p
  for p in "$@"; do
    if [ -f "$PORT_REGISTRY/$p" ] && [ "$(cat "$PORT_REGISTRY/$p" 2>/dev/null)" = "$STATE" ]; then
      rm -f "$PORT_REGISTRY/$p"
    fi
  done
}

# --- processes -----------------------------------------------------------------
# /proc/PID/stat after the "(comm) ": field 1 is the state, field 20 the start time.
proc_stat() { sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null || true; }
proc_starttime() { proc_stat "$1" | cut -d' ' -f20; }

# pid file line: "<pid> <starttime> <binary>"; the start time makes sure a
# recycled PID is never taken for ours. A zombie (state Z: exited, every
# resource released, waiting for its new parent to reap it) counts as gone.
pid_alive() { # name -> 0 if the recorded process still runs
  local f="$PIDS/$1.pid" pid st bin stat
  [ -f "$f" ] || return 1
  read -r pid st bin <"$f" || return 1
  [ -n "$pid" ] || return 1
  stat="$(proc_stat "$pid")"
  [ -n "$stat" ] || return 1
  [ "$(cut -d' ' -f20 <<<"$stat")" = "$st" ] || return 1
  case "$(cut -d' ' -f1 <<<"$stat")" in Z | X) return 1 ;; esac
}
recorded_pid() { awk '{ print $1 }' "$PIDS/$1.pid" 2>/dev/null; }

start_proc() { # name binary args...
  local name="$1" bin="$2"
  shift 2
  log "starting $name (log: $LOGS/$name.log)"
  # setsid: own session, so a Ctrl-C or a test runner's process-group signal does
  # not kill the cluster behind `down`'s back. No -f: setsid execs in place, so $!
  # is the component's own PID.
  setsid "$bin" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  local pid=$! st=""
  for _ in $(seq 1 50); do # wait for the exec to replace setsid
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$bin" ] && break
    [ -d "/proc/$pid" ] || break
    sleep 0.02
  done
  st="$(proc_starttime "$pid")"
  echo "$pid $st $bin" >"$PIDS/$name.pid"
  if ! pid_alive "$name" || [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$bin" ]; then
    fail_component "$name" "exited right after start"
  fi
}

stop_proc() { # name
  local name="$1" pid
  pid_alive "$name" || { rm -f "$PIDS/$name.pid"; return 0; }
  pid="$(recorded_pid "$name")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
    pid_alive "$name" || break
    sleep 0.1
  done
  if pid_alive "$name"; then
    log "$name did not exit within ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$name" || break; sleep 0.1; done
  fi
  pid_alive "$name" && die "could not stop $name (pid $pid)"
  rm -f "$PIDS/$name.pid"
}

fail_component() { # name message
  log "$1: $2; last lines of $LOGS/$1.log:"
  tail -n 40 "$LOGS/$1.log" >&2 2>/dev/null || true
  log "stopping what was started; state kept in $STATE for inspection (remove with: $0 down $STATE)"
  stop_all
  exit 1
}

stop_all() {
  local c
  for c in kube-controller-manager kube-apiserver etcd; do stop_proc "$c"; done
}

wait_until() { # name description command... : poll command until it succeeds or START_TIMEOUT
  local name="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$name" || fail_component "$name" "exited while waiting for $what"
    [ "$SECONDS" -lt "$deadline" ] || fail_component "$name" "$what not reached within ${START_TIMEOUT}s"
    sleep 0.2
  done
}

# --- certificates ----------------------------------------------------------------
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# sign_cert name subject extfile-lines... : key + cert signed by the cluster CA
sign_cert() {
  local name="$1" subj="$2"
  shift 2
  new_key "$PKI/$name.key"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "$@" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 7 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}
client_ext=("basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth")
server_ext() { echo "basicConstraints=critical,CA:FALSE"; echo "keyUsage=critical,digitalSignature"; echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=$1"; }

make_pki() {
  log "generating throwaway CA and certificates in $PKI"
  mkdir -p "$PKI"
  new_key "$PKI/ca.key"
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=certstore-test-cluster-ca" -days 7 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
  mapfile -t ext < <(server_ext "IP:127.0.0.1,DNS:localhost")
  sign_cert etcd-server "/CN=etcd" "${ext[@]}"
  sign_cert etcd-client "/CN=kube-apiserver-etcd-client" "${client_ext[@]}"
  mapfile -t ext < <(server_ext "IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")
  sign_cert apiserver "/CN=kube-apiserver" "${ext[@]}"
  sign_cert admin "/O=system:masters/CN=certstore-admin" "${client_ext[@]}"
  sign_cert controller-manager "/CN=system:kube-controller-manager" "${client_ext[@]}"
  # Service-account token signing key (RSA: RS256 is what every client expects).
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  chmod 600 "$PKI/sa.key"
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

b64() { base64 -w0 <"$1"; }

# write_kubeconfig out user auth-yaml-lines...
write_kubeconfig() {
  local out="$1" user="$2"
  shift 2
  local tmp
  tmp="$(mktemp "$out.XXXXXX")"
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    echo "- name: certstore-test"
    echo "  cluster:"
    echo "    server: https://127.0.0.1:$APISERVER_PORT"
    echo "    certificate-authority-data: $(b64 "$PKI/ca.crt")"
    echo "users:"
    echo "- name: $user"
    echo "  user:"
    printf '    %s\n' "$@"
    echo "contexts:"
    echo "- name: $user@certstore-test"
    echo "  context:"
    echo "    cluster: certstore-test"
    echo "    user: $user"
    echo "    namespace: default"
    echo "current-context: $user@certstore-test"
  } >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$out"
}
cert_kubeconfig() { # out user keyname
  write_kubeconfig "$1" "$2" "client-certificate-data: $(b64 "$PKI/$3.crt")" "client-key-data: $(b64 "$PKI/$3.key")"
}

# --- subcommands -----------------------------------------------------------------
print_env() {
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_ADMIN"
  printf 'export CERTSTORE_KUBECTL=%q\n' "$KUBE_BIN_DIR/kubectl"
  printf 'export CERTSTORE_HELM=%q\n' "$HELM_BIN_DIR/helm"
  printf 'export CERTSTORE_CLUSTER_DIR=%q\n' "$STATE"
}

apiserver_ready() { "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout=5s get --raw=/readyz; }
kcm_healthy() { # anonymous /healthz on the controller manager's self-signed port
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -sk --max-time 5 "https://127.0.0.1:$KCM_PORT/healthz")" = ok ]
  else
    port_listening "$KCM_PORT"
  fi
}
all_running() { pid_alive etcd && pid_alive kube-apiserver && pid_alive kube-controller-manager; }

# An audit log of writes to what the operator writes ($LOGS/audit.log, one
# JSON event per line, metadata only): tests count writes by user agent and
# time (e.g. that a fenced old leader's writes all land before its
# successor's first).
write_audit_policy() {
  cat >"$STATE/audit-policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete]
    resources:
      - group: ""
        resources: [secrets, events]
      - group: certstore.dev
  - level: None
YAML
}

start_apiserver() {
  write_audit_policy
  start_proc kube-apiserver "$KUBE_BIN_DIR/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --cert-dir="$STATE/apiserver-certs" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --etcd-servers="https://127.0.0.1:$ETCD_PORT" --etcd-cafile="$PKI/ca.crt" \
    --etcd-certfile="$PKI/etcd-client.crt" --etcd-keyfile="$PKI/etcd-client.key" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer="https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false \
    --endpoint-reconciler-type=none \
    --watch-cache-sizes=configmaps#0 \
    --audit-policy-file="$STATE/audit-policy.yaml" --audit-log-path="$LOGS/audit.log" \
    --audit-log-format=json --audit-log-maxsize=200 --audit-log-maxbackup=1
  # (no watch cache for ConfigMaps: their watches go to etcd, so tests can get
  # a real 410 Gone after `cluster.sh compact`; with the cache, old
  # resourceVersions are answered from its snapshot instead)
  # (endpoint reconciler "none": since v1.37 the lease reconciler refuses a
  # loopback --advertise-address, and nothing here routes to the kubernetes Service)
}

cmd_up() {
  set_state "${1:-}"
  load_bins
  local t0=$SECONDS
  if [ -f "$STATE/$MARKER" ] && [ -f "$STATE/ports.env" ]; then
    # shellcheck disable=SC1091
    source "$STATE/ports.env"
    if all_running && apiserver_ready >/dev/null 2>&1; then
      log "cluster in $STATE already running and ready (apiserver https://127.0.0.1:$APISERVER_PORT)"
      print_env
      return 0
    fi
    log "found a stale or broken cluster in $STATE: tearing it down first"
    cmd_down "$STATE"
    set_state "$STATE"
  elif [ -e "$STATE" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "$STATE exists, is not empty and is not a cluster state dir; refusing to use it"
  fi

  mkdir -p "$STATE" "$LOGS" "$PIDS"
  chmod 700 "$STATE"
  echo "created by hack/cluster.sh $(date -u +%FT%TZ)" >"$STATE/$MARKER"
  local ports
  read -r -a ports <<<"$(pick_ports 4)"
  ETCD_PORT="${ports[0]}" ETCD_PEER_PORT="${ports[1]}" APISERVER_PORT="${ports[2]}" KCM_PORT="${ports[3]}"
  printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPISERVER_PORT=%s\nKCM_PORT=%s\n' \
    "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" >"$STATE/ports.env"
  log "state dir $STATE; ports: etcd $ETCD_PORT (peer $ETCD_PEER_PORT), apiserver $APISERVER_PORT, controller-manager $KCM_PORT"

  make_pki
  cert_kubeconfig "$KUBECONFIG_ADMIN" certstore-admin admin
  cert_kubeconfig "$STATE/controller-manager.kubeconfig" system:kube-controller-manager controller-manager

  start_proc etcd "$ETCD_BIN_DIR/etcd" \
    --name=certstore-test --data-dir="$STATE/etcd-data" \
    --listen-client-urls="https://127.0.0.1:$ETCD_PORT" --advertise-client-urls="https://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="certstore-test=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new \
    --cert-file="$PKI/etcd-server.crt" --key-file="$PKI/etcd-server.key" \
    --trusted-ca-file="$PKI/ca.crt" --client-cert-auth=true \
    --unsafe-no-fsync=true --log-level=warn
  wait_until etcd "etcd listening on 127.0.0.1:$ETCD_PORT" port_listening "$ETCD_PORT"

  start_apiserver
  wait_until kube-apiserver "/readyz on https://127.0.0.1:$APISERVER_PORT" apiserver_ready
  log "kube-apiserver ready after $((SECONDS - t0))s"

  if [ -n "${CLUSTER_CRDS_DIR:-}" ]; then
    log "applying CRDs from $CLUSTER_CRDS_DIR before the controller manager starts"
    "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" apply -f "$CLUSTER_CRDS_DIR" >&2 || fail_component kube-apiserver "kubectl apply -f $CLUSTER_CRDS_DIR failed"
    "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" wait --for=condition=Established --timeout="${START_TIMEOUT}s" \
      -f "$CLUSTER_CRDS_DIR" >&2 || fail_component kube-apiserver "CRDs from $CLUSTER_CRDS_DIR not Established"
  fi

  start_proc kube-controller-manager "$KUBE_BIN_DIR/kube-controller-manager" \
    --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$STATE/controller-manager-certs" \
    --leader-elect=false --use-service-account-credentials=true \
    --controllers="$KCM_CONTROLLERS" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false
  wait_until kube-controller-manager "/healthz on https://127.0.0.1:$KCM_PORT" kcm_healthy

  print_env >"$STATE/env.sh"
  log "cluster up in $((SECONDS - t0))s (kubernetes $KUBE_VERSION, etcd $ETCD_VERSION)"
  log "stop with: $0 down $STATE"
  print_env
}

# Stops only kube-apiserver (SIGKILL when `hard`), keeping etcd and its data:
# tests use it to break watches and prove that clients recover.
cmd_stop_apiserver() {
  set_state "${1:-}"
  use_state_ports
  if [ "${2:-}" = "hard" ] && pid_alive kube-apiserver; then
    log "killing kube-apiserver (pid $(recorded_pid kube-apiserver)) with SIGKILL"
    kill -KILL "$(recorded_pid kube-apiserver)"
    for _ in $(seq 1 50); do pid_alive kube-apiserver || break; sleep 0.1; done
    rm -f "$PIDS/kube-apiserver.pid"
  else
    stop_proc kube-apiserver
  fi
}

cmd_start_apiserver() {
  set_state "${1:-}"
  use_state_ports
  load_bins
  pid_alive kube-apiserver && { log "kube-apiserver already running"; return 0; }
  start_apiserver
  wait_until kube-apiserver "/readyz on https://127.0.0.1:$APISERVER_PORT" apiserver_ready
  log "kube-apiserver restarted"
}

# Compacts etcd's history up to its current revision (etcd's JSON gateway),
# so that watches from older resourceVersions get 410 Gone.
cmd_compact() {
  set_state "${1:-}"
  use_state_ports
  load_bins
  local rev
  rev=$("$ETCD_BIN_DIR/etcd-compact" "https://127.0.0.1:$ETCD_PORT" "$PKI/ca.crt" \
    "$PKI/etcd-client.crt" "$PKI/etcd-client.key") || die "etcd compaction failed"
  log "etcd compacted at revision $rev"
  echo "$rev"
}

use_state_ports() {
  [ -f "$STATE/ports.env" ] || die "no cluster in $STATE"
  # shellcheck disable=SC1091
  source "$STATE/ports.env"
}

cmd_down() {
  set_state "${1:-}"
  if [ ! -e "$STATE" ]; then
    log "nothing to do: $STATE does not exist"
    return 0
  fi
  if [ -d "$STATE" ] && [ -z "$(ls -A "$STATE")" ]; then
    rmdir "$STATE"
    log "nothing was running: removed empty $STATE"
    return 0
  fi
  [ -f "$STATE/$MARKER" ] || die "$STATE is not a cluster state dir (no $MARKER); not touching it"
  if [ -d "$PIDS" ]; then stop_all; fi
  if [ -f "$STATE/ports.env" ]; then
    # shellcheck disable=SC1091
    source "$STATE/ports.env"
    release_ports "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT"
  fi
  rm -rf "$STATE"
  log "cluster stopped and $STATE removed"
}

cmd_status() {
  set_state "${1:-}"
  if [ ! -f "$STATE/$MARKER" ]; then
    echo "no cluster in $STATE"
    return 1
  fi
  # shellcheck disable=SC1091
  source "$STATE/ports.env"
  local c rc=0 port
  for c in etcd kube-apiserver kube-controller-manager; do
    case "$c" in etcd) port=$ETCD_PORT ;; kube-apiserver) port=$APISERVER_PORT ;; *) port=$KCM_PORT ;; esac
    if pid_alive "$c"; then
      echo "$c: running (pid $(recorded_pid "$c"), 127.0.0.1:$port)"
    else
      echo "$c: NOT running (log: $LOGS/$c.log)"
      rc=1
    fi
  done
  load_bins 2>/dev/null
  if apiserver_ready >/dev/null 2>&1; then
    echo "apiserver /readyz: ok ($("$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" version -o json 2>/dev/null |
      sed -nE 's/.*"gitVersion": "([^"]+)".*/\1/p' | tail -n1))"
  else
    echo "apiserver /readyz: NOT ready"
    rc=1
  fi
  echo "kubeconfig: $KUBECONFIG_ADMIN"
  return "$rc"
}

cmd_env() {
  set_state "${1:-}"
  [ -f "$STATE/$MARKER" ] || die "no cluster in $STATE (run: $0 up $STATE)"
  load_bins 2>/dev/null
  print_env
}

# Loads a running cluster for the kubeconfig helpers.
use_cluster() {
  set_state "$1"
  if [ ! -f "$STATE/$MARKER" ] || [ ! -f "$STATE/ports.env" ]; then die "no cluster in $STATE (run: $0 up $STATE)"; fi
  # shellcheck disable=SC1091
  source "$STATE/ports.env"
  load_bins 2>/dev/null
}

cmd_sa_kubeconfig() {
  local state="" duration="1h"
  while [ $# -gt 0 ]; do
    case "$1" in
      --state) state="$2"; shift 2 ;;
      --duration) duration="$2"; shift 2 ;;
      *) break ;;
    esac
  done
  [ $# -eq 3 ] || die "usage: $0 sa-kubeconfig [--state DIR] [--duration 1h] NAMESPACE SERVICEACCOUNT OUT"
  local ns="$1" sa="$2" out="$3" token
  use_cluster "$state"
  local k=("$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN")
  log "ensuring namespace $ns and serviceaccount $ns/$sa"
  "${k[@]}" create namespace "$ns" --dry-run=client -o yaml | "${k[@]}" apply -f - >/dev/null
  "${k[@]}" -n "$ns" create serviceaccount "$sa" --dry-run=client -o yaml | "${k[@]}" apply -f - >/dev/null
  token="$("${k[@]}" -n "$ns" create token "$sa" --duration="$duration")" || die "kubectl create token $ns/$sa failed"
  write_kubeconfig "$out" "system:serviceaccount:$ns:$sa" "token: $token"
  log "wrote $out (bearer token of $ns/$sa, valid $duration)"
}

cmd_user_kubeconfig() {
  local state=""
  if [ "${1:-}" = "--state" ]; then state="$2"; shift 2; fi
  [ $# -ge 2 ] || die "usage: $0 user-kubeconfig [--state DIR] USER OUT [GROUP...]"
  local user="$1" out="$2"
  shift 2
  use_cluster "$state"
  local subj="" g name
  for g in "$@"; do subj+="/O=$g"; done
  subj+="/CN=$user"
  name="user-$(echo "$user $*" | sha256sum | cut -c1-12)-$$"
  sign_cert "$name" "$subj" "${client_ext[@]}"
  cert_kubeconfig "$out" "$user" "$name"
  log "wrote $out (client certificate CN=$user${*:+, groups: $*})"
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) [ $# -le 1 ] || die "usage: $0 up [STATE_DIR]"; cmd_up "$@" ;;
    down) [ $# -le 1 ] || die "usage: $0 down [STATE_DIR]"; cmd_down "$@" ;;
    status) [ $# -le 1 ] || die "usage: $0 status [STATE_DIR]"; cmd_status "$@" ;;
    env) [ $# -le 1 ] || die "usage: $0 env [STATE_DIR]"; cmd_env "$@" ;;
    build) "$BUILD_SH" ;;
    stop-apiserver) cmd_stop_apiserver "$@" ;;
    compact) [ $# -le 1 ] || die "usage: $0 compact [STATE_DIR]"; cmd_compact "$@" ;;
    start-apiserver) [ $# -le 1 ] || die "usage: $0 start-apiserver [STATE_DIR]"; cmd_start_apiserver "$@" ;;
    sa-kubeconfig) cmd_sa_kubeconfig "$@" ;;
    user-kubeconfig) cmd_user_kubeconfig "$@" ;;
    -h | --help | help) sed -n '2,34p' "$0" ;;
    *) sed -n '2,34p' "$0" >&2; exit 2 ;;
  esac
}

main "$@"
