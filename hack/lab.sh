#!/usr/bin/env bash
# The main job, offline: the mutual-TLS lab that teams build by hand with
# openssl and keytool, in one command.
#   1. installs dependencies and builds kubectl-certstore,
#   2. renders examples/mtls-lab.yaml into out/mtls-lab (a root CA, a server
#      and a client certificate, server.p12, server-trust.p12, client.p12,
#      client-trust.p12, plus JKS and PEM twins and generated passwords),
#   3. shows what the stores hold (kubectl-certstore inspect, keytool),
#   4. runs a real Java mutual-TLS handshake and HTTP request between a JSSE
#      server and client using those files, on 127.0.0.1.
# Re-running keeps the CA and certificates (state in out/mtls-lab/.certstore-state).
set -euo pipefail
cd "$(dirname "$0")/.."
hack/install-deps.sh
hack/build.sh release
BIN=build/bin/kubectl-certstore
OUT=${OUT:-out/mtls-lab}

echo
echo "== 1. render examples/mtls-lab.yaml -> $OUT"
"$BIN" render -f examples/mtls-lab.yaml --out "$OUT" --layout files
ls -l "$OUT"

echo
echo "== 2. what server.p12 holds (kubectl-certstore inspect)"
"$BIN" inspect "$OUT/server.p12" --password-file "$OUT/server.password"
echo "== keytool's view of the four stores"
for s in server client; do
  for f in "$s.p12" "$s-trust.p12"; do
    printf '%-18s ' "$f"
    keytool -list -keystore "$OUT/$f" -storetype PKCS12 -storepass "$(cat "$OUT/$s.password")" \
      | sed -nE 's/^([^,]+),.*, (PrivateKeyEntry|trustedCertEntry),.*/alias \1: \2/p'
  done
done

echo
echo "== 3. Java mutual TLS: JSSE server (server.p12 + server-trust.p12, client auth required)"
# shellcheck source=lib/mtls-handshake.sh
source hack/lib/mtls-handshake.sh
run_mtls_handshake "$OUT"
echo
echo "lab: done. Files are in $OUT; passwords in *.password."
