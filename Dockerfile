# certstore-operator container image: certstore-operator and kubectl-certstore
# on a FROM-scratch root that holds only their shared libraries, the CA bundle
# and /etc/passwd. No shell, no package manager; runs as 65532:65532.
#
# Build with hack/image.sh (makes the debian:bookworm base image locally when
# no registry is reachable, picks BuildKit when this Docker has it).
# No `# syntax=` line on purpose: it would pull a frontend image from a
# registry.
#
# The base is not pinned by registry digest, and cannot be: no registry is
# reachable, and `debian:bookworm` is a root filesystem hack/base-images.sh
# debootstraps from Debian's mirror, whose Release files debootstrap verifies
# against debian-archive-keyring (so the packages are Debian's, signed), and
# imports into the local engine; a local import has no repository digest.
# What pins it instead: the same release the project builds and tests on,
# `apt-get upgrade` in the build stage for security fixes, and a final image
# holding only the libraries the binaries load. With a registry, replace the
# FROM lines with `debian:bookworm@sha256:<digest>`. The RUN --mount cache below needs BuildKit; hack/image.sh strips
# it for the classic builder.

# ---- build stage: the same Debian release the project builds and tests on --
FROM debian:bookworm AS build

# The build packages of hack/install-deps.sh, minus tests, interop and style
# tools (the tests are not built: -DCERTSTORE_TESTS=OFF). A layer of its own,
# so only a change here re-runs apt; a source change does not.
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update -qq \
 && apt-get upgrade -y -qq \
 && apt-get install -y -qq --no-install-recommends \
      g++ cmake ninja-build ccache pkg-config \
      libssl-dev libcpprest-dev libboost-system-dev libyaml-cpp-dev \
      nlohmann-json3-dev \
      prometheus-cpp-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# ccache lives in a BuildKit cache mount that outlives the build, so a rebuild
# after a source change recompiles only what changed (hack/build.sh's
# settings: paths relative to /src, so the cache does not depend on it).
ENV CCACHE_DIR=/root/.cache/ccache \
    CCACHE_BASEDIR=/src \
    CCACHE_NOHASHDIR=1 \
    CCACHE_MAXSIZE=2G

WORKDIR /src
# Only what the two binaries need: editing tests, docs, charts or scripts
# keeps the compile layer cached. A new top-level directory the build needs
# must be added here.
COPY CMakeLists.txt ./
COPY operator/ operator/

# Release at -O2, the optimisation level the tests run at (hack/build.sh:
# RelWithDebInfo), without debug info; only the two shipped binaries.
ARG JOBS=2
RUN --mount=type=cache,id=certstore-ccache,target=/root/.cache/ccache \
    cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DCERTSTORE_BENCHMARKS=OFF -DCERTSTORE_TESTS=OFF >/dev/null \
 && ccache --zero-stats >/dev/null \
 && ninja -C /build -j"${JOBS}" certstore-operator kubectl-certstore \
 && { ccache --show-stats | grep -Ei 'hits|misses' || true; }

COPY hack/image-rootfs.sh /usr/local/sbin/image-rootfs
RUN image-rootfs /rootfs /build/bin/certstore-operator /build/bin/kubectl-certstore \
 && /rootfs/usr/local/bin/certstore-operator --help >/dev/null 2>&1

# ---- runtime stage -----------------------------------------------------------
FROM scratch
COPY --from=build /rootfs/ /
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/certstore-operator"]
LABEL org.opencontainers.image.title="certstore-operator" \
      org.opencontainers.image.description="Kubernetes operator that issues certificates and keeps Java keystores and truststores (PKCS12, JKS, PEM) in Secrets; also ships kubectl-certstore" \
      org.opencontainers.image.base.name="scratch"
