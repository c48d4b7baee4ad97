#!/usr/bin/env bash
# Container image test: builds the image with hack/image.sh, then checks what
# a cluster admin relies on: a numeric non-root user, no shell, only the
# expected files, both binaries start (dynamic loader and libraries are all
# there), OpenSSL works as that user against the shipped CA bundle, and the
# image stays small.
#   tests/image/image_test.sh [IMAGE]      (default certstore-operator:dev)
# Environment: IMAGE_TEST_SKIP_BUILD=1 tests an image already built;
# IMAGE_MAX_MB (default 60) is the size limit.
# Prints one line per check and "N passed, N failed"; exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:-certstore-operator:dev}
max_mb=${IMAGE_MAX_MB:-60}

if [ "${IMAGE_TEST_SKIP_BUILD:-0}" != 1 ]; then
  echo "image_test: building $image"
  hack/image.sh "$image"
fi

passed=0 failed=0
pass() { echo "ok   - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1${2:+: $2}"; failed=$((failed + 1)); }
out=$(mktemp)
cid=""
cleanup() {
  rm -f "$out"
  if [ -n "$cid" ]; then docker rm -f "$cid" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# User: numeric uid (and gid), not root, so runAsNonRoot admits the pod
# without a runAsUser override.
user=$(docker image inspect -f '{{.Config.User}}' "$image")
if [[ "$user" =~ ^([0-9]+)(:([0-9]+))?$ ]] && [ "${BASH_REMATCH[1]}" -ne 0 ] &&
  [ "${BASH_REMATCH[3]:-1}" -ne 0 ]; then
  pass "runs as numeric non-root user $user"
else
  fail "runs as numeric non-root user" "Config.User is \"$user\""
fi

entrypoint=$(docker image inspect -f '{{json .Config.Entrypoint}}' "$image")
if [ "$entrypoint" = '["/usr/local/bin/certstore-operator"]' ]; then
  pass "entrypoint is certstore-operator"
else
  fail "entrypoint is certstore-operator" "$entrypoint"
fi

title=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}}' "$image")
if [ "$title" = certstore-operator ]; then pass "OCI title label"; else fail "OCI title label" "\"$title\""; fi

if docker run --rm --entrypoint /bin/sh "$image" -c true >"$out" 2>&1; then
  fail "no /bin/sh in the image" "it ran"
else
  pass "no /bin/sh in the image"
fi

# The file list: nothing beyond the binaries, their libraries, the CA bundle
# and a few /etc files (no shell, no coreutils, no package manager).
cid=$(docker create "$image")
files=$(docker export "$cid" | tar -t)
docker rm "$cid" >/dev/null
cid=""
unexpected=$(grep -vE '^(\.dockerenv|dev/.*|proc/|sys/|tmp/|home/(nonroot/)?|lib|lib64|var/(lib/(dpkg/(status\.d/.*)?)?)?|etc/|etc/(group|passwd|nsswitch\.conf|os-release|hostname|hosts|resolv\.conf|mtab)|etc/ssl/(certs/(ca-certificates\.crt)?|openssl\.cnf)?|usr/|usr/local/(bin/(certstore-operator|kubectl-certstore)?)?|usr/lib/(ssl/(certs|openssl\.cnf)?)?|usr/lib64/(ld-linux-x86-64\.so\.2)?|usr/lib/x86_64-linux-gnu/(.*\.so[.0-9]*)?|usr/share/(doc/.*)?)$' <<<"$files" || true)
if [ -z "$unexpected" ]; then
  pass "only binaries, libraries, CA bundle and /etc files ($(wc -l <<<"$files") entries)"
else
  fail "only binaries, libraries, CA bundle and /etc files" "unexpected: $(tr '\n' ' ' <<<"$unexpected")"
fi
for f in usr/local/bin/certstore-operator usr/local/bin/kubectl-certstore \
  etc/ssl/certs/ca-certificates.crt; do
  if grep -qx "$f" <<<"$files"; then pass "has /$f"; else fail "has /$f"; fi
done

# --help through the entrypoint: the loader and every library resolve.
if docker run --rm "$image" --help >"$out" 2>&1 && grep -q -- '--kubeconfig' "$out"; then
  pass "certstore-operator --help exits 0 and prints usage"
else
  fail "certstore-operator --help exits 0 and prints usage" "$(head -c 400 "$out")"
fi

if docker run --rm --entrypoint /usr/local/bin/kubectl-certstore "$image" version >"$out" 2>&1 &&
  grep -q 'kubectl-certstore' "$out"; then
  pass "kubectl-certstore version: $(head -1 "$out")"
else
  fail "kubectl-certstore runs" "$(head -c 400 "$out")"
fi

# OpenSSL in the image, as the image's user, reads the public CA bundle.
if docker run --rm --entrypoint /usr/local/bin/kubectl-certstore "$image" \
  inspect /etc/ssl/certs/ca-certificates.crt >"$out" 2>&1 && grep -qi 'subject' "$out"; then
  pass "kubectl-certstore inspects the CA bundle ($(grep -ci 'subject' "$out") subject lines)"
else
  fail "kubectl-certstore inspects the CA bundle" "$(head -c 400 "$out")"
fi

# Outside a cluster with no kubeconfig it must say so and exit non-zero
# (proves the in-cluster path is what the image falls back to).
if docker run --rm "$image" >"$out" 2>&1; then
  fail "no cluster: exits non-zero" "exited 0"
elif grep -q 'KUBERNETES_SERVICE_HOST' "$out"; then
  pass "no cluster: exits non-zero naming KUBERNETES_SERVICE_HOST/PORT"
else
  fail "no cluster: message names KUBERNETES_SERVICE_HOST" "$(head -c 400 "$out")"
fi

size=$(docker image inspect -f '{{.Size}}' "$image")
size_mb=$(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1e6}')
if [ "$size" -le $((max_mb * 1000 * 1000)) ]; then
  pass "size $size_mb MB <= $max_mb MB"
else
  fail "size $size_mb MB <= $max_mb MB"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
