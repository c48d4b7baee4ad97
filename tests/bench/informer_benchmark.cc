// Informer cost over N objects on the real API server: time to sync (list +
// cache) and memory per cached object. Run by hack/bench.sh informer.
//   informer_benchmark KUBECONFIG NAMESPACE N
// Creates N Secrets shaped like the ones the operator writes (~2.5 KB of
// data each) if they are not there yet, then measures a fresh informer.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "operator/common/base64.h"
#include "operator/kube/client.h"
#include "operator/kube/config.h"
#include "operator/kube/informer.h"

using namespace certstore;        // NOLINT(build/namespaces): a benchmark main
using namespace certstore::kube;  // NOLINT(build/namespaces)

namespace {

int64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  int64_t pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * sysconf(_SC_PAGESIZE);
}

TransportPtr Connect(const std::string& kubeconfig) {
  auto cfg = LoadConfig(kubeconfig, "");
  if (!cfg.ok()) {
    std::cerr << cfg.status() << "\n";
    std::exit(1);
  }
  return std::move(NewHttpTransport(std::move(cfg).value())).value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: informer_benchmark KUBECONFIG NAMESPACE N\n";
    return 2;
  }
  std::string kc = argv[1], ns = argv[2];
  int n = std::atoi(argv[3]);
  TransportPtr t = Connect(kc);
  Client c(*t);
  (void)c.Create(NamespacesResource(), "",
                 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
                 "\"name\":\"" +
                     ns + "\"}}");
  std::string blob = Base64Encode(std::string(1800, 'k'));
  auto start = std::chrono::steady_clock::now();
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w)
    writers.emplace_back([&] {
      TransportPtr wt = Connect(kc);
      Client wc(*wt);
      for (int i = next++; i < n; i = next++) {
        std::string s =
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
            "\"s" +
            std::to_string(i) +
            "\",\"labels\":{\"app.kubernetes.io/"
            "managed-by\":\"certstore-operator\"},"
            "\"annotations\":{\"certstore.dev/identity-hash\":\"" +
            std::string(64, 'a') + "\",\"certstore.dev/render-hash\":\"" +
            std::string(64, 'b') + "\"}},\"data\":{\"keystore.p12\":\"" + blob +
            "\",\"password\":\"" +
            Base64Encode("0123456789abcdef0123456789abcdef") + "\"}}";
        auto r = wc.Create(SecretsResource(), ns, s);
        if (!r.ok() && r.status().code() != StatusCode::kAlreadyExists)
          ++failed;
      }
    });
  for (auto& w : writers) w.join();
  double create_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (failed > 0) {
    std::cerr << failed << " creates failed\n";
    return 1;
  }

  int64_t rss_before = RssBytes();
  InformerOptions io;
  io.ns = ns;
  io.label_selector = "app.kubernetes.io/managed-by=certstore-operator";
  Informer inf(Connect(kc), SecretsResource(), io);
  auto sync_start = std::chrono::steady_clock::now();
  inf.Start();
  if (!inf.WaitForSync(std::chrono::minutes(5))) {
    std::cerr << "informer did not sync\n";
    return 1;
  }
  double sync_s = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - sync_start)
                      .count();
  int64_t rss_after = RssBytes();
  size_t json_bytes = 0;
  for (const auto& o : inf.List()) json_bytes += o->json.size();
  size_t count = inf.Size();
  inf.Stop();
  std::printf("| objects cached | %zu |\n", count);
  std::printf("| create %d Secrets (8 writers) | %.1f s |\n", n, create_s);
  std::printf(
      "| informer list + cache (time to synced) | %.2f s (%.0f objects/s) |\n",
      sync_s, count / sync_s);
  std::printf("| process RSS growth | %.1f MiB |\n",
              (rss_after - rss_before) / 1048576.0);
  std::printf(
      "| memory per cached object (RSS growth / objects) | %.0f bytes |\n",
      static_cast<double>(rss_after - rss_before) / count);
  std::printf("| of which the object's JSON | %.0f bytes |\n",
              static_cast<double>(json_bytes) / count);
  return count == static_cast<size_t>(n) ? 0 : 1;
}
