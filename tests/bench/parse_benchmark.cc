// What the operator pays per informer event and per reconcile to read an
// object the API server sent: ParseCertStore, ParseObservedStatus and
// ParseSecret on JSON as `kubectl get -o json` shows it (server-populated
// metadata with managedFields, a last-applied annotation and a status), and
// ParseCertStore on the YAML manifest of the same object for comparison;
// and what a cache pays to keep a CertStore packed (CompactObjectJson, then
// DEFLATE against CertStoreDictionary) and to unpack it.
#include <benchmark/benchmark.h>

#include <string>

#include "operator/api/compact_object.h"
#include "operator/api/parse.h"
#include "operator/common/deflate.h"
#include "tests/bench/api_fixtures.h"

namespace certstore::api {
namespace {

const char kCertStoreYaml[] = R"(apiVersion: certstore.dev/v1alpha1
kind: CertStore
metadata: {name: mtls-server, namespace: demo, labels: {team: payments}}
spec:
  issuerRef: {kind: ClusterCertIssuer, name: lab-root-ca}
  secretName: mtls-server-stores
  keystore:
    alias: server
    commonName: mtls-server.lab.local
    subject: {organizations: [Lab], countries: [US]}
    dnsNames: [mtls-server.lab.local, mtls-server.demo.svc,
               mtls-server.demo.svc.cluster.local]
    ipAddresses: [127.0.0.1]
    usages: [serverAuth, clientAuth]
    privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Always}
    duration: 2160h
    renewBefore: 720h
  truststore:
    sources:
      - issuer: {}
      - secret: {name: partner-ca, key: ca.crt}
  formats: [PKCS12, PEM]
  pkcs12: {profile: Modern2023}
)";

void BM_ParseCertStoreJson(benchmark::State& state) {
  const std::string text = CertStoreJson();
  for (auto _ : state) {
    auto cs = ParseCertStore(text);
    if (!cs.ok()) state.SkipWithError(cs.status().message().c_str());
    benchmark::DoNotOptimize(cs);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ParseCertStoreJson);

void BM_ParseObservedStatusJson(benchmark::State& state) {
  const std::string text = CertStoreJson();
  for (auto _ : state) {
    ObservedStatus st = ParseObservedStatus(text);
    if (st.revision != 2) state.SkipWithError("status not read");
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_ParseObservedStatusJson);

void BM_ParseSecretJson(benchmark::State& state) {
  const std::string text = SecretJson();
  for (auto _ : state) {
    auto s = ParseSecret(text);
    if (!s.ok()) state.SkipWithError(s.status().message().c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ParseSecretJson);

void BM_ParseCertStoreYaml(benchmark::State& state) {
  const std::string text = kCertStoreYaml;
  for (auto _ : state) {
    auto cs = ParseCertStore(text);
    if (!cs.ok()) state.SkipWithError(cs.status().message().c_str());
    benchmark::DoNotOptimize(cs);
  }
}
BENCHMARK(BM_ParseCertStoreYaml);

void BM_CompactCertStore(benchmark::State& state) {
  const std::string text = CertStoreJson();
  for (auto _ : state) {
    std::string compact = CompactObjectJson(text);
    if (compact.empty()) state.SkipWithError("not compacted");
    benchmark::DoNotOptimize(compact);
  }
}
BENCHMARK(BM_CompactCertStore);

void BM_DeflateCompactCertStore(benchmark::State& state) {
  const std::string compact = CompactObjectJson(CertStoreJson());
  size_t packed = 0;
  for (auto _ : state) {
    std::string out = DeflateWith(compact, CertStoreDictionary());
    packed = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["compact_bytes"] = static_cast<double>(compact.size());
  state.counters["deflated_bytes"] = static_cast<double>(packed);
}
BENCHMARK(BM_DeflateCompactCertStore);

void BM_InflateCompactCertStore(benchmark::State& state) {
  const std::string compact = CompactObjectJson(CertStoreJson());
  const std::string packed = DeflateWith(compact, CertStoreDictionary());
  for (auto _ : state) {
    StatusOr<std::string> out = InflateWith(packed, CertStoreDictionary());
    if (!out.ok() || *out != compact) state.SkipWithError("not the same");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_InflateCompactCertStore);

}  // namespace
}  // namespace certstore::api

BENCHMARK_MAIN();
