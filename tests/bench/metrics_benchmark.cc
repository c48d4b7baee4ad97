// Cost of the operator's /metrics with many CertStores: a scrape of N
// CertStores (each with a truststore of two certificates) and the cost of
// keeping the Inventory current (one parse per object change). Run by
// hack/bench.sh metrics; with CERTSTORE_EXPOSITION_OUT=FILE it first writes
// the exposition for 10,000 CertStores to FILE (the test command checks it
// with `promtool check metrics`).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "operator/common/base64.h"
#include "operator/common/clock.h"
#include "operator/metrics/operator_metrics.h"
#include "operator/pki/ca.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"

namespace certstore {
namespace {

std::string TrustBundlePem() {
  static const std::string pem = [] {
    std::string out;
    for (const char* cn : {"Bench Root CA", "Partner Root CA"}) {
      auto key = pki::GenerateKey({pki::KeyAlgorithm::kEcdsa, 256});
      pki::RootSpec rs;
      rs.subject.common_name = cn;
      auto ca = pki::CreateSelfSignedCa(rs, key->get(), SystemClock::Get());
      out += pki::EncodeCertificatePem(ca->cert.get());
    }
    return out;
  }();
  return pem;
}

kube::ObjectPtr CertStoreObject(int i) {
  auto o = std::make_shared<kube::CachedObject>();
  o->meta.ns = "team-" + std::to_string(i % 100);
  o->meta.name = "app-" + std::to_string(i);
  o->meta.generation = 1;
  o->json =
      "{\"apiVersion\":\"certstore.dev/"
      "v1alpha1\",\"kind\":\"CertStore\",\"metadata\":{"
      "\"name\":\"" +
      o->meta.name + "\",\"namespace\":\"" + o->meta.ns +
      "\"},\"spec\":{\"issuerRef\":{\"kind\":\"ClusterCertIssuer\",\"name\":"
      "\"lab\"},"
      "\"secretName\":\"" +
      o->meta.name + "-stores\",\"keystore\":{\"commonName\":\"" +
      o->meta.name +
      "\"},\"truststore\":{}},\"status\":{\"observedGeneration\":1,"
      "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":"
      "\"Issued\","
      "\"message\":\"ok\",\"lastTransitionTime\":\"2026-11-23T12:00:00Z\"}],"
      "\"notBefore\":\"2026-11-23T12:00:00Z\",\"notAfter\":\"2027-02-21T12:00:"
      "00Z\","
      "\"renewalTime\":\"2027-01-22T12:00:00Z\",\"revision\":1}}";
  return o;
}

kube::ObjectPtr SecretObject(int i) {
  auto o = std::make_shared<kube::CachedObject>();
  o->meta.ns = "team-" + std::to_string(i % 100);
  o->meta.name = "app-" + std::to_string(i) + "-stores";
  o->meta.annotations.Set("certstore.dev/certstore",
                          "app-" + std::to_string(i));
  o->json =
      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" +
      o->meta.name + "\",\"namespace\":\"" + o->meta.ns +
      "\"},\"data\":{\"ca.crt\":\"" + Base64Encode(TrustBundlePem()) + "\"}}";
  return o;
}

std::unique_ptr<controller::Inventory> MakeInventory(int n) {
  auto inv = std::make_unique<controller::Inventory>();
  for (int i = 0; i < n; ++i) {
    inv->OnCertStore(nullptr, CertStoreObject(i));
    inv->OnManagedSecret(nullptr, SecretObject(i));
  }
  return inv;
}

void BM_Scrape(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  auto inv = MakeInventory(n);
  metrics::OperatorMetrics m("bench");
  m.AttachInventory(inv.get());
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = m.Scrape();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Scrape)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_InventoryUpdate(benchmark::State& state) {
  controller::Inventory inv;
  auto cs = CertStoreObject(1);
  auto secret = SecretObject(1);
  for (auto _ : state) {
    inv.OnCertStore(cs, cs);
    inv.OnManagedSecret(secret, secret);
  }
}
BENCHMARK(BM_InventoryUpdate)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace certstore

int main(int argc, char** argv) {
  if (const char* out = std::getenv("CERTSTORE_EXPOSITION_OUT")) {
    auto inv = certstore::MakeInventory(10000);
    certstore::metrics::OperatorMetrics m("bench");
    m.AttachInventory(inv.get());
    std::ofstream(out) << m.Scrape();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
