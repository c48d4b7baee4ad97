#!/usr/bin/env bash
# Assembles the runtime root filesystem of the container image: the given
# binaries (stripped), exactly the shared libraries they load (as ldd lists
# them, loader included), the CA bundle, and the few /etc files a process
# expects. The Dockerfile's runtime stage is `FROM scratch` plus this tree, so
# the image has no shell, no package manager and nothing else to patch.
#
#   hack/image-rootfs.sh DEST BINARY...
#
# Runs inside the Dockerfile's build stage (Debian, merged /usr); it reads
# only that stage's files. Fails if a binary needs a library ldd cannot find.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: hack/image-rootfs.sh DEST BINARY..." >&2
  exit 2
fi
dest=$1
shift
if [ -e "$dest" ]; then
  echo "image-rootfs: $dest already exists" >&2
  exit 1
fi
echo "image-rootfs: assembling $dest for $*"

install -d -m 0755 "$dest"/usr/local/bin "$dest"/etc/ssl/certs \
  "$dest"/usr/lib/ssl "$dest"/var/lib/dpkg/status.d "$dest"/usr/share/doc
install -d -m 1777 "$dest"/tmp
# Debian 12 has merged /usr: /lib and /lib64 are symlinks into /usr. Keep the
# same layout, so the loader path baked into the binaries (PT_INTERP,
# /lib64/ld-linux-x86-64.so.2) and ld.so's default search path both resolve.
for d in lib lib64; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$dest/$d"
    install -d -m 0755 "$dest/$(readlink -f "/$d")"
  fi
done

for bin in "$@"; do
  install -m 0755 --strip "$bin" "$dest/usr/local/bin/$(basename "$bin")"
done

# Every library of every binary, as "path" lines: "name => /path (addr)" and
# the loader's own "/path (addr)" line.
ldd_out=$(for bin in "$@"; do ldd "$bin"; done)
if grep -q 'not found' <<<"$ldd_out"; then
  echo "image-rootfs: missing libraries:" >&2
  grep 'not found' <<<"$ldd_out" >&2
  exit 1
fi
mapfile -t libs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' \
  <<<"$ldd_out" | sort -u)

packages=(ca-certificates)
for lib in "${libs[@]}"; do
  real=$(readlink -f "$lib")
  # The file under its soname (libyaml-cpp.so.0.7, not .so.0.7.0), in the
  # directory it really lives in.
  target="$(dirname "$real")/$(basename "$lib")"
  install -d -m 0755 "$dest$(dirname "$real")"
  cp "$real" "$dest$target"
  # A name reached through another directory (the loader,
  # /lib64 -> /usr/lib64/ld-linux-x86-64.so.2 -> ../lib/x86_64-linux-gnu/...)
  # gets a symlink there.
  linkdir=$(readlink -f "$(dirname "$lib")")
  if [ "$linkdir" != "$(dirname "$real")" ]; then
    install -d -m 0755 "$dest$linkdir"
    ln -sf "$target" "$dest$linkdir/$(basename "$lib")"
  fi
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
  if [ -n "$pkg" ]; then packages+=("${pkg%%:*}"); fi
done
echo "image-rootfs: ${#libs[@]} libraries:" "${libs[@]##*/}"

# The public CA bundle (the operator's --system-bundle default) and Debian's
# OpenSSL configuration, so TLS behaves as on the hosts the tests run on
# (OPENSSLDIR is /usr/lib/ssl on Debian).
cp /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/"
cp /etc/ssl/openssl.cnf "$dest/etc/ssl/"
ln -s /etc/ssl/openssl.cnf "$dest/usr/lib/ssl/openssl.cnf"
ln -s /etc/ssl/certs "$dest/usr/lib/ssl/certs"

# The license of every package a file came from, and its dpkg status entry
# (the layout distroless images use), so image scanners see what is inside.
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
for pkg in "${packages[@]}"; do
  name=${pkg%%:*}
  if [ -f "/usr/share/doc/$name/copyright" ]; then
    install -d -m 0755 "$dest/usr/share/doc/$name"
    cp "/usr/share/doc/$name/copyright" "$dest/usr/share/doc/$name/"
  fi
  dpkg-query -s "$pkg" >"$dest/var/lib/dpkg/status.d/$name"
done
cp /etc/os-release "$dest/etc/os-release"
echo "image-rootfs: from packages:" "${packages[@]}"

# Users: the image runs as 65532:65532 ("nonroot", as in distroless).
cat >"$dest/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$dest/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
install -d -m 0700 -o 65532 -g 65532 "$dest/home/nonroot"
# Files and DNS for name lookups (glibc 2.36 has both built in).
cat >"$dest/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

du -sh "$dest" | awk '{print "image-rootfs: " $1 " in all"}'
