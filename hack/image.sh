#!/usr/bin/env bash
# Builds the container image (default certstore-operator:dev) from the
# Dockerfile and prints its size.
#   hack/image.sh [TAG]
# Makes the base image first (hack/base-images.sh: no registry here). Uses
# BuildKit when this Docker has it (ccache in a cache mount: warm rebuilds
# recompile only what changed), else the classic builder. Idempotent: a rerun
# with no change is a fully cached build.
# Environment: CERTSTORE_BUILDER=buildkit|classic forces a builder;
# CERTSTORE_IMAGE_JOBS (default 2) is the compile parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-certstore-operator:dev}

hack/base-images.sh

# Which builder: BuildKit through buildx if installed; else a docker client
# older than 23.0 (Debian 12's /usr/bin/docker is 20.10), whose BuildKit is
# built in; else the classic builder. Docker CLIs from 23.0 on refuse
# DOCKER_BUILDKIT=1 without buildx.
docker_bin=docker
builder=${CERTSTORE_BUILDER:-}
if [ -z "$builder" ] || [ "$builder" = buildkit ]; then
  if docker buildx version >/dev/null 2>&1; then
    builder=buildkit
  else
    for candidate in docker /usr/bin/docker; do
      v=$("$candidate" version --format '{{.Client.Version}}' 2>/dev/null || true)
      if [ -n "$v" ] && [ "${v%%.*}" -lt 23 ] 2>/dev/null; then
        builder=buildkit docker_bin=$candidate
        break
      fi
    done
  fi
fi
if [ "$builder" != buildkit ]; then
  if [ "${CERTSTORE_BUILDER:-}" = buildkit ]; then
    echo "image: no BuildKit-capable docker client found" >&2
    exit 1
  fi
  builder=classic
fi

labels=(--label "org.opencontainers.image.version=$(
  sed -nE 's/^project\(certstore_operator VERSION ([^ )]+).*/\1/p' CMakeLists.txt)")
if rev=$(git rev-parse HEAD 2>/dev/null); then
  if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then rev="$rev-dirty"; fi
  labels+=(--label "org.opencontainers.image.revision=$rev")
fi
if url=$(git remote get-url origin 2>/dev/null) && [[ "$url" == http* ]]; then
  labels+=(--label "org.opencontainers.image.source=${url%.git}")
fi

args=(build -t "$tag" "${labels[@]}" --build-arg "JOBS=${CERTSTORE_IMAGE_JOBS:-2}")
start=$(date +%s)
if [ "$builder" = buildkit ]; then
  echo "image: building $tag with BuildKit ($docker_bin)"
  DOCKER_BUILDKIT=1 "$docker_bin" "${args[@]}" --progress=plain .
else
  # The classic builder has no RUN --mount: drop the cache mount (ccache then
  # runs cold inside the layer), feeding the edited Dockerfile on stdin.
  echo "image: building $tag with the classic builder (no BuildKit here)"
  sed -E 's/--mount=type=cache[^ ]* //' Dockerfile |
    DOCKER_BUILDKIT=0 docker "${args[@]}" -f - .
fi
end=$(date +%s)

# A rebuild leaves the previous image untagged: remove those of this project.
docker image prune -f --filter dangling=true \
  --filter label=org.opencontainers.image.title=certstore-operator >/dev/null

size=$(docker image inspect -f '{{.Size}}' "$tag")
echo "image: $tag built in $((end - start)) s, $(awk -v s="$size" 'BEGIN {printf "%.1f MB (%d bytes)", s / 1e6, s}')"
