// certstore-operator: watches CertStores and issuers and keeps their Secrets
// right. Thin: flags, logging, the Manager (operator/controller/manager.h)
// and the HTTP endpoints; SIGTERM/SIGINT stop it cleanly (the Lease is
// released so a standby takes over at once).
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

#include "operator/cli/args.h"
#include "operator/common/cpus.h"
#include "operator/common/duration.h"
#include "operator/common/log.h"
#include "operator/controller/manager.h"
#include "operator/controller/seal_key_store.h"
#include "operator/kube/config.h"
#include "operator/kube/fenced_transport.h"
#include "operator/metrics/http_endpoints.h"
#include "operator/metrics/operator_metrics.h"

namespace certstore {
namespace {

constexpr char kUsage[] =
    R"(certstore-operator: keystores and truststores for CertStores

Flags (environment variables in brackets):
  --kubeconfig FILE                 (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME
  --namespaces NS[,NS...]           watch only these namespaces (default: all)
                                    [WATCH_NAMESPACES]
  --cluster-resource-namespace NS   where ClusterCertIssuer Secrets live
                                    (default: $POD_NAMESPACE, else certstore-system)
  --workers N|auto                  concurrent reconciles, 1 to 64 (default
                                    auto: eight per usable CPU, counting the
                                    cgroup's CPU limit, from 2 to 16)
  --worker-idle-timeout D           a reconcile thread idle this long ends,
                                    down to two kept; one starts again when
                                    work waits (default 30s)
  --seal-key-secret NAME            Secret in the cluster resource namespace
                                    holding the key that seals written Secrets
                                    (created on first start; "" = none: every
                                    start-up check opens every store)
                                    (default certstore-operator-seal-key)
  --leader-elect                    only the Lease holder reconciles
  --leader-election-namespace NS    (default: the cluster resource namespace)
  --system-bundle FILE              CA bundle for systemDefaults trust sources
                                    (default /etc/ssl/certs/ca-certificates.crt)
  --ca-rotation-propagation-delay D how long kubelet may take to show a
                                    changed Secret to pods; a CA rotation waits
                                    this long between its steps (default 60s)
  --ca-rotation-member-deadline D   how long a CA rotation step waits for
                                    CertStores that lag (e.g. a Secret that
                                    cannot be written) before it goes on
                                    without them (default 1h)
  --renew-request-interval D        the least time between renewals that
                                    certstore.dev/renew-request asks for, per
                                    CertStore (default 60s)
  --workload-restarts true|false    roll Deployments, StatefulSets and
                                    DaemonSets annotated
                                    certstore.dev/restart-on-change: "true"
                                    when the stores in Secrets they read
                                    change (default true)
  --workload-restart-window D       changes within this long make one
                                    restart; less than the propagation delay
                                    (default 10s)
  --metrics-bind-address ADDR       /metrics (default :8080; 0 disables)
  --health-probe-bind-address ADDR  /healthz and /readyz (default :8081; 0 disables)
  --health-api-silence D            /healthz fails when the API server has not
                                    answered a heartbeat for this long (default 60s)
  --reconcile-budget D              a reconcile running longer is logged and
                                    /healthz fails while it runs (default 2m)
  --shutdown-timeout D              after SIGTERM, exit within this long even if
                                    the API server is unreachable (default 10s;
                                    keep it below terminationGracePeriodSeconds)
  --log-format json|text            (default json: one JSON object per line)
  --log-level debug|info|warn|error (default info)
)";

std::string Env(const char* k, const std::string& def) {
  const char* v = std::getenv(k);
  return v && *v ? v : def;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int Fail(const std::string& msg) {
  Log(LogLevel::kError, msg);
  return 1;
}

}  // namespace

int Main(int argc, char** argv) {
  // Key material and passwords live in this process's memory: never in a
  // core file, and no other process of the same user may ptrace it.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0);
  // glibc gives each thread that allocates its own 64 MiB arena; with the
  // HTTP client's and the workers' threads that is most of an idle RSS.
  // Two arenas, whatever the worker count: a reconcile spends its time in
  // OpenSSL and on round trips, not in malloc (docs/benchmarks.md measures
  // 2 to 32 workers with them).
  mallopt(M_ARENA_MAX, 2);
  // Large buffers (a list page, a watch event carrying a big foreign
  // Secret before its data is dropped) are mapped and unmapped on their
  // own, instead of glibc raising its threshold and keeping them in the
  // heap after they are freed.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // First: a SIGTERM from now on is handled by the sigwait below (a clean
  // stop), even when it arrives during start-up.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto args = cli::ParseArgs(std::vector<std::string>(argv + 1, argv + argc),
                             {{"kubeconfig"},
                              {"context"},
                              {"namespaces"},
                              {"cluster-resource-namespace"},
                              {"seal-key-secret"},
                              {"workers"},
                              {"worker-idle-timeout"},
                              {"leader-elect", 0, false},
                              {"leader-election-namespace"},
                              {"system-bundle"},
                              {"ca-rotation-propagation-delay"},
                              {"ca-rotation-member-deadline"},
                              {"renew-request-interval"},
                              {"workload-restarts"},
                              {"workload-restart-window"},
                              {"health-api-silence"},
                              {"reconcile-budget"},
                              {"shutdown-timeout"},
                              {"metrics-bind-address"},
                              {"health-probe-bind-address"},
                              {"log-format"},
                              {"log-level"},
                              {"help", 'h', false}});
  if (!args.ok() || args->Has("help")) {
    if (!args.ok()) std::cerr << args.status().message() << "\n";
    std::cerr << kUsage;
    return args.ok() ? 0 : 2;
  }
  std::string format = args->Get("log-format", "json");
  auto level = ParseLogLevel(args->Get("log-level", "info"));
  if ((format != "json" && format != "text") || !level.ok()) {
    std::cerr << "invalid --log-format (json|text) or --log-level "
                 "(debug|info|warn|error)\n"
              << kUsage;
    return 2;
  }
  ConfigureLogging({format == "json", *level, nullptr});
  int usable_cpus = UsableCpus();
  auto workers_or = ParseWorkers(args->Get("workers", "auto"), usable_cpus);
  if (!workers_or.ok()) {
    std::cerr << workers_or.status().message() << "\n";
    return 2;
  }
  int workers = *workers_or;
  auto propagation =
      ParseGoDuration(args->Get("ca-rotation-propagation-delay", "60s"));
  if (!propagation.ok() || propagation->count() < 0) {
    std::cerr << "--ca-rotation-propagation-delay: want a duration such as 60s "
                 "or 2m\n";
    return 2;
  }
  auto member_deadline =
      ParseGoDuration(args->Get("ca-rotation-member-deadline", "1h"));
  if (!member_deadline.ok() || member_deadline->count() < 0) {
    std::cerr
        << "--ca-rotation-member-deadline: want a duration such as 1h or 30m\n";
    return 2;
  }
  auto renew_interval =
      ParseGoDuration(args->Get("renew-request-interval", "60s"));
  if (!renew_interval.ok() || renew_interval->count() < 0) {
    std::cerr << "--renew-request-interval: want a duration such as 60s\n";
    return 2;
  }
  std::string restarts = args->Get("workload-restarts", "true");
  auto restart_window =
      ParseGoDuration(args->Get("workload-restart-window", "10s"));
  if ((restarts != "true" && restarts != "false") || !restart_window.ok() ||
      restart_window->count() < 1 ||
      (restarts == "true" && *restart_window >= *propagation)) {
    std::cerr << "--workload-restarts: want true or false; "
                 "--workload-restart-window: want a duration of at least 1s "
                 "and below --ca-rotation-propagation-delay (a CA rotation "
                 "must restart workloads for the new trust before "
                 "certificates move)\n";
    return 2;
  }
  controller::HealthOptions health;
  struct DurationFlag {
    const char* name;
    const char* def;
    std::chrono::milliseconds* out;
  };
  std::chrono::milliseconds shutdown_timeout{}, worker_idle_timeout{};
  for (const DurationFlag& f :
       {DurationFlag{"health-api-silence", "60s", &health.api_silence},
        DurationFlag{"worker-idle-timeout", "30s", &worker_idle_timeout},
        DurationFlag{"reconcile-budget", "2m", &health.reconcile_budget},
        DurationFlag{"shutdown-timeout", "10s", &shutdown_timeout}}) {
    auto d = ParseGoDuration(args->Get(f.name, f.def));
    if (!d.ok() || d->count() <= 0) {
      std::cerr << "--" << f.name << ": want a positive duration such as "
                << f.def << "\n";
      return 2;
    }
    *f.out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  std::string metrics_addr = args->Get("metrics-bind-address", ":8080");
  std::string health_addr = args->Get("health-probe-bind-address", ":8081");
  for (const auto& a : {metrics_addr, health_addr}) {
    auto lp = metrics::ListeningPort(a);
    if (!lp.ok()) {
      std::cerr << lp.status().message() << "\n";
      return 2;
    }
  }

  std::string identity = Env("POD_NAME", "");
  if (identity.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    identity = std::string(host) + "-" + std::to_string(getpid());
  }
  std::string kubeconfig = args->Get("kubeconfig"),
              context = args->Get("context");
  // One transport per watch; configuration is re-read for each (tokens
  // and exec credentials are per transport). The user agent names the
  // replica, so audit logs tell replicas apart.
  std::string user_agent = std::string("certstore-operator/") +
                           CERTSTORE_VERSION + " (" + identity + ")";
  auto make_transport = [kubeconfig, context,
                         user_agent]() -> StatusOr<kube::TransportPtr> {
    ASSIGN_OR_RETURN(kube::ClusterConfig config,
                     kube::LoadConfig(kubeconfig, context));
    config.user_agent = user_agent;
    return kube::NewHttpTransport(std::move(config));
  };
  metrics::OperatorMetrics operator_metrics(CERTSTORE_VERSION);
  auto transport = make_transport();
  if (!transport.ok())
    return Fail("configuration: " + transport.status().message());
  // Every write checks, as it starts, that this replica may still write
  // (the leader's renew deadline; kube/fenced_transport.h).
  std::atomic<const controller::Manager*> fence_source{nullptr};
  kube::TransportPtr main_transport = kube::FencedTransport(
      metrics::CountingTransport(std::move(transport).value(),
                                 &operator_metrics),
      [&fence_source] {
        const controller::Manager* m = fence_source.load();
        return m ? m->WriteWindow() : std::chrono::milliseconds(0);
      });
  kube::Client client(*main_transport);
  auto transports = [make_transport,
                     &operator_metrics]() -> kube::TransportPtr {
    auto t = make_transport();
    if (!t.ok()) {  // it worked a moment ago: the files changed under us
      Log(LogLevel::kError, "configuration: " + t.status().message());
      std::exit(1);
    }
    return metrics::CountingTransport(std::move(t).value(), &operator_metrics);
  };

  controller::ManagerOptions mo;
  mo.namespaces =
      SplitList(args->Get("namespaces", Env("WATCH_NAMESPACES", "")));
  mo.cluster_resource_namespace = args->Get(
      "cluster-resource-namespace", Env("POD_NAMESPACE", "certstore-system"));
  mo.system_bundle_path =
      args->Get("system-bundle", "/etc/ssl/certs/ca-certificates.crt");
  mo.workers = workers;
  mo.worker_idle_exit = worker_idle_timeout;
  mo.seal_key_secret =
      args->Get("seal-key-secret", controller::kDefaultSealKeySecret);
  mo.rotation_propagation_delay = *propagation;
  mo.rotation_member_deadline = *member_deadline;
  mo.renew_request_interval = *renew_interval;
  mo.workload_restarts = restarts == "true";
  mo.restart_window =
      std::chrono::duration_cast<std::chrono::milliseconds>(*restart_window);
  mo.health = health;
  mo.leader_elect = args->Has("leader-elect");
  mo.identity = identity;
  mo.leader_election.ns =
      args->Get("leader-election-namespace", mo.cluster_resource_namespace);
  mo.leader_election.identity = mo.identity;
  const Clock& clock = SystemClock::Get();
  controller::Manager manager(transports, client, clock, mo, &operator_metrics);
  operator_metrics.Attach(&manager);
  fence_source = &manager;
  manager.mutable_queue().SetWaitObserver(
      [&operator_metrics](double s) { operator_metrics.QueueWait(s); });

  // /metrics on the metrics address, /healthz and /readyz on the health
  // address; one server when both are the same.
  std::map<std::string, metrics::EndpointHandler> health_handlers = {
      {"/healthz",
       [&manager] {
         controller::HealthReport h = manager.Health();
         if (h.healthy) return metrics::HttpReply{200, "text/plain", "ok\n"};
         std::string body;
         for (const auto& p : h.problems) body += p + "\n";
         return metrics::HttpReply{500, "text/plain", body};
       }},
      {"/readyz", [&manager] {
         if (!manager.Synced())
           return metrics::HttpReply{503, "text/plain", "caches not synced\n"};
         return metrics::HttpReply{
             200, "text/plain",
             manager.Leading() ? "ok (leader)\n" : "ok (standby)\n"};
       }}};
  std::map<std::string, metrics::EndpointHandler> metrics_handlers = {
      {"/metrics", [&operator_metrics] {
         metrics::HttpReply r{200, "text/plain; version=0.0.4; charset=utf-8",
                              ""};
         r.stream = [&operator_metrics](const metrics::BodySink& sink) {
           operator_metrics.ScrapeTo(sink);
         };
         return r;
       }}};
  std::vector<std::unique_ptr<metrics::HttpEndpoints>> servers;
  auto serve = [&](const std::string& addr,
                   std::map<std::string, metrics::EndpointHandler> handlers,
                   const std::string& what) -> bool {
    if (metrics::ListeningPort(addr)->empty()) return true;
    auto h = metrics::HttpEndpoints::Start(addr, std::move(handlers));
    if (!h.ok()) {
      Log(LogLevel::kError, what + ": " + h.status().message());
      return false;
    }
    Log(LogLevel::kInfo, "serving " + what,
        {{"address", addr}, {"port", std::to_string((*h)->port())}});
    servers.push_back(std::move(h).value());
    return true;
  };
  if (metrics_addr == health_addr) {
    health_handlers.insert(metrics_handlers.begin(), metrics_handlers.end());
    if (!serve(health_addr, health_handlers, "/metrics, /healthz and /readyz"))
      return 1;
  } else if (!serve(metrics_addr, metrics_handlers, "/metrics") ||
             !serve(health_addr, health_handlers, "/healthz and /readyz")) {
    return 1;
  }

  Log(LogLevel::kInfo, "starting",
      {{"workers", std::to_string(workers)},
       {"usableCPUs", std::to_string(usable_cpus)}});
  std::thread starter([&manager] { manager.Start(); });
  int sig = 0;
  sigwait(&set, &sig);
  Log(LogLevel::kInfo, "shutting down",
      {{"signal", std::to_string(sig)},
       {"timeout", std::to_string(shutdown_timeout.count()) + "ms"}});
  // A clean stop waits for in-flight API calls (Lease release, last
  // writes); an unreachable API server must not hold the pod past its
  // grace period: after --shutdown-timeout the process exits regardless
  // (the Lease then expires on its own).
  std::thread([shutdown_timeout] {
    std::this_thread::sleep_for(shutdown_timeout);
    Log(LogLevel::kWarn, "shutdown did not finish in time; exiting now",
        {{"timeout", std::to_string(shutdown_timeout.count()) + "ms"}});
    std::_Exit(1);
  }).detach();
  manager.Stop();
  fence_source = nullptr;
  starter.join();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace certstore

int main(int argc, char** argv) { return certstore::Main(argc, argv); }
