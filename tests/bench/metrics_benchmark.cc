// Cost of the operator's /metrics with many CertStores: a scrape of N
// CertStores (each with a truststore of two certificates) and the cost of
// keeping the Inventory current (one parse per object change). Run by
// hack/bench.sh metrics; with CERTSTORE_EXPOSITION_OUT=FILE it first writes
// the exposition for 10,000 CertStores to FILE (the test command checks it
// with `promtool check metrics`).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include "operator/metrics/operator_metrics.h"
#include "tests/support/inventory_fleet.h"

namespace certstore {
namespace {

using testing::CertStoreObject;
using testing::MakeInventory;
using testing::SecretObject;

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

// What /metrics does: the exposition handed to the connection in pieces.
// Counters: the largest piece, and the most heap the scrape held beyond
// what was in use when it began (mallinfo2 read at every piece).
void BM_ScrapeStreamed(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  auto inv = MakeInventory(n);
  metrics::OperatorMetrics m("bench");
  m.AttachInventory(inv.get());
  size_t bytes = 0, largest = 0;
  double held = 0;
  for (auto _ : state) {
    auto in_use = [] {
      struct mallinfo2 h = mallinfo2();
      return static_cast<double>(h.uordblks + h.hblkhd);
    };
    double base = in_use();
    bytes = 0;
    m.ScrapeTo([&](std::string_view piece) {
      bytes += piece.size();
      largest = std::max(largest, piece.size());
      held = std::max(held, in_use() - base);
      return true;
    });
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["largest_piece"] = static_cast<double>(largest);
  state.counters["heap_held"] = held;
}
BENCHMARK(BM_ScrapeStreamed)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

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
    auto inv = certstore::testing::MakeInventory(10000);
    certstore::metrics::OperatorMetrics m("bench");
    m.AttachInventory(inv.get());
    std::ofstream(out) << m.Scrape();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
