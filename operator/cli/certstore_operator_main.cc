// certstore-operator: watches CertStores and issuers and keeps their Secrets
// right. Thin: wiring of informers, the work queue, workers and (optionally)
// leader election around the reconcilers in operator/controller.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "operator/api/parse.h"
#include "operator/cli/args.h"
#include "operator/common/time_format.h"
#include "operator/controller/certstore_reconciler.h"
#include "operator/kube/config.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"
#include "operator/kube/leader_election.h"
#include "operator/kube/work_queue.h"

namespace certstore {
namespace {

constexpr char kUsage[] = R"(certstore-operator: keystores and truststores for CertStores

Flags:
  --kubeconfig FILE                 (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME
  --cluster-resource-namespace NS   where ClusterCertIssuer Secrets live
                                    (default: $POD_NAMESPACE, else certstore-system)
  --workers N                       concurrent reconciles (default 2)
  --leader-elect                    only the Lease holder reconciles
  --leader-election-namespace NS    (default: the cluster resource namespace)
  --system-bundle FILE              CA bundle for systemDefaults trust sources
  --log-format json|text            (default json: one JSON object per line)
  --log-level debug|info|warn|error (default info)
)";

std::mutex log_mu;
bool log_json = true;
int log_min = 1;  // 0 debug, 1 info, 2 warn, 3 error

int LevelRank(const std::string& level) {
  if (level == "DEBUG") return 0;
  if (level == "WARN") return 2;
  if (level == "ERROR") return 3;
  return 1;
}

// One line per message: JSON lines by default ({"ts","level","msg"}), or
// text. Messages never carry keys or passwords (callers' contract).
void Log(const std::string& level, const std::string& msg) {
  if (LevelRank(level) < log_min) return;
  std::string ts = FormatRfc3339(SystemClock::Get().Now());
  std::lock_guard<std::mutex> l(log_mu);
  if (log_json) {
    std::string lower = level;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    std::cerr << "{\"ts\":" << kube::JsonQuote(ts) << ",\"level\":" << kube::JsonQuote(lower)
              << ",\"msg\":" << kube::JsonQuote(msg) << "}" << std::endl;
  } else {
    std::cerr << ts << " " << level << " " << msg << std::endl;
  }
}

kube::TransportPtr MustTransport(const kube::ClusterConfig& base, const std::string& path,
                                 const std::string& context) {
  auto cfg = kube::LoadConfig(path, context);
  (void)base;
  if (!cfg.ok()) {
    Log("ERROR", "configuration: " + cfg.status().message());
    std::exit(1);
  }
  auto t = kube::NewHttpTransport(std::move(cfg).value());
  if (!t.ok()) {
    Log("ERROR", t.status().message());
    std::exit(1);
  }
  return std::move(t).value();
}

std::string Env(const char* k, const std::string& def) {
  const char* v = std::getenv(k);
  return v && *v ? v : def;
}

}  // namespace

int Main(int argc, char** argv) {
  auto args = cli::ParseArgs(std::vector<std::string>(argv + 1, argv + argc),
                             {{"kubeconfig"}, {"context"}, {"cluster-resource-namespace"},
                              {"workers"}, {"leader-elect", 0, false},
                              {"leader-election-namespace"}, {"system-bundle"},
                              {"log-format"}, {"log-level"},
                              {"help", 'h', false}});
  if (!args.ok() || args->Has("help")) {
    if (!args.ok()) std::cerr << args.status().message() << "\n";
    std::cerr << kUsage;
    return args.ok() ? 0 : 2;
  }
  std::string format = args->Get("log-format", "json"), level = args->Get("log-level", "info");
  if ((format != "json" && format != "text") ||
      (level != "debug" && level != "info" && level != "warn" && level != "error")) {
    std::cerr << "invalid --log-format or --log-level\n" << kUsage;
    return 2;
  }
  log_json = format == "json";
  for (char& c : level) c = static_cast<char>(std::toupper(c));
  log_min = LevelRank(level);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::string kubeconfig = args->Get("kubeconfig"), context = args->Get("context");
  std::string crns = args->Get("cluster-resource-namespace", Env("POD_NAMESPACE", "certstore-system"));
  int workers = std::max(1, std::atoi(args->Get("workers", "2").c_str()));
  const Clock& clock = SystemClock::Get();
  kube::ClusterConfig unused;

  kube::TransportPtr main_transport = MustTransport(unused, kubeconfig, context);
  kube::Client client(*main_transport);
  std::string identity = Env("POD_NAME", "") ;
  if (identity.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    identity = std::string(host) + "-" + std::to_string(getpid());
  }
  kube::EventRecorder events(client, "certstore-operator", identity, crns, clock);

  kube::Informer certstores(MustTransport(unused, kubeconfig, context), kube::CertStoresResource(), {});
  kube::Informer issuers(MustTransport(unused, kubeconfig, context), kube::CertIssuersResource(), {});
  kube::Informer cluster_issuers(MustTransport(unused, kubeconfig, context),
                                 kube::ClusterCertIssuersResource(), {});
  kube::InformerOptions secret_opts;
  secret_opts.label_selector = std::string(api::kManagedByLabel) + "=" + api::kManagedByValue;
  kube::Informer secrets(MustTransport(unused, kubeconfig, context), kube::SecretsResource(),
                         secret_opts);

  // "CertStores using issuer X", so an issuer change re-reconciles them.
  certstores.AddIndex("issuer", [](const kube::CachedObject& o) -> std::vector<std::string> {
    auto cs = api::ParseCertStore(o.json);
    if (!cs.ok()) return {};
    const auto& r = cs->spec.issuer_ref;
    if (r.kind == api::IssuerKind::kClusterCertIssuer) return {"ClusterCertIssuer/" + r.name};
    return {"CertIssuer/" + o.meta.ns + "/" + r.name};
  });

  kube::WorkQueue queue(clock);
  auto key_of = [](const kube::ObjectPtr& o) { return kube::ObjectKey(o->meta.ns, o->meta.name); };
  certstores.AddHandler([&](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
    if (!new_obj) return;  // deleted: ownerReferences clean up
    if (old_obj && old_obj->meta.generation == new_obj->meta.generation) return;  // status only
    queue.Add("cs:" + key_of(new_obj));
  });
  auto issuer_handler = [&](bool cluster) {
    return [&, cluster](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
      const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
      if (new_obj && (!old_obj || old_obj->meta.generation != new_obj->meta.generation))
        queue.Add(std::string(cluster ? "cci:" : "ci:") + key_of(o));
      std::string idx = cluster ? "ClusterCertIssuer/" + o->meta.name
                                : "CertIssuer/" + o->meta.ns + "/" + o->meta.name;
      for (const auto& cs : certstores.ByIndex("issuer", idx)) queue.Add("cs:" + key_of(cs));
    };
  };
  issuers.AddHandler(issuer_handler(false));
  cluster_issuers.AddHandler(issuer_handler(true));
  secrets.AddHandler([&](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
    const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
    auto it = o->meta.annotations.find("certstore.dev/certstore");
    if (it != o->meta.annotations.end()) queue.Add("cs:" + o->meta.ns + "/" + it->second);
    // A CA Secret changed: its issuers' CertStores are re-read via the issuer.
    auto is = o->meta.annotations.find("certstore.dev/issuer");
    if (it == o->meta.annotations.end() && is != o->meta.annotations.end()) {
      std::string v = is->second;  // "Kind/name"
      bool cluster = v.rfind("ClusterCertIssuer/", 0) == 0;
      std::string n = v.substr(v.find('/') + 1);
      std::string idx = cluster ? "ClusterCertIssuer/" + n : "CertIssuer/" + o->meta.ns + "/" + n;
      for (const auto& cs : certstores.ByIndex("issuer", idx)) queue.Add("cs:" + key_of(cs));
      queue.Add(std::string(cluster ? "cci:" : "ci:") + (cluster ? n : o->meta.ns + "/" + n));
    }
  });

  for (auto* inf : {&certstores, &issuers, &cluster_issuers, &secrets}) inf->Start();
  for (auto* inf : {&certstores, &issuers, &cluster_issuers, &secrets})
    while (!inf->WaitForSync(std::chrono::seconds(5))) Log("INFO", "waiting for caches to sync");
  Log("INFO", "caches synced; cluster resource namespace " + crns + "; identity " + identity);

  controller::ReconcilerDeps deps;
  deps.client = &client;
  deps.certstores = &certstores;
  deps.issuers = &issuers;
  deps.cluster_issuers = &cluster_issuers;
  deps.events = &events;
  deps.cluster_resource_namespace = crns;
  deps.system_bundle_path = args->Get("system-bundle");
  deps.clock = &clock;
  controller::CertStoreReconciler reconciler(deps);

  std::atomic<bool> leading{!args->Has("leader-elect")};
  auto enqueue_all = [&] {
    for (const auto& o : certstores.List()) queue.Add("cs:" + key_of(o));
    for (const auto& o : issuers.List()) queue.Add("ci:" + key_of(o));
    for (const auto& o : cluster_issuers.List()) queue.Add("cci:" + key_of(o));
  };
  std::unique_ptr<kube::LeaderElector> elector;
  std::thread election;
  if (args->Has("leader-elect")) {
    kube::LeaderElectionConfig lc;
    lc.ns = args->Get("leader-election-namespace", crns);
    lc.identity = identity;
    elector = std::make_unique<kube::LeaderElector>(client, lc, clock);
    election = std::thread([&] {
      elector->Run([&] {
        Log("INFO", "became leader (" + identity + ")");
        leading = true;
        enqueue_all();
      },
                   [&] {
                     Log("INFO", "stopped leading");
                     leading = false;
                   });
    });
  } else {
    enqueue_all();
  }

  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i)
    pool.emplace_back([&] {
      while (auto key = queue.Get()) {
        if (!leading.load()) {  // standby: keep caches warm, write nothing
          queue.Done(*key);
          queue.AddAfter(*key, std::chrono::seconds(5));
          continue;
        }
        std::string k = *key;
        controller::ReconcileResult r;
        if (k.rfind("cs:", 0) == 0) r = reconciler.Reconcile(k.substr(3));
        else if (k.rfind("cci:", 0) == 0) r = controller::ReconcileIssuer(deps, true, k.substr(4));
        else if (k.rfind("ci:", 0) == 0) r = controller::ReconcileIssuer(deps, false, k.substr(3));
        if (!r.error.ok()) {
          Log("WARN", "reconcile " + k + " failed (will retry): " + r.error.message());
          queue.Done(k);
          queue.AddRateLimited(k);
          continue;
        }
        Log("DEBUG", "reconciled " + k);
        queue.Forget(k);
        queue.Done(k);
        if (r.requeue_after)
          queue.AddAfter(k, std::chrono::duration_cast<std::chrono::milliseconds>(*r.requeue_after));
      }
    });

  int sig = 0;
  sigwait(&set, &sig);
  Log("INFO", "shutting down");
  queue.ShutDown();
  for (auto& t : pool) t.join();
  if (elector) {
    elector->Stop();
    election.join();
  }
  for (auto* inf : {&certstores, &issuers, &cluster_issuers, &secrets}) inf->Stop();
  return 0;
}

}  // namespace certstore

int main(int argc, char** argv) { return certstore::Main(argc, argv); }
