// Issue 14: which JSON library the operator uses for everything on the
// wire. Times, on the same typed results, each candidate (nlohmann/json,
// RapidJSON, simdjson DOM and On-Demand) and today's baselines (cpprestsdk,
// yaml-cpp) on a 500-Secret list page and on watch events, measures the heap
// a parsed page holds, and times the writers; before any timing, checks that
// every library decodes the same values (and fails the run if a candidate
// does not), then probes behaviours on hostile input. Run by
// `hack/bench.sh json`, which builds this standalone CMake project (the
// operator's build never depends on the candidates) and turns the JSON
// output into the tables in docs/benchmarks.md.
//
// Extra results ride in the benchmark context: "memory/<id>" = "peak
// retained allocations mallinfo_retained|note", "probe/<n>/<id>" = outcome,
// "fixture/*" = sizes, "lib/<id>" = version.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <cstring>

#include "tests/bench/json/checks.h"
#include "tests/bench/json/codec.h"
#include "tests/bench/json/fixtures.h"

namespace jsonbench {
namespace {

std::vector<Codec> AllCodecs() {
  std::vector<Codec> all;
  for (auto* family : {NlohmannCodecs, RapidJsonCodecs, SimdJsonCodecs,
                       CppRestCodecs, YamlCppCodecs})
    for (Codec& c : family()) all.push_back(std::move(c));
  return all;
}

void Register(const Codec& c, const Fixtures& f) {
  const std::string& page = f.page;
  auto page_bench = [&page, c](benchmark::State& state, int mode) {
    for (auto _ : state) {
      bool ok;
      if (mode == 0) {
        ok = c.parse_only(page);
      } else {
        SecretListPage out;
        ok = c.decode_page(page, mode == 2, &out);
        benchmark::DoNotOptimize(out.items.data());
      }
      if (!ok) {
        state.SkipWithError("decode failed");
        break;
      }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                            static_cast<int64_t>(page.size()));
  };
  benchmark::RegisterBenchmark(("page/parse/" + c.id).c_str(), page_bench, 0)
      ->Unit(benchmark::kMillisecond);
  if (c.syntax_only != nullptr)
    benchmark::RegisterBenchmark(("page/syntax/" + c.id).c_str(),
                                 [&page, c](benchmark::State& state) {
                                   for (auto _ : state)
                                     if (!c.syntax_only(page)) {
                                       state.SkipWithError("syntax error");
                                       break;
                                     }
                                 })
        ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("page/walk/" + c.id).c_str(), page_bench, 1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("page/walk_sha256/" + c.id).c_str(), page_bench,
                               2)
      ->Unit(benchmark::kMillisecond);

  benchmark::RegisterBenchmark(
      ("watch/certstore/" + c.id).c_str(), [&f, c](benchmark::State& state) {
        for (auto _ : state) {
          WatchEvent<CertStoreObject> e;
          if (!c.decode_certstore_event(f.certstore_event, &e)) {
            state.SkipWithError("decode failed");
            break;
          }
          benchmark::DoNotOptimize(e.object.meta.name.data());
        }
      });
  benchmark::RegisterBenchmark(
      ("watch/secret/" + c.id).c_str(), [&f, c](benchmark::State& state) {
        for (auto _ : state) {
          WatchEvent<SecretSummary> e;
          if (!c.decode_secret_event(f.secret_event, &e)) {
            state.SkipWithError("decode failed");
            break;
          }
          benchmark::DoNotOptimize(e.object.meta.name.data());
        }
      });
  if (c.write_secret == nullptr) return;
  benchmark::RegisterBenchmark(
      ("write/secret/" + c.id).c_str(), [&f, c](benchmark::State& state) {
        for (auto _ : state) {
          std::string out;
          if (!c.write_secret(f.secret_to_write, &out)) {
            state.SkipWithError("write failed");
            break;
          }
          benchmark::DoNotOptimize(out.data());
        }
      });
  benchmark::RegisterBenchmark(
      ("write/status/" + c.id).c_str(), [&f, c](benchmark::State& state) {
        for (auto _ : state) {
          std::string out;
          if (!c.write_status_patch(f.status_patch, &out)) {
            state.SkipWithError("write failed");
            break;
          }
          benchmark::DoNotOptimize(out.data());
        }
      });
}

// References that bound what any library can do with the page.
void RegisterReferences(const Fixtures& f) {
  benchmark::RegisterBenchmark("page/reference/memcpy", [&f](benchmark::State&
                                                                 state) {
    std::string copy;
    copy.reserve(f.page.size());
    for (auto _ : state) {
      copy.assign(f.page);
      benchmark::DoNotOptimize(copy.data());
    }
    state.SetBytesProcessed(state.iterations() *
                            static_cast<int64_t>(f.page.size()));
  })->Unit(benchmark::kMillisecond);
  // SHA-256 over the same 3,000 base64 values the decoders digest.
  std::vector<std::string> values;
  for (const auto& [k, v] : f.secret_to_write.data) values.push_back(v);
  benchmark::RegisterBenchmark(
      "page/reference/sha256_only",
      [values](benchmark::State& state) {
        for (auto _ : state)
          for (int i = 0; i < 500; ++i)
            for (const std::string& v : values)
              benchmark::DoNotOptimize(Sha256Hex(v.data(), v.size()));
      })
      ->Unit(benchmark::kMillisecond);
}

std::string Human(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f MiB", bytes / 1048576.0);
  return buf;
}

}  // namespace
}  // namespace jsonbench

int main(int argc, char** argv) {
  using namespace jsonbench;
  // The operator's allocator settings (certstore_operator_main.cc): buffers
  // over 256 KiB are mmapped and unmapped on their own.
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  const Fixtures& f = GetFixtures();
  std::vector<Codec> codecs = AllCodecs();
  std::fprintf(stderr,
               "fixtures: list page %zu bytes (500 Secrets), CertStore event "
               "%zu bytes, Secret event %zu bytes; simdjson: %s\n",
               f.page.size(), f.certstore_event.size(), f.secret_event.size(),
               SimdJsonImplementations().c_str());
  benchmark::AddCustomContext("fixture/page_bytes",
                              std::to_string(f.page.size()));
  benchmark::AddCustomContext("fixture/certstore_event_bytes",
                              std::to_string(f.certstore_event.size()));
  benchmark::AddCustomContext("fixture/secret_event_bytes",
                              std::to_string(f.secret_event.size()));
  benchmark::AddCustomContext("simdjson/implementations",
                              SimdJsonImplementations());

  // 1. Correctness: fatal for candidates, reported for the baselines.
  bool fatal = false;
  for (const CheckResult& r : RunChecks(codecs, f)) {
    std::fprintf(
        stderr, "check %-18s %s\n", r.codec_id.c_str(),
        r.failures.empty() ? "ok: same values, digests and escapes" : "FAILED");
    for (const std::string& why : r.failures)
      std::fprintf(stderr, "    %s\n", why.c_str());
    benchmark::AddCustomContext("check/" + r.codec_id,
                                r.failures.empty()
                                    ? "ok"
                                    : std::to_string(r.failures.size()) +
                                          " failures: " + r.failures[0]);
    if (!r.failures.empty() && r.candidate) fatal = true;
  }
  if (fatal) {
    std::fprintf(stderr,
                 "json_benchmark: a candidate decoded or wrote "
                 "wrong values; no timings\n");
    return 1;
  }

  // 2. Behaviour on hostile input.
  std::vector<Probe> probes = RunProbes(codecs);
  for (size_t i = 0; i < probes.size(); ++i) {
    benchmark::AddCustomContext("probe/" + std::to_string(i) + "/title",
                                probes[i].title);
    for (size_t j = 0; j < codecs.size(); ++j) {
      benchmark::AddCustomContext(
          "probe/" + std::to_string(i) + "/" + codecs[j].id,
          probes[i].outcomes[j]);
      std::fprintf(stderr, "probe %-45s %-18s %s\n", probes[i].title.c_str(),
                   codecs[j].id.c_str(), probes[i].outcomes[j].c_str());
    }
  }

  // 3. Heap held by a parsed list page (each measured twice; the second,
  // with warm library state, is reported).
  for (const Codec& c : codecs) {
    c.measure_page(f.page);
    Footprint m = c.measure_page(f.page);
    benchmark::AddCustomContext(
        "memory/" + c.id,
        std::to_string(m.peak) + " " + std::to_string(m.retained) + " " +
            std::to_string(m.allocations) + " " +
            std::to_string(m.mallinfo_retained) + "|" + m.note);
    benchmark::AddCustomContext("lib/" + c.id, c.title + "|" + c.version);
    std::fprintf(stderr,
                 "memory %-18s peak %s, retained %s (%lld allocations; "
                 "mallinfo2 %s) %s\n",
                 c.id.c_str(), Human(m.peak).c_str(), Human(m.retained).c_str(),
                 static_cast<long long>(m.allocations),
                 Human(m.mallinfo_retained).c_str(), m.note.c_str());
  }

  // 4. Speed.
  RegisterReferences(f);
  for (const Codec& c : codecs) Register(c, f);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
