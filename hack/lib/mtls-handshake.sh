#!/usr/bin/env bash
# Shared by hack/lab.sh and hack/demo.sh: a real Java mutual-TLS handshake and
# HTTP request between a JSSE server and client on 127.0.0.1, using the store
# files in DIR (server.p12, server-trust.p12, server.password, client.p12,
# client-trust.p12, client.password); then the same client without its
# keystore, which the server must refuse. Source it, then:
#   run_mtls_handshake DIR      (returns non-zero if the good handshake fails
#                                or the keystore-less one succeeds)
run_mtls_handshake() {
  local dir=$1 classes log port="" server_pid rc=0
  classes=$(mktemp -d)
  javac -d "$classes" tests/interop/java/MtlsPeer.java
  log=$classes/server.log
  java -cp "$classes" MtlsPeer server "$dir/server.p12" "$dir/server-trust.p12" \
    "$dir/server.password" 30 >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^PORT //p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "server did not start"
    cat "$log"
    kill "$server_pid" 2>/dev/null || true
    rm -rf "$classes"
    return 1
  fi
  echo "server listening on 127.0.0.1:$port (client certificate required)"
  echo "-- client with client.p12 + client-trust.p12, verifying host mtls-server.lab.local:"
  java -cp "$classes" MtlsPeer client mtls-server.lab.local "$port" "$dir/client.p12" \
    "$dir/client-trust.p12" "$dir/client.password" || rc=1
  echo "-- the same client without its keystore (expected to fail: the server requires a client certificate):"
  if java -cp "$classes" MtlsPeer client mtls-server.lab.local "$port" - \
    "$dir/client-trust.p12" "$dir/client.password"; then
    echo "unexpected: the server accepted a client without a certificate"
    rc=1
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -rf "$classes"
  return $rc
}
