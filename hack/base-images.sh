#!/usr/bin/env bash
# Makes the base images the Dockerfile builds FROM, locally: this machine has
# no container registry, so `FROM debian:bookworm` must resolve to an image
# already in the Docker engine.
#
#   hack/base-images.sh            import debian:bookworm unless present
#   hack/base-images.sh --refresh  debootstrap anew and re-import
#
# debian:bookworm is a `debootstrap --variant=minbase` root filesystem from
# Debian's mirror, the same release the project builds on. The tarball is
# cached under ~/.cache/certstore-operator/base-images/, so after
# `docker image rm` (or on a fresh engine) the re-import takes seconds.
# Idempotent: does nothing when `docker image inspect debian:bookworm` succeeds.
set -euo pipefail

IMAGE=debian:bookworm
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
ARCH=$(dpkg --print-architecture)
CACHE=${CERTSTORE_CACHE:-$HOME/.cache/certstore-operator}/base-images
TARBALL=$CACHE/debian-$SUITE-minbase-$ARCH.tar

refresh=0
case "${1:-}" in
  "") ;;
  --refresh) refresh=1 ;;
  *) echo "usage: hack/base-images.sh [--refresh]" >&2; exit 2 ;;
esac

if [ "$refresh" -eq 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base-images: $IMAGE already present in the Docker engine"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

make_rootfs_tarball() {
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "base-images: installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends debootstrap ||
      { $SUDO apt-get update -qq &&
        $SUDO apt-get install -y -qq --no-install-recommends debootstrap; }
  fi
  mkdir -p "$CACHE"
  local root
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  # Remove the half-made root filesystem on any exit.
  # shellcheck disable=SC2064
  trap "$SUDO rm -rf '$root' '$TARBALL.tmp'" EXIT

  echo "base-images: debootstrap --variant=minbase $SUITE from $MIRROR (about a minute)"
  $SUDO debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$root" "$MIRROR" \
    >"$CACHE/debootstrap.log" 2>&1 ||
    { echo "base-images: debootstrap failed; see $CACHE/debootstrap.log" >&2; exit 1; }

  echo "base-images: configuring apt sources and trimming the root filesystem"
  $SUDO tee "$root/etc/apt/sources.list" >/dev/null <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  # As Debian's official container images do: no .deb files left behind by
  # `apt-get install`, so a RUN layer holds only what was installed.
  $SUDO tee "$root/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  # Docker bind-mounts its own resolv.conf, hosts and hostname; the
  # builder's copies must not leak into the image.
  $SUDO rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
    "$root"/etc/resolv.conf "$root"/etc/hostname "$root"/debootstrap
  $SUDO touch "$root/etc/resolv.conf"

  echo "base-images: writing $TARBALL"
  $SUDO tar --numeric-owner --xattrs -C "$root" -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  $SUDO rm -rf "$root"
  trap - EXIT
}

if [ "$refresh" -eq 1 ] || [ ! -s "$TARBALL" ]; then
  make_rootfs_tarball
else
  echo "base-images: using cached $TARBALL"
fi

echo "base-images: importing $IMAGE"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' \
  --message "debootstrap --variant=minbase $SUITE $MIRROR" \
  "$TARBALL" "$IMAGE" >/dev/null
echo "base-images: $IMAGE ready ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
