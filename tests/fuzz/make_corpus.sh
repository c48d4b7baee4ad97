#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/<target>/ from openssl,
# keytool, the API corpus in tests/corpus and examples/. The seeds are checked
# in; run this only to replace them (keys are fresh each time, so every file
# changes). Stores use the password the fuzz targets use, "changeit"; the
# "*-pw-*" seeds carry their own password in front (see store_walk.h).
#   tests/fuzz/make_corpus.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$PWD/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pw=changeit
echo "make_corpus: writing tests/fuzz/corpus/{pem,der,pkcs12,jks,watch,kubeconfig,api}"
for t in pem der pkcs12 jks watch kubeconfig api; do
  rm -rf "${out:?}/$t"
  mkdir -p "$out/$t"
done

# --- keys and certificates (small: EC and Ed25519; one RSA 2048) ---------
cd "$tmp"
openssl ecparam -name prime256v1 -genkey -noout -out ca-ec.sec1.pem
openssl req -x509 -new -key ca-ec.sec1.pem -subj "/CN=Fuzz Root CA/O=Lab/C=US" \
  -days 3650 -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.p8.pem
openssl req -new -key leaf.p8.pem -subj "/CN=app.demo.svc/O=Lab" -out leaf.csr
cat > leaf.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:app.demo.svc,DNS:*.app.demo.svc,IP:127.0.0.1,IP:::1,URI:spiffe://lab/app,email:ops@example.com
EOF
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-ec.sec1.pem -set_serial 0x01f2 \
  -days 90 -extfile leaf.ext -out leaf.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.p8.pem
openssl req -x509 -new -key ed.p8.pem -subj "/CN=ed25519" -days 30 -out ed.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.p8.pem
openssl req -x509 -new -key p384.p8.pem -subj "/CN=p384" -days 30 -out p384.pem
openssl genrsa -traditional -out rsa.pkcs1.pem 2048 2>/dev/null
openssl req -x509 -new -key rsa.pkcs1.pem -subj "/CN=rsa" -days 30 -out rsa.pem
openssl pkey -in leaf.p8.pem -aes256 -passout pass:x -out leaf.enc.pem
cd - >/dev/null

# --- pem: bundles and keys, as in Secrets and ConfigMaps ------------------
cp "$tmp/ca.pem" "$out/pem/ca-ec.crt.pem"
cat "$tmp/leaf.pem" "$tmp/ca.pem" > "$out/pem/chain-leaf-ca.pem"
cat "$tmp/leaf.pem" "$tmp/leaf.p8.pem" > "$out/pem/leaf-cert-and-pkcs8-key.pem"
cat "$tmp/ca.pem" "$tmp/ca-ec.sec1.pem" > "$out/pem/ca-cert-and-sec1-key.pem"
cat "$tmp/ed.pem" "$tmp/ed.p8.pem" > "$out/pem/ed25519-cert-and-key.pem"
cat "$tmp/p384.pem" "$tmp/p384.p8.pem" > "$out/pem/p384-cert-and-key.pem"
cp "$tmp/rsa.pkcs1.pem" "$out/pem/rsa-pkcs1-key.pem"
cp "$tmp/leaf.enc.pem" "$out/pem/encrypted-key.pem"
printf 'comment before\n' | cat - "$tmp/ed.pem" > "$out/pem/text-before-cert.pem"

# --- der: single certificates ----------------------------------------------
for c in ca leaf ed p384 rsa; do
  openssl x509 -in "$tmp/$c.pem" -outform DER -out "$out/der/$c.der"
done

# --- pkcs12: what OpenSSL and keytool write --------------------------------
p12() { openssl pkcs12 -export -passout "pass:$pw" "$@"; }
p12 -inkey "$tmp/leaf.p8.pem" -in "$tmp/leaf.pem" -certfile "$tmp/ca.pem" \
  -name app -out "$out/pkcs12/keystore-aes.p12"
p12 -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -iter 2048 -inkey "$tmp/leaf.p8.pem" -in "$tmp/leaf.pem" -name app \
  -out "$out/pkcs12/keystore-legacy-3des.p12"
p12 -inkey "$tmp/ed.p8.pem" -in "$tmp/ed.pem" -name ed -nomac \
  -out "$out/pkcs12/keystore-ed25519-nomac.p12"
p12 -inkey "$tmp/leaf.p8.pem" -in "$tmp/leaf.pem" -name app -certpbe NONE -keypbe NONE \
  -out "$out/pkcs12/keystore-unencrypted.p12"
p12 -nokeys -in "$tmp/ca.pem" -out "$out/pkcs12/certs-only.p12"
keytool -importcert -noprompt -storetype PKCS12 -keystore "$tmp/trust.p12" \
  -storepass "$pw" -alias root -file "$tmp/ca.pem" >/dev/null 2>&1
cp "$tmp/trust.p12" "$out/pkcs12/truststore-keytool.p12"
# A store under a password of the seed's own (UTF-8 "s3cret-ü", 9 bytes).
own='s3cret-ü'
openssl pkcs12 -export -passout "pass:$own" -inkey "$tmp/ed.p8.pem" -in "$tmp/ed.pem" \
  -name ed -out "$tmp/own.p12"
{ printf '\x09%s' "$own"; cat "$tmp/own.p12"; } > "$out/pkcs12/keystore-pw-own.bin"

# --- jks: what keytool writes ----------------------------------------------
keytool -genkeypair -noprompt -storetype JKS -keystore "$out/jks/keystore-ec.jks" \
  -storepass "$pw" -keypass "$pw" -alias app -keyalg EC -groupname secp256r1 \
  -dname "CN=app,O=Lab" -validity 30 >/dev/null 2>&1
keytool -importcert -noprompt -storetype JKS -keystore "$out/jks/truststore.jks" \
  -storepass "$pw" -alias root -file "$tmp/ca.pem" >/dev/null 2>&1
keytool -importcert -noprompt -storetype JKS -keystore "$tmp/two.jks" \
  -storepass "$pw" -alias root -file "$tmp/ca.pem" >/dev/null 2>&1
keytool -importcert -noprompt -storetype JKS -keystore "$tmp/two.jks" \
  -storepass "$pw" -alias ed -file "$tmp/ed.pem" >/dev/null 2>&1
cp "$tmp/two.jks" "$out/jks/truststore-two.jks"
keytool -importcert -noprompt -storetype JKS -keystore "$tmp/own.jks" \
  -storepass "$own" -alias ed -file "$tmp/ed.pem" >/dev/null 2>&1
{ printf '\x09%s' "$own"; cat "$tmp/own.jks"; } > "$out/jks/truststore-pw-own.bin"

# --- watch: event lines as the API server streams them ---------------------
w=$out/watch
printf '%s\n' '{"type":"ADDED","object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"app-tls","namespace":"demo","uid":"3f1c","resourceVersion":"1042","generation":1,"labels":{"app":"demo"},"annotations":{"certstore.dev/owner":"demo/app"}},"type":"kubernetes.io/tls","data":{"tls.crt":"LS0t"}}}' > "$w/added-secret.jsonl"
printf '%s\n' '{"type":"MODIFIED","object":{"kind":"CertStore","apiVersion":"certstore.dev/v1alpha1","metadata":{"name":"app","namespace":"demo","resourceVersion":"1043","generation":2,"managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:spec":{}}}],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{}}","x":"y"}},"spec":{"keystore":{"secretName":"app-ks"}}}}' > "$w/modified-managed-fields.jsonl"
{
  printf '%s\n' '{"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"a","namespace":"demo","resourceVersion":"10"}}}'
  printf '%s\r\n' '{"type":"DELETED","object":{"kind":"Secret","metadata":{"name":"a","namespace":"demo","resourceVersion":"11"}}}'
  printf '\n  \n'
  printf '%s\n' '{"type":"BOOKMARK","object":{"kind":"Secret","metadata":{"resourceVersion":"15"}}}'
} > "$w/three-events.jsonl"
printf '%s\n' '{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (42)","reason":"Expired","code":410}}' > "$w/error-gone.jsonl"
printf '%s\n' '{"type":"ADDED","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"ü-ñ","namespace":"d","labels":{"k":"v\u00e9"}}}}' '{"type":"MODIFIED","object":{"kind":"PartialObje' > "$w/unicode-partial-line.jsonl"

# --- kubeconfig --------------------------------------------------------------
b64() { base64 -w0 "$1"; }
cat > "$out/kubeconfig/client-cert.yaml" <<EOF
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: $(b64 "$tmp/ca.pem")
    tls-server-name: kubernetes
contexts:
- name: dev
  context: {cluster: lab, user: admin, namespace: team}
- name: fuzz
  context: {cluster: lab, user: bot}
users:
- name: admin
  user:
    client-certificate-data: $(head -c 300 "$tmp/ed.pem" | base64 -w0)
    client-key-data: $(b64 "$tmp/ed.p8.pem")
- name: bot
  user:
    token: abc.def
EOF
cat > "$out/kubeconfig/exec-plugin.yaml" <<'EOF'
apiVersion: v1
kind: Config
current-context: eks
clusters:
- name: eks
  cluster:
    server: https://example.invalid
    insecure-skip-tls-verify: true
contexts:
- name: eks
  context:
    cluster: eks
    user: aws
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: ["eks", "get-token", "--cluster-name", "lab"]
      env:
      - name: AWS_PROFILE
        value: lab
EOF
cat > "$out/kubeconfig/files-and-token-file.yaml" <<'EOF'
apiVersion: v1
kind: Config
current-context: fuzz
clusters:
- name: c
  cluster:
    server: http://localhost:8080
    certificate-authority: ca.crt
contexts:
- name: fuzz
  context: {cluster: c, user: u}
users:
- name: u
  user:
    tokenFile: token
    client-certificate: tls.crt
    client-key: tls.key
EOF
printf '%s\n' '{"apiVersion":"v1","kind":"Config","current-context":"j","clusters":[{"name":"c","cluster":{"server":"https://10.0.0.1","proxy-url":"http://proxy"}}],"contexts":[{"name":"j","context":{"cluster":"c","user":"u"}}],"users":[{"name":"u","user":{"auth-provider":{"name":"gcp"}}}]}' > "$out/kubeconfig/json-unsupported.json"

# --- api: the API corpus, the example manifest and a status ----------------
for f in tests/corpus/valid/*.yaml; do cp "$f" "$out/api/valid-$(basename "$f")"; done
for f in certstore-source-two-kinds certstore-duration-days clustercertissuer-policy-cidr-host-bits \
         certstore-ip-invalid certstore-alias-uppercase; do
  cp "tests/corpus/invalid/$f.yaml" "$out/api/invalid-$f.yaml"
done
cp examples/mtls-lab.yaml "$out/api/example-mtls-lab.yaml"
printf '%s\n' '{"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore","metadata":{"name":"app","namespace":"demo","generation":3,"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"o","uid":"u","controller":true}]},"spec":{"keystore":{"secretName":"app-ks"},"issuerRef":{"name":"ca"}},"status":{"observedGeneration":3,"revision":2,"failedIssuanceAttempts":1,"renewalTime":"2030-01-01T00:00:00Z","truststore":{"earliestNotAfter":"2031-01-01T00:00:00Z","issuerCAs":["ab"]},"rotation":{"startedAt":"2030-01-01T00:00:00Z","previousCAs":[{"certificate":"-----BEGIN","fingerprintSHA256":"ab"}],"waitingFor":["demo/app"],"waitingCount":"1"},"conditions":[{"type":"Ready","status":"True","reason":"Issued","message":"ok","lastTransitionTime":"2030-01-01T00:00:00Z"},{"type":"Issuing","status":"False"}]}}' > "$out/api/certstore-with-status.json"
printf '%s\n' 'apiVersion: v1' 'kind: Secret' 'metadata: {name: s, namespace: demo}' 'type: Opaque' 'data: {ca.crt: LS0tLS1CRUdJTg==}' 'stringData: {password: "changeit"}' '---' 'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: b}' 'data: {ca.crt: "x"}' 'binaryData: {k: AAEC}' '---' 'apiVersion: v1' 'kind: Namespace' 'metadata: {name: demo, labels: {team: a}}' > "$out/api/secret-configmap-namespace.yaml"

du -sh "$out" | sed "s|$PWD/||"
echo "make_corpus: done ($(find "$out" -type f | wc -l) seeds)"
