// The operator at scale on the real API server (hack/bench.sh scale):
//
//   scale_benchmark scale KUBECONFIG OPERATOR_BIN N EC|RSA [PKCS12|PEM]
//     Starts the operator, creates N CertStores at once (4 writers) and
//     reports the time until all are Ready, throughput, peak and idle RSS,
//     API writes per issuance (from kube-apiserver's own
//     apiserver_request_total), idle CPU with N CertStores waiting for
//     renewal, memory once settled (5 minutes later: what a burst left has
//     expired), and apply-to-Ready latency p50/p99 of single CertStores
//     created one at a time on the idle operator; then restarts the
//     operator and reports its start-up: caches synced, every CertStore
//     checked, the writes it made (none expected) and its memory.
//   scale_benchmark unrelated KUBECONFIG OPERATOR_BIN M
//     Idle RSS of the operator alone, then with M unrelated 100 KB Secrets
//     in the cluster (created if missing).
//   scale_benchmark foreign KUBECONFIG OPERATOR_BIN M
//     The same with M labelled 1 MiB Secrets a tenant forged to look like
//     ours (managed-by label, certstore annotation, a controller
//     ownerReference to a live CertStore): only the operator's own Secrets
//     are cached with their data.
//
// Ready is observed through a watch on CertStores (no polling). kubectl (for
// /metrics) is taken from $KUBECTL, else PATH. Prints markdown table rows.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "operator/api/parse.h"
#include "operator/common/base64.h"
#include "operator/common/cpus.h"
#include "operator/kube/client.h"
#include "operator/kube/config.h"
#include "operator/kube/watch.h"

using namespace certstore;        // NOLINT(build/namespaces): a benchmark main
using namespace certstore::kube;  // NOLINT(build/namespaces)
using SteadyClock = std::chrono::steady_clock;

namespace {

pid_t g_operator = -1;  // the operator we started, stopped on any exit

[[noreturn]] void Die(const std::string& msg) {
  std::cerr << "scale_benchmark: " << msg << "\n";
  if (g_operator > 0) {
    kill(g_operator, SIGTERM);
    waitpid(g_operator, nullptr, 0);
  }
  std::exit(1);
}

TransportPtr Connect(const std::string& kubeconfig) {
  auto cfg = LoadConfig(kubeconfig, "");
  if (!cfg.ok()) Die(cfg.status().ToString());
  auto t = NewHttpTransport(std::move(cfg).value());
  if (!t.ok()) Die(t.status().ToString());
  return std::move(t).value();
}

double Seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// VmRSS / VmHWM (peak) of a process, in bytes.
struct Memory {
  int64_t rss = 0, peak = 0;
};
Memory MemoryOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  Memory m;
  std::string key;
  int64_t kb;
  std::string unit;
  while (in >> key) {
    if (key == "VmRSS:" && in >> kb >> unit)
      m.rss = kb * 1024;
    else if (key == "VmHWM:" && in >> kb >> unit)
      m.peak = kb * 1024;
  }
  return m;
}
// User + system CPU seconds of a process.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atol(field.c_str());
    if (i == 15) stime = std::atol(field.c_str());
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}
double MiB(double b) { return b / 1048576.0; }

int FreePort() {
  // Port 0 is not possible for the health endpoint we poll; pick from pid.
  return 20000 + (getpid() * 7) % 20000;
}

// Seconds from the queue emptying to the idle readings (a 30 s CPU window
// follows): 10 until the worker pool (session 20), which ends idle threads
// after 30 s.
constexpr int kIdleSettleSeconds = 15;

// Seconds between the idle and the settled readings:
// $CERTSTORE_BENCH_SETTLE_SECONDS, else 300 (what the write memory needs to
// expire; 0 for runs that only time the fleet's creation).
int SettleSeconds() {
  const char* s = std::getenv("CERTSTORE_BENCH_SETTLE_SECONDS");
  return s && *s ? std::atoi(s) : 300;
}

// --workers for the operator: $CERTSTORE_BENCH_WORKERS, else "auto" (its
// default).
std::string Workers() {
  const char* w = std::getenv("CERTSTORE_BENCH_WORKERS");
  return w && *w ? w : "auto";
}

// Workers() as a results table shows it: "auto (16)", the count the
// operator resolves on this machine (it logs it only at --log-level info).
std::string WorkersShown() {
  std::string w = Workers();
  if (w != "auto") return w;
  return w + " (" + std::to_string(DefaultWorkers(UsableCpus())) + ")";
}

class Operator {
 public:
  Operator(const std::string& bin, const std::string& kubeconfig,
           const std::string& crns) {
    health_ = FreePort();
    log_ = "/tmp/scale-benchmark-operator-" + std::to_string(getpid()) + ".log";
    std::vector<std::string> args = {bin,
                                     "--kubeconfig",
                                     kubeconfig,
                                     "--cluster-resource-namespace",
                                     crns,
                                     "--metrics-bind-address",
                                     "127.0.0.1:" + std::to_string(health_ + 1),
                                     "--health-probe-bind-address",
                                     "127.0.0.1:" + std::to_string(health_),
                                     "--log-level",
                                     "warn",
                                     "--workers",
                                     Workers()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    g_operator = pid_;
    auto end = SteadyClock::now() + std::chrono::seconds(120);
    while (Run("curl -s --max-time 2 http://127.0.0.1:" +
               std::to_string(health_) + "/readyz")
               .rfind("ok", 0) != 0) {
      if (SteadyClock::now() > end) Die("operator not ready; log " + log_);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~Operator() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    g_operator = -1;
  }
  pid_t pid() const { return pid_; }
  // Sum of a metric's samples whose labels contain `labels`.
  double Metric(const std::string& name, const std::string& labels) {
    std::istringstream in(Run("curl -s --max-time 5 http://127.0.0.1:" +
                              std::to_string(health_ + 1) + "/metrics"));
    double sum = 0;
    for (std::string line; std::getline(in, line);)
      if (line.rfind(name + "{", 0) == 0 &&
          line.find(labels) != std::string::npos)
        sum += std::stod(line.substr(line.rfind(' ') + 1));
    return sum;
  }
  // Waits until the operator's work queue stays empty for 3 s (its own
  // certstore_workqueue_depth); returns when it first was.
  SteadyClock::time_point WaitIdle() {
    auto end = SteadyClock::now() + std::chrono::minutes(30);
    SteadyClock::time_point empty_since{};
    int quiet = 0;
    while (quiet < 3) {
      if (SteadyClock::now() > end)
        Die("work queue never drained; log " + log_);
      std::string m = Run("curl -s --max-time 5 http://127.0.0.1:" +
                          std::to_string(health_ + 1) + "/metrics");
      bool empty =
          m.find("\ncertstore_workqueue_depth 0\n") != std::string::npos;
      if (empty && quiet == 0) empty_since = SteadyClock::now();
      quiet = empty ? quiet + 1 : 0;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return empty_since;
  }

 private:
  pid_t pid_ = -1;
  int health_ = 0;
  std::string log_;
};

// When each CertStore of a namespace first became Ready=True, from a watch.
class ReadyWatch {
 public:
  ReadyWatch(const std::string& kubeconfig, const std::string& ns)
      : transport_(Connect(kubeconfig)), client_(*transport_) {
    thread_ = std::thread([this, ns] {
      std::string rv;
      while (!stop_) {
        WatchOptions wo;
        wo.resource_version = rv;
        wo.timeout_seconds = 20;
        Status st = WatchOnce(
            client_, CertStoresResource(), ns, wo, [&](const WatchEvent& e) {
              if (!e.meta.resource_version.empty())
                rv = e.meta.resource_version.str();
              if (e.type != WatchEvent::Type::kAdded &&
                  e.type != WatchEvent::Type::kModified)
                return !stop_;
              api::ObservedStatus st = api::ParseObservedStatus(e.object);
              if (st.ready && st.ready->status == "True") {
                std::lock_guard<std::mutex> lock(mu_);
                if (ready_.emplace(e.meta.name, SteadyClock::now()).second)
                  cv_.notify_all();
              }
              return !stop_;
            });
        // Too old to resume (410): start over; Ready times already seen stay.
        if (st.code() == StatusCode::kOutOfRange) rv.clear();
        if (!st.ok() && !stop_)
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  ~ReadyWatch() {
    stop_ = true;
    thread_.join();
  }
  // Waits until `n` CertStores are Ready; returns when the last one was.
  SteadyClock::time_point WaitCount(size_t n, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return ready_.size() >= n; }))
      Die("only " + std::to_string(ready_.size()) + " of " + std::to_string(n) +
          " Ready");
    SteadyClock::time_point last{};
    for (const auto& [name, t] : ready_) last = std::max(last, t);
    return last;
  }
  SteadyClock::time_point WaitName(const std::string& name,
                                   std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return ready_.count(name) > 0; }))
      Die(name + " not Ready");
    return ready_[name];
  }

 private:
  TransportPtr transport_;
  Client client_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SteadyClock::time_point> ready_;
  std::thread thread_;
};

// Successful writes (POST, PUT, PATCH; 2xx) kube-apiserver counted, by
// "resource/subresource".
std::map<std::string, double> ApiRequests(bool writes) {
  const char* k = std::getenv("KUBECTL");
  std::string text =
      Run(std::string(k ? k : "kubectl") + " get --raw /metrics");
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  auto label = [](const std::string& l, const std::string& name) {
    size_t p = l.find(name + "=\"");
    if (p == std::string::npos) return std::string();
    p += name.size() + 2;
    return l.substr(p, l.find('"', p) - p);
  };
  while (std::getline(in, line)) {
    if (line.rfind("apiserver_request_total{", 0) != 0) continue;
    std::string verb = label(line, "verb"), code = label(line, "code");
    bool write =
        verb == "POST" || verb == "PUT" || verb == "PATCH" || verb == "APPLY";
    if (writes ? !write || code.empty() || code[0] != '2' : verb != "GET")
      continue;
    std::string key = label(line, "resource");
    if (key.empty()) continue;  // /metrics and other non-resource paths
    std::string sub = label(line, "subresource");
    if (!sub.empty()) key += "/" + sub;
    out[key] += std::atof(line.substr(line.rfind(' ') + 1).c_str());
  }
  return out;
}
// Successful writes, by "resource/subresource".
std::map<std::string, double> ApiWrites() { return ApiRequests(true); }
// Single-object GETs (any answer, 404 included), by "resource/subresource".
std::map<std::string, double> ApiReads() { return ApiRequests(false); }

void CreateNamespace(Client& c, const std::string& ns) {
  (void)c.Create(NamespacesResource(), "",
                 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
                 "\"name\":\"" +
                     ns + "\"}}");
}

std::string g_format = "PKCS12";  // formats of every CertStore: PKCS12 or PEM

std::string CertStoreJson(const std::string& name, const std::string& algo) {
  std::string key = algo == "RSA" ? "{\"algorithm\":\"RSA\",\"size\":2048}"
                                  : "{\"algorithm\":\"ECDSA\",\"size\":256}";
  return "{\"apiVersion\":\"certstore.dev/"
         "v1alpha1\",\"kind\":\"CertStore\",\"metadata\":{"
         "\"name\":\"" +
         name +
         "\"},\"spec\":{\"issuerRef\":{\"name\":\"bench\"},\"secretName\":\"" +
         name + "-stores\",\"keystore\":{\"commonName\":\"" + name +
         "\",\"dnsNames\":[\"" + name + ".bench.svc\"],\"privateKey\":" + key +
         "},\"truststore\":{},\"formats\":[\"" + g_format + "\"]}}";
}

void Parallel(int workers, int n, const std::string& kubeconfig,
              const std::function<void(Client&, int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      TransportPtr t = Connect(kubeconfig);
      Client c(*t);
      for (int i = next++; i < n; i = next++) fn(c, i);
    });
  for (auto& t : threads) t.join();
}

int Scale(const std::string& kc, const std::string& bin, int n,
          const std::string& algo) {
  TransportPtr t = Connect(kc);
  Client c(*t);
  std::string ns = std::string("scale-") + (algo == "RSA" ? "rsa" : "ec") +
                   "-" + std::to_string(n) + "-" + std::to_string(getpid());
  std::string crns = "scale-system-" + std::to_string(getpid());
  CreateNamespace(c, ns);
  CreateNamespace(c, crns);
  auto issuer = c.Create(
      CertIssuersResource(), ns,
      "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertIssuer\","
      "\"metadata\":{\"name\":\"bench\"},\"spec\":{\"selfSigned\":{"
      "\"secretName\":\"bench-ca\",\"commonName\":\"Bench Root\"}}}");
  if (!issuer.ok()) Die("issuer: " + issuer.status().ToString());

  auto op = std::make_unique<Operator>(bin, kc, crns);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  Memory start = MemoryOf(op->pid());
  ReadyWatch watch(kc, ns);
  auto writes_before = ApiWrites();

  double cpu_before = CpuSeconds(op->pid());
  auto t0 = SteadyClock::now();
  std::atomic<int> failed{0};
  Parallel(4, n, kc, [&](Client& wc, int i) {
    if (!wc.Create(CertStoresResource(), ns,
                   CertStoreJson("c" + std::to_string(i), algo))
             .ok())
      ++failed;
  });
  if (failed > 0) Die(std::to_string(failed.load()) + " creates failed");
  auto created = SteadyClock::now();
  auto last_ready = watch.WaitCount(n, std::chrono::seconds(3600));
  auto drained = op->WaitIdle();  // follow-up work (echoes, Events) done
  double issue_cpu = CpuSeconds(op->pid()) - cpu_before;
  auto writes_after = ApiWrites();
  Memory busy = MemoryOf(op->pid());

  // Idle: every CertStore waits for its renewal. The spare reconcile
  // threads end after --worker-idle-timeout (30 s) and the heartbeat hands
  // their heap back within 10 s more: read memory once they have.
  std::this_thread::sleep_for(std::chrono::seconds(kIdleSettleSeconds));
  double cpu0 = CpuSeconds(op->pid());
  auto idle_start = SteadyClock::now();
  std::this_thread::sleep_for(std::chrono::seconds(30));
  double idle_cpu =
      (CpuSeconds(op->pid()) - cpu0) / Seconds(SteadyClock::now() - idle_start);
  Memory idle = MemoryOf(op->pid());
  double idle_in_use = op->Metric("certstore_heap_bytes", "in_use");
  double idle_free = op->Metric("certstore_heap_bytes", "free");
  // Settled: the memory of the burst's writes (VerifiedStores entries, 5
  // minutes) has expired and been trimmed, as it has for an operator that
  // has run for a while.
  std::this_thread::sleep_for(std::chrono::seconds(SettleSeconds()));
  Memory settled = MemoryOf(op->pid());
  double settled_in_use = op->Metric("certstore_heap_bytes", "in_use");

  // Apply-to-Ready latency, one at a time.
  std::vector<double> lat;
  for (int i = 0; i < 50; ++i) {
    std::string name = "lat" + std::to_string(i);
    auto t = SteadyClock::now();
    if (!c.Create(CertStoresResource(), ns, CertStoreJson(name, algo)).ok())
      Die("create " + name);
    lat.push_back(Seconds(watch.WaitName(name, std::chrono::seconds(60)) - t) *
                  1000);
  }
  std::sort(lat.begin(), lat.end());

  // Start-up with every CertStore Ready: a new operator process lists them
  // all and checks each one (a reconcile per CertStore), writing nothing.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  op.reset();
  auto writes_before_restart = ApiWrites();
  auto reads_before_restart = ApiReads();
  auto restart0 = SteadyClock::now();
  op = std::make_unique<Operator>(bin, kc, crns);
  auto synced = SteadyClock::now();  // /readyz: caches synced
  const int total_certstores = n + static_cast<int>(lat.size());
  auto checked_by = SteadyClock::now() + std::chrono::minutes(30);
  while (op->Metric("certstore_reconcile_total", "controller=\"certstore\"") <
         total_certstores) {
    if (SteadyClock::now() > checked_by) Die("start-up checks never finished");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto checked = SteadyClock::now();
  op->WaitIdle();
  double restart_writes = 0;
  for (const auto& [k, v] : ApiWrites())
    if (k != "leases")
      restart_writes +=
          v - (writes_before_restart.count(k) ? writes_before_restart[k] : 0);
  std::string restart_reads;
  for (const auto& [k, v] : ApiReads()) {
    double d =
        v - (reads_before_restart.count(k) ? reads_before_restart[k] : 0);
    if (d <= 0 || k == "leases") continue;
    restart_reads += (restart_reads.empty() ? "" : ", ") + k + " " +
                     std::to_string(static_cast<int64_t>(d));
  }
  std::this_thread::sleep_for(std::chrono::seconds(10));
  Memory restarted = MemoryOf(op->pid());
  double restarted_in_use = op->Metric("certstore_heap_bytes", "in_use");

  std::printf(
      "| N | %d %s CertStores (%s keystore + truststore), --workers %s |\n", n,
      algo.c_str(), g_format.c_str(), WorkersShown().c_str());
  std::printf("| create N CertStores (4 API writers) | %.1f s |\n",
              Seconds(created - t0));
  std::printf(
      "| operator CPU per issuance (first create -> queue empty) | %.2f ms |\n",
      issue_cpu * 1000 / n);
  std::printf("| first create -> all N Ready | %.1f s (%.0f CertStores/s) |\n",
              Seconds(last_ready - t0), n / Seconds(last_ready - t0));
  std::printf("| all Ready -> work queue empty | %.1f s |\n",
              std::max(0.0, Seconds(drained - last_ready)));
  std::printf("| RSS at start (0 CertStores) | %.1f MiB |\n", MiB(start.rss));
  std::printf("| peak RSS (VmHWM) | %.1f MiB |\n", MiB(busy.peak));
  std::printf("| idle RSS with N CertStores | %.1f MiB |\n", MiB(idle.rss));
  std::printf(
      "| settled (6 min after the queue emptied): RSS / heap in use | %.1f MiB "
      "/ %.1f MiB |\n",
      MiB(settled.rss), MiB(settled_in_use));
  std::printf(
      "| idle heap: in use / free (certstore_heap_bytes) | %.1f MiB / "
      "%.1f MiB |\n",
      MiB(idle_in_use), MiB(idle_free));
  std::printf(
      "| idle CPU (30 s, N waiting for renewal) | %.2f%% of one core |\n",
      idle_cpu * 100);
  std::printf(
      "| apply -> Ready when idle, p50 / p99 (50 sequential) | %.0f ms / %.0f "
      "ms |\n",
      lat[lat.size() / 2], lat[lat.size() * 99 / 100]);
  double total = 0;
  std::string detail;
  for (const auto& [k, v] : writes_after) {
    double d = v - (writes_before.count(k) ? writes_before[k] : 0);
    if (k == "certstores") d -= n;  // our own creates
    if (d <= 0 || k == "leases") continue;
    total += d;
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%s%s %.2f", detail.empty() ? "" : ", ",
                  k.c_str(), d / n);
    detail += buf;
  }
  std::printf(
      "| API writes per issuance (apiserver_request_total) | %.2f (%s) |\n",
      total / n, detail.c_str());
  std::printf(
      "| start-up with N+%zu Ready: caches synced / every CertStore checked | "
      "%.1f s / %.1f s |\n",
      lat.size(), Seconds(synced - restart0), Seconds(checked - restart0));
  std::printf(
      "| start-up: API writes (Secrets, status, Events; not Leases) | %.0f |\n",
      restart_writes);
  std::printf("| start-up: API reads (single-object GETs) | %s |\n",
              restart_reads.empty() ? "0" : restart_reads.c_str());
  std::printf(
      "| start-up: peak RSS / idle RSS after / heap in use | %.1f MiB / %.1f "
      "MiB / %.1f MiB |\n",
      MiB(restarted.peak), MiB(restarted.rss), MiB(restarted_in_use));
  return 0;
}

// `foreign`: 1 MiB Secrets that carry our label, annotation and a
// controller reference to a real CertStore; else unrelated 100 KB ones.
int Unrelated(const std::string& kc, const std::string& bin, int m,
              bool foreign) {
  TransportPtr t = Connect(kc);
  Client c(*t);
  std::string crns = "scale-system-" + std::to_string(getpid());
  CreateNamespace(c, crns);
  auto idle_rss = [&] {
    Operator op(bin, kc, crns);
    std::this_thread::sleep_for(std::chrono::seconds(10));
    return MemoryOf(op.pid());
  };
  Memory alone = idle_rss();
  CreateNamespace(c, "unrelated");
  std::string blob =
      Base64Encode(std::string(foreign ? 1000 * 1000 : 100 * 1024, 'u'));
  std::string forged;
  if (foreign) {
    // A CertStore the tenant owns: its UID goes into every forged Secret.
    auto cs =
        c.Create(CertStoresResource(), "unrelated",
                 "{\"apiVersion\":\"certstore.dev/"
                 "v1alpha1\",\"kind\":\"CertStore\",\"metadata\":{"
                 "\"name\":\"decoy\"},\"spec\":{\"issuerRef\":{\"name\":"
                 "\"none\"},\"secretName\":"
                 "\"decoy-stores\",\"keystore\":{\"commonName\":\"decoy\"}}}");
    if (!cs.ok() && cs.status().code() != StatusCode::kAlreadyExists)
      Die(cs.status().ToString());
    auto got = c.Get(CertStoresResource(), "unrelated", "decoy");
    if (!got.ok()) Die(got.status().ToString());
    auto meta = ParseObjectMeta(*got);
    if (!meta.ok()) Die(meta.status().ToString());
    forged =
        ",\"labels\":{\"app.kubernetes.io/managed-by\":\"certstore-operator\"},"
        "\"annotations\":{\"certstore.dev/"
        "certstore\":\"decoy\"},\"ownerReferences\":[{"
        "\"apiVersion\":\"certstore.dev/"
        "v1alpha1\",\"kind\":\"CertStore\",\"name\":"
        "\"decoy\",\"uid\":\"" +
        meta->uid.str() + "\",\"controller\":true}]";
  }
  auto t0 = SteadyClock::now();
  std::atomic<int> failed{0};
  Parallel(foreign ? 2 : 8, m, kc, [&](Client& wc, int i) {
    auto r = wc.Create(SecretsResource(), "unrelated",
                       "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
                       "\"metadata\":{\"name\":\"u" +
                           std::to_string(i) + "\"" + forged +
                           "},\"data\":{\"blob\":\"" + blob + "\"}}");
    if (!r.ok() && r.status().code() != StatusCode::kAlreadyExists) ++failed;
  });
  if (failed > 0) Die(std::to_string(failed.load()) + " Secret creates failed");
  double create_s = Seconds(SteadyClock::now() - t0);
  Memory with = idle_rss();
  std::printf("| operator alone: idle RSS / peak | %.1f MiB / %.1f MiB |\n",
              MiB(alone.rss), MiB(alone.peak));
  const char* what = foreign ? "forged labelled 1 MiB" : "unrelated 100 KB";
  std::printf(
      "| with %d %s Secrets (created in %.0f s): idle RSS / peak | "
      "%.1f MiB / %.1f MiB |\n",
      m, what, create_s, MiB(with.rss), MiB(with.peak));
  std::printf("| added by the %s Secrets | %+.1f MiB |\n", what,
              MiB(with.rss - alone.rss));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if ((a.size() == 5 || a.size() == 6) && a[0] == "scale" &&
      (a[4] == "EC" || a[4] == "RSA")) {
    if (a.size() == 6) g_format = a[5];
    if (g_format != "PKCS12" && g_format != "PEM") Die("format: PKCS12 or PEM");
    return Scale(a[1], a[2], std::atoi(a[3].c_str()), a[4]);
  }
  if (a.size() == 4 && (a[0] == "unrelated" || a[0] == "foreign"))
    return Unrelated(a[1], a[2], std::atoi(a[3].c_str()), a[0] == "foreign");
  std::cerr
      << "usage: scale_benchmark scale KUBECONFIG OPERATOR_BIN N EC|RSA "
         "[PKCS12|PEM]\n"
         "       scale_benchmark unrelated|foreign KUBECONFIG OPERATOR_BIN M\n";
  return 2;
}
