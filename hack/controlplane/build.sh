#!/usr/bin/env bash
# Builds the local test control plane's binaries from the wrapper Go modules in
# hack/controlplane/{kube,etcd,helm} at the versions pinned in versions.env:
#   kube-apiserver, kube-controller-manager, kubectl   (k8s.io/kubernetes)
#   etcd                                              (go.etcd.io/etcd/server/v3)
#   helm                                              (helm.sh/helm/v3)
# into a cache outside the clone:
#   ${CERTSTORE_CACHE_DIR:-~/.cache/certstore-operator}/bin/<component>-<version>-<key>/
# where <key> hashes go.mod, go.sum, the Go version and this script's build flags.
# A component whose directory is complete is skipped, so warm runs take seconds.
#
# Usage: hack/controlplane/build.sh [--env]
#   --env  print shell assignments KUBE_BIN_DIR=, ETCD_BIN_DIR=, HELM_BIN_DIR=
#          on stdout (progress always goes to stderr), for `eval`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
source "$HERE/versions.env"

PRINT_ENV=0
case "${1:-}" in
  --env) PRINT_ENV=1 ;;
  "") ;;
  -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

log() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: ERROR: $*" >&2; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"
DL_TIMEOUT="${CERTSTORE_GO_DOWNLOAD_TIMEOUT:-600}"
CACHE_DIR="${CERTSTORE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certstore-operator}"
BIN_ROOT="$CACHE_DIR/bin"

# --- preflight -----------------------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 ||
  die "go not found in PATH or /usr/local/go/bin; install Go >= $GO_MIN_VERSION (no toolchain is downloaded)"
GO_VERSION="$(go env GOVERSION)"
if [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "${GO_VERSION#go}" | sort -V | head -n1)" != "$GO_MIN_VERSION" ]; then
  die "Go $GO_VERSION is older than the required $GO_MIN_VERSION (GOTOOLCHAIN=local: no toolchain download)"
fi
for pair in "kube:k8s.io/kubernetes $KUBE_VERSION" "etcd:go.etcd.io/etcd/server/v3 $ETCD_VERSION" "helm:helm.sh/helm/v3 $HELM_VERSION"; do
  grep -qF "	${pair#*:}" "$HERE/${pair%%:*}/go.mod" ||
    die "hack/controlplane/${pair%%:*}/go.mod does not require ${pair#*:} (versions.env changed?): run hack/controlplane/update-modules.sh"
done

# --- helpers -------------------------------------------------------------------
module_key() { # module dir -> short hash of everything that determines its binaries
  {
    cat "$HERE/$1/go.mod" "$HERE/$1/go.sum"
    find "$HERE/$1" -name '*.go' -print0 | sort -z | xargs -0 -r cat
    echo "$GO_VERSION $(go env GOOS GOARCH) $CGO_ENABLED"
    sed -n '/^# BUILD-FLAGS-BEGIN/,/^# BUILD-FLAGS-END/p' "$0"
  } | sha256sum | cut -c1-12
}

# release date from the module proxy's .info (reproducible build date)
release_date() { # module@version
  local info
  info="$(timeout "$DL_TIMEOUT" go mod download -json "$1" 2>/dev/null | sed -nE 's/^[[:space:]]*"Info": "(.*)",?$/\1/p')" || true
  if [ -n "$info" ] && [ -f "$info" ]; then
    sed -nE 's/.*"Time":"([^"]+)".*/\1/p' "$info" | sed -E 's/\.[0-9]+Z$/Z/'
  else
    date -u +%Y-%m-%dT%H:%M:%SZ
  fi
}

# BUILD-FLAGS-BEGIN (part of the cache key: edits here force a rebuild)
kube_ldflags() {
  local v="$KUBE_VERSION" major minor date
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  date="$(release_date "k8s.io/kubernetes@$v")"
  local kv out=""
  for kv in "gitVersion=$v" "gitMajor=$major" "gitMinor=$minor" \
    "gitCommit=$v-from-go-module-proxy" "gitTreeState=clean" "buildDate=$date"; do
    out+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
  done
  echo "-s -w$out"
}
etcd_ldflags() {
  echo "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION-from-go-module-proxy"
}
helm_ldflags() {
  # helm's Makefile also stamps the Kubernetes minor of its client-go for
  # `.Capabilities.KubeVersion` and the deprecation linter.
  local kminor kv out
  kv="$(sed -nE 's/^[[:space:]]*k8s\.io\/client-go v0\.([0-9]+)\..*/\1/p' "$HERE/helm/go.mod" | head -n1)"
  kminor="${kv:-0}"
  out="-s -w"
  out+=" -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  out+=" -X helm.sh/helm/v3/internal/version.gitCommit=$HELM_VERSION-from-go-module-proxy"
  out+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  out+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kminor"
  out+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kminor"
  echo "$out"
}
GO_BUILD_FLAGS=(-trimpath)
# BUILD-FLAGS-END

build_component() { # name version module-dir ldflags-fn "binary=package"...
  local name="$1" version="$2" mod="$3" ldfn="$4"
  shift 4
  local key dest
  key="$(module_key "$mod")"
  dest="$BIN_ROOT/$name-$version-$key"
  if [ -f "$dest/.complete" ]; then
    log "$name $version: cached in $dest"
    echo "$dest"
    return 0
  fi
  mkdir -p "$BIN_ROOT"
  # Serialise concurrent builds of the same component (two test binaries, two shells).
  exec 9>"$BIN_ROOT/.$name.lock"
  flock 9
  if [ -f "$dest/.complete" ]; then
    exec 9>&-
    log "$name $version: built meanwhile by another process: $dest"
    echo "$dest"
    return 0
  fi
  local start=$SECONDS pkgs=() bins=() spec
  for spec in "$@"; do bins+=("${spec%%=*}"); pkgs+=("${spec#*=}"); done
  log "$name $version: downloading modules (timeout ${DL_TIMEOUT}s, proxy $(go env GOPROXY))"
  if ! (cd "$HERE/$mod" && timeout "$DL_TIMEOUT" go mod download) >&2; then
    die "$name: 'go mod download' failed or timed out after ${DL_TIMEOUT}s in hack/controlplane/$mod; is the Go module proxy ($(go env GOPROXY)) reachable? (HTTPS_PROXY/GOPROXY/GOFLAGS)"
  fi
  local tmp
  tmp="$(mktemp -d "$BIN_ROOT/.$name-build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  log "$name $version: compiling ${bins[*]} with $GO_VERSION (cold: many minutes on 2 cores)"
  local ldflags
  ldflags="$("$ldfn")"
  # One `go build` for all of a module's binaries shares the compile work.
  local out="$tmp/"
  [ "${#pkgs[@]}" -gt 1 ] || out="$tmp/${bins[0]}"
  (cd "$HERE/$mod" && go build "${GO_BUILD_FLAGS[@]}" -ldflags "$ldflags" -o "$out" "${pkgs[@]}") >&2 ||
    die "$name: go build failed (see above)"
  local b i
  for i in "${!bins[@]}"; do
    b="${bins[$i]}"
    # A package whose directory name is not the binary's (server/v3 -> etcd):
    # build it on its own; the compile cache makes this quick.
    if [ ! -x "$tmp/$b" ]; then
      (cd "$HERE/$mod" && go build "${GO_BUILD_FLAGS[@]}" -ldflags "$ldflags" -o "$tmp/$b" "${pkgs[$i]}") >&2 ||
        die "$name: go build of ${pkgs[$i]} failed (see above)"
    fi
    [ -x "$tmp/$b" ] || die "$name: expected binary $tmp/$b missing after build"
  done
  printf 'component=%s\nversion=%s\nkey=%s\ngo=%s\nbuilt=%s\n' "$name" "$version" "$key" "$GO_VERSION" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.complete"
  chmod 755 "$tmp"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  trap - EXIT
  exec 9>&-
  log "$name $version: built in $((SECONDS - start))s -> $dest"
  echo "$dest"
}

total_start=$SECONDS
log "versions: kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, helm $HELM_VERSION; cache $BIN_ROOT"
# etcd and helm first: small, so a cold run gives early feedback.
ETCD_BIN_DIR="$(build_component etcd "$ETCD_VERSION" etcd etcd_ldflags etcd=go.etcd.io/etcd/server/v3 \
  etcd-compact=./cmd/etcd-compact)"
HELM_BIN_DIR="$(build_component helm "$HELM_VERSION" helm helm_ldflags helm=helm.sh/helm/v3/cmd/helm)"
KUBE_BIN_DIR="$(build_component kube "$KUBE_VERSION" kube kube_ldflags \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kubectl=k8s.io/kubernetes/cmd/kubectl)"
log "all binaries ready in $((SECONDS - total_start))s"

if [ "$PRINT_ENV" = 1 ]; then
  printf 'KUBE_BIN_DIR=%q\nETCD_BIN_DIR=%q\nHELM_BIN_DIR=%q\n' "$KUBE_BIN_DIR" "$ETCD_BIN_DIR" "$HELM_BIN_DIR"
else
  printf '%s\n' "$KUBE_BIN_DIR" "$ETCD_BIN_DIR" "$HELM_BIN_DIR"
fi
