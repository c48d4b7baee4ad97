// Memory per cached object, as the informers hold them (issue 14): the
// same CertStore and managed Secret (tests/bench/api_fixtures.h) decoded
// for the cache N times, kept as JSON text (how the caches held every
// object before) and as the operator caches them now (cached_kinds.h:
// CertStores parsed, managed Secrets as a digest). Heap in use is read from
// glibc (mallinfo2) before and after, so the figures are bytes allocated
// per object, not RSS.
//   cache_memory_benchmark [N]   (default 10000; prints a markdown table)
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "operator/api/json.h"
#include "operator/controller/cached_kinds.h"
#include "operator/kube/object_decode.h"
#include "tests/bench/api_fixtures.h"

namespace certstore {
namespace {

size_t HeapInUse() { return mallinfo2().uordblks; }

// What the informer does with one list item: decode it for the cache,
// then (with a decoder) decode it once more into its typed form.
kube::ObjectPtr Cache(const std::string& text, bool typed, bool secret) {
  auto doc = json::Document::Parse(text);
  if (!doc) std::abort();
  kube::DecodedObject d = kube::DecodeForCache(doc->Root(), nullptr);
  auto obj = std::make_shared<kube::CachedObject>();
  obj->meta = std::move(d.meta);
  obj->json = std::move(d.json);
  if (typed) {
    obj->typed = secret ? controller::DecodeManagedSecret(*obj, false)
                        : controller::DecodeCertStore(*obj);
    if (!obj->typed) std::abort();
    obj->json.clear();
  }
  return obj;
}

// Bytes of heap per object for N objects made from `text` (names differ).
double PerObject(int n, const std::string& text, bool typed, bool secret) {
  std::vector<kube::ObjectPtr> kept;
  kept.reserve(n);
  malloc_trim(0);
  size_t before = HeapInUse();
  for (int i = 0; i < n; ++i) {
    std::string t = text;
    const std::string name = secret ? "mtls-server-stores" : "mtls-server";
    size_t at = t.find("\"name\":\"" + name + "\"");
    t.replace(at, name.size() + 9,
              "\"name\":\"" + name + "-" + std::to_string(i) + "\"");
    kept.push_back(Cache(t, typed, secret));
  }
  double per = static_cast<double>(HeapInUse() - before) / n;
  if (secret && typed &&
      !kept.back()->As<controller::CachedSecret>()->Has("keystore.p12"))
    std::abort();
  return per;
}

}  // namespace
}  // namespace certstore

int main(int argc, char** argv) {
  using namespace certstore;  // NOLINT(build/namespaces): a benchmark main
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  if (n <= 0) return 2;
  std::string cs = api::CertStoreJson(), secret = api::SecretJson();
  double cs_json = PerObject(n, cs, false, false);
  double cs_typed = PerObject(n, cs, true, false);
  double s_json = PerObject(n, secret, false, true);
  double s_digest = PerObject(n, secret, true, true);
  std::printf(
      "| cached object (%d of each) | as JSON text | as cached now | |\n", n);
  std::printf("| --- | ---: | ---: | ---: |\n");
  std::printf(
      "| CertStore (%zu B as sent) | %.0f B | %.0f B (parsed) | %.2fx |\n",
      cs.size(), cs_json, cs_typed, cs_json / cs_typed);
  std::printf(
      "| managed Secret (%zu B as sent) | %.0f B | %.0f B (digest) | %.2fx "
      "|\n",
      secret.size(), s_json, s_digest, s_json / s_digest);
  std::printf("| both, x %d | %.1f MiB | %.1f MiB | |\n", n,
              (cs_json + s_json) * n / 1048576,
              (cs_typed + s_digest) * n / 1048576);
  // What the smoke run holds to: a managed Secret cached as a digest, and a
  // CertStore with its Secret together, cost less than as JSON (a parsed
  // CertStore alone is larger than its text: docs/benchmarks.md).
  return s_digest < s_json && cs_typed + s_digest < cs_json + s_json ? 0 : 1;
}
