#!/usr/bin/env bash
# Interop: the stores kubectl-certstore writes, read by the real tools that
# users run: Java 17 keytool and JSSE, and openssl.
#   java_interop_test.sh KUBECTL_CERTSTORE SOURCE_DIR
# Prints one line per check and ends with "N passed, N failed".
set -euo pipefail
BIN=$1
SRC=$2
WORK=$(mktemp -d /tmp/certstore-interop.XXXXXX)
SERVER_PIDS=()
cleanup() {
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

pass=0
fail=0
check() {  # check NAME COMMAND...
  local name=$1
  shift
  if "$@" >"$WORK/last.log" 2>&1; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    sed 's/^/    /' "$WORK/last.log" | tail -20
    fail=$((fail + 1))
  fi
}
contains() { grep -q -- "$2" "$1"; }

echo "== rendering the lab and variants into $WORK/lab"
"$BIN" render -f "$SRC/examples/mtls-lab.yaml" -f "$SRC/tests/interop/java_interop_variants.yaml" \
  --out "$WORK/lab" --layout files
L=$WORK/lab
pw() { cat "$L/$1.password"; }

# --- keytool sees the right entry types -----------------------------------
keytool_list() {  # STORE PASSWORD_NAME TYPE
  keytool -list -v -keystore "$L/$1" -storetype "$3" -storepass "$(pw "$2")" >"$WORK/kt.txt" 2>&1
}
for spec in "server.p12 server PKCS12" "client.p12 client PKCS12" "server.jks server JKS" \
            "client.jks client JKS" "legacy-server.p12 legacy-server PKCS12" \
            "ed-client.jks ed-client JKS"; do
  set -- $spec
  check "keytool: $1 is one PrivateKeyEntry with the full chain" bash -c "
    keytool -list -v -keystore '$L/$1' -storetype $3 -storepass \"\$(cat '$L/$2.password')\" > '$WORK/kt.txt' 2>&1 &&
    grep -q 'Your keystore contains 1 entry' '$WORK/kt.txt' &&
    grep -q 'Entry type: PrivateKeyEntry' '$WORK/kt.txt' &&
    grep -q 'Certificate chain length: 2' '$WORK/kt.txt' &&
    grep -q 'Issuer: CN=Lab mTLS Root CA' '$WORK/kt.txt'"
done
for spec in "server-trust.p12 server PKCS12" "client-trust.p12 client PKCS12" \
            "server-trust.jks server JKS" "legacy-client-trust.p12 legacy-client PKCS12"; do
  set -- $spec
  check "keytool: $1 is one trustedCertEntry and no key" bash -c "
    keytool -list -v -keystore '$L/$1' -storetype $3 -storepass \"\$(cat '$L/$2.password')\" > '$WORK/kt.txt' 2>&1 &&
    grep -q 'Your keystore contains 1 entry' '$WORK/kt.txt' &&
    grep -q 'Entry type: trustedCertEntry' '$WORK/kt.txt' &&
    ! grep -q PrivateKeyEntry '$WORK/kt.txt'"
done
check "keytool: wrong password is refused" bash -c "
  ! keytool -list -keystore '$L/server.p12' -storetype PKCS12 -storepass wrong-password"

# --- openssl agrees ----------------------------------------------------------
check "openssl pkcs12 -info: Modern2023 is AES-256-CBC/PBKDF2/SHA-256 MAC" bash -c "
  openssl pkcs12 -info -noout -in '$L/server.p12' -passin file:'$L/server.password' 2>&1 | tee '$WORK/o.txt' &&
  grep -q 'PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256' '$WORK/o.txt' &&
  grep -q 'MAC: sha256, Iteration 10000' '$WORK/o.txt'"
check "openssl pkcs12 -info: LegacyDES is 3DES with a SHA-1 MAC" bash -c "
  openssl pkcs12 -info -noout -in '$L/legacy-server.p12' -passin file:'$L/legacy-server.password' 2>&1 | tee '$WORK/o.txt' &&
  grep -q 'pbeWithSHA1And3-KeyTripleDES-CBC' '$WORK/o.txt' && grep -q 'MAC: sha1' '$WORK/o.txt'"
check "openssl verify -purpose sslserver: server certificate" \
  openssl verify -purpose sslserver -verify_hostname mtls-server.lab.local -CAfile "$L/server-ca.crt" "$L/server.crt"
check "openssl verify -purpose sslclient: client certificate" \
  openssl verify -purpose sslclient -CAfile "$L/client-ca.crt" "$L/client.crt"
check "openssl verify: client certificate is not a TLS server certificate" bash -c "
  ! openssl verify -purpose sslserver -CAfile '$L/client-ca.crt' '$L/client.crt'"
check "openssl verify: server certificate is not a TLS client certificate" bash -c "
  ! openssl verify -purpose sslclient -CAfile '$L/server-ca.crt' '$L/server.crt'"
check "openssl verify: host name not in the SAN is refused" bash -c "
  ! openssl verify -purpose sslserver -verify_hostname wrong.lab.local -CAfile '$L/server-ca.crt' '$L/server.crt'"

# --- a real JSSE mutual-TLS handshake ---------------------------------------
echo "== compiling the JSSE peer"
javac -d "$WORK/classes" "$SRC/tests/interop/java/MtlsPeer.java"
start_server() {  # NAME KEYSTORE TRUSTSTORE PASSWORD_NAME -> sets PORT
  local log=$WORK/$1.log
  java -cp "$WORK/classes" MtlsPeer server "$L/$2" "$L/$3" "$L/$4.password" 90 >"$log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's/^PORT //p' "$log")
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "server $1 did not start:"; cat "$log"; return 1
}
client() {  # HOST PORT KEYSTORE TRUSTSTORE PASSWORD_NAME
  java -cp "$WORK/classes" MtlsPeer client "$1" "$2" "$3" "$L/$4" "$L/$5.password"
}

start_server modern server.p12 server-trust.p12 server
MODERN=$PORT
check "JSSE: PKCS12 client and server complete mTLS and an HTTP request" bash -c "
  out=\$(java -cp '$WORK/classes' MtlsPeer client localhost $MODERN '$L/client.p12' '$L/client-trust.p12' '$L/client.password') &&
  echo \"\$out\" && [[ \"\$out\" == 'OK HTTP/1.1 200 OK hello CN=mtls-client,O=Lab,C=US' ]]"
check "JSSE: the IP SAN 127.0.0.1 verifies" bash -c "
  java -cp '$WORK/classes' MtlsPeer client 127.0.0.1 $MODERN '$L/client.p12' '$L/client-trust.p12' '$L/client.password' | grep -q '^OK HTTP/1.1 200'"
check "JSSE: JKS client stores against the PKCS12 server" bash -c "
  java -cp '$WORK/classes' MtlsPeer client mtls-server.lab.local $MODERN '$L/client.jks' '$L/client-trust.jks' '$L/client.password' | grep -q '^OK HTTP/1.1 200'"
check "JSSE: a client without a keystore is refused" bash -c "
  out=\$(java -cp '$WORK/classes' MtlsPeer client localhost $MODERN - '$L/client-trust.p12' '$L/client.password'); echo \"\$out\";
  [[ \"\$out\" == FAIL* ]] && grep -q 'HANDSHAKE_FAILED.*\\(Empty client certificate chain\\|certificate_required\\|bad_certificate\\)' '$WORK/modern.log'"
check "JSSE: a client certificate without clientAuth is refused" bash -c "
  out=\$(java -cp '$WORK/classes' MtlsPeer client localhost $MODERN '$L/no-clientauth.p12' '$L/no-clientauth-trust.p12' '$L/no-clientauth.password'); echo \"\$out\";
  [[ \"\$out\" == FAIL* ]] && grep -q 'Extended key usage does not permit use for TLS client authentication' '$WORK/modern.log'"
check "JSSE: a host name not in the server's SAN is refused" bash -c "
  out=\$(java -cp '$WORK/classes' MtlsPeer client wrong.lab.local $MODERN '$L/client.p12' '$L/client-trust.p12' '$L/client.password'); echo \"\$out\";
  [[ \"\$out\" == *'No subject alternative DNS name matching wrong.lab.local found'* ]]"

start_server legacy legacy-server.p12 legacy-server-trust.p12 legacy-server
check "JSSE: LegacyDES RSA stores complete mTLS" bash -c "
  java -cp '$WORK/classes' MtlsPeer client localhost $PORT '$L/legacy-client.p12' '$L/legacy-client-trust.p12' '$L/legacy-client.password' | grep -q '^OK HTTP/1.1 200 OK hello CN=legacy-client'"

start_server ed ed-server.jks ed-server-trust.jks ed-server
check "JSSE: Ed25519 JKS stores complete mTLS" bash -c "
  java -cp '$WORK/classes' MtlsPeer client localhost $PORT '$L/ed-client.jks' '$L/ed-client-trust.jks' '$L/ed-client.password' | grep -q '^OK HTTP/1.1 200 OK hello CN=ed-client'"

echo "java_interop: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
