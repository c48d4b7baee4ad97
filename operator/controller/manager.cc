#include "operator/controller/manager.h"

#include <malloc.h>

#include <algorithm>
#include <set>

#include "operator/api/parse.h"
#include "operator/common/log.h"
#include "operator/common/time_format.h"
#include "operator/controller/cached_kinds.h"
#include "operator/controller/issuer_reconciler.h"
#include "operator/controller/seal_key_store.h"
#include "operator/controller/trust_bundle_reconciler.h"
#include "operator/engine/issuer_ca.h"
#include "operator/pki/certificate.h"
#include "operator/pki/store.h"

namespace certstore::controller {
namespace {

bool HasUid(const std::vector<kube::ObjectPtr>& objects, std::string_view uid) {
  for (const auto& o : objects)
    if (o->meta.uid == uid) return true;
  return false;
}

}  // namespace

bool Manager::OwnSecret(const kube::ObjectMeta& m) const {
  // A Secret this operator writes for a CertStore: controlled by a
  // CertStore that names it, matched by UID (labels, annotations and
  // ownerReferences alone are anyone's to write; the UID of a live
  // CertStore naming this Secret is not).
  for (const auto& ref : m.owners)
    if (ref.controller && ref.kind == "CertStore" &&
        ref.api_version.rfind(std::string(api::kGroup) + "/", 0) == 0 &&
        HasUid(certstores_->ByIndex(kOwnedSecretIndex, m.ns + "/" + m.name),
               ref.uid))
      return true;
  return IssuerCaSecret(m);
}

bool Manager::IssuerCaSecret(const kube::ObjectMeta& m) const {
  // A root CA Secret an issuer created: the issuer names it and its UID is
  // the one recorded on the Secret.
  auto uid = m.annotations.find(engine::kIssuerUidAnnotation);
  if (uid == m.annotations.end()) return false;
  std::string ref = RefIndexValue("Secret", m.ns, m.name);
  return HasUid(issuers_->ByIndex(kRefIndex, ref), uid->second) ||
         HasUid(cluster_issuers_->ByIndex(kRefIndex, ref), uid->second);
}

Manager::Manager(kube::InformerGroup::TransportFactory transports,
                 kube::Client& client, const Clock& clock,
                 ManagerOptions options, ManagerObserver* observer)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      observer_(observer),
      events_(client, "certstore-operator", options_.identity,
              options_.cluster_resource_namespace, clock),
      queue_(clock),
      verified_(/*capacity=*/1024, clock),
      health_(options_.health, std::chrono::steady_clock::now()),
      heartbeat_transport_(transports()) {
  if (options_.leader_elect) lease_transport_ = transports();
  const auto& nss = options_.namespaces;
  certstores_ = std::make_unique<kube::InformerGroup>(
      transports, kube::CertStoresResource(), nss, CertStoreInformerOptions());
  issuers_ = std::make_unique<kube::InformerGroup>(
      transports, kube::CertIssuersResource(), nss, IssuerInformerOptions());
  cluster_issuers_ = std::make_unique<kube::InformerGroup>(
      transports, kube::ClusterCertIssuersResource(), nss,
      IssuerInformerOptions());
  trust_bundles_ = std::make_unique<kube::InformerGroup>(
      transports, kube::TrustBundlesResource(), nss,
      TrustBundleInformerOptions());
  if (options_.workload_restarts)
    for (int i = 0; i < kWorkloadKinds; ++i) {
      workloads_.push_back(std::make_unique<kube::InformerGroup>(
          transports, WorkloadResource(i), nss, WorkloadInformerOptions()));
      workload_caches_.kinds[i] = workloads_.back().get();
    }
  kube::InformerOptions managed;
  managed.label_selector =
      std::string(api::kManagedByLabel) + "=" + api::kManagedByValue;
  // Anyone may label a Secret: only the data of Secrets this operator
  // writes is cached (OwnSecret); others are kept as metadata, and read
  // on demand if a reconcile needs them. Small pages bound what one list
  // response of large foreign Secrets costs while it is decoded.
  managed.page_size = 50;
  managed.payload_filter.fields = {"data", "stringData"};
  managed.payload_filter.keep = [this](const kube::ObjectMeta& m) {
    return OwnSecret(m);
  };
  // Even a Secret of ours is read on demand past 512 KiB of data (a large
  // trust bundle): a tenant who forges one bloats nothing.
  managed.payload_filter.max_kept_bytes = 512 * 1024;
  managed.payload_filter.labels = {api::kManagedByLabel};
  managed.payload_filter.annotations = {
      engine::kCertStoreAnnotation, engine::kIssuerAnnotation,
      engine::kIssuerUidAnnotation, engine::kBundleContentAnnotation};
  // Of our own Secrets, the cache keeps a digest, not the stores and keys
  // (cached_kinds.h): read when a reconcile needs them.
  managed.decode = [this](const kube::CachedObject& o) {
    return DecodeManagedSecret(o, IssuerCaSecret(o.meta));
  };
  managed.drop_json = true;
  secrets_ = std::make_unique<kube::InformerGroup>(
      transports, kube::SecretsResource(), nss, managed);
  // Namespaces are cluster-scoped (one cache, read-only RBAC): a
  // ClusterCertIssuer policy's namespaceSelector reads their labels.
  namespaces_ = std::make_unique<kube::InformerGroup>(
      transports, kube::NamespacesResource(), nss, kube::InformerOptions());

  // Secrets and ConfigMaps the operator reads but does not own: watched
  // for changes (metadata only), per namespace when scoped; ClusterCertIssuer
  // CA Secrets and TrustBundle sources live in the cluster resource
  // namespace.
  std::vector<std::string> watch_ns = nss;
  if (!watch_ns.empty() &&
      std::find(watch_ns.begin(), watch_ns.end(),
                options_.cluster_resource_namespace) == watch_ns.end())
    watch_ns.push_back(options_.cluster_resource_namespace);
  if (watch_ns.empty()) watch_ns.push_back("");
  for (const auto& ns : watch_ns) {
    kube::ChangeWatcherOptions wo;
    wo.ns = ns;
    watchers_.push_back(std::make_unique<kube::ChangeWatcher>(
        transports(), kube::SecretsResource(), wo,
        [this](const std::string& n, const std::string& name) {
          ReferenceChanged("Secret", n, name);
        },
        [this] { EnqueueAll(); }));
    watcher_resources_.push_back("secrets");
    // ConfigMaps too in the cluster resource namespace: TrustBundle sources.
    watchers_.push_back(std::make_unique<kube::ChangeWatcher>(
        transports(), kube::ConfigMapsResource(), wo,
        [this](const std::string& n, const std::string& name) {
          ReferenceChanged("ConfigMap", n, name);
        },
        [this] { EnqueueAll(); }));
    watcher_resources_.push_back("configmaps");
  }

  // Truststores this process wrote: their entries without opening them.
  inventory_.SetTrustLookup([this](const std::string& key,
                                   const std::string& data_digest)
                                -> std::optional<std::vector<TrustEntryFacts>> {
    auto e = verified_.Find(key, data_digest);
    if (!e) return std::nullopt;
    std::vector<TrustEntryFacts> out;
    for (const auto& c : e->trust)
      out.push_back({pki::TrustedCertAlias(c.get()), pki::CommonName(c.get()),
                     std::chrono::duration<double>(
                         pki::NotAfter(c.get()).time_since_epoch())
                         .count()});
    return out;
  });
  // A reconcile that checked a sealed truststore (or wrote one) tells the
  // inventory, which then does not open it.
  verified_.SetListener(
      [this](const std::string& key, const engine::VerifiedEntry& e) {
        inventory_.Learn(key, e.data_digest);
      });
  // Its own connection, short timeouts and no waiting out 429s: the reader
  // retries later itself, and Stop() cancels what is in flight.
  inventory_transport_ = transports();
  kube::ClientOptions reads;
  reads.timeout = std::chrono::seconds(10);
  reads.max_throttle_retries = 0;
  inventory_client_ =
      std::make_unique<kube::Client>(*inventory_transport_, reads);
  inventory_.SetSecretFetch(
      [this](const std::string& ns,
             const std::string& name) -> StatusOr<api::SecretObject> {
        ASSIGN_OR_RETURN(
            std::string json,
            inventory_client_->Get(kube::SecretsResource(), ns, name));
        return api::ParseSecret(json);
      });
  deps_ = std::make_unique<ReconcilerDeps>(client_, *certstores_, *issuers_,
                                           *cluster_issuers_, events_, clock_);
  deps_->managed_secrets = secrets_.get();
  deps_->verified = &verified_;
  deps_->ca_cache = &ca_cache_;
  deps_->seal_key_secret = options_.seal_key_secret;
  deps_->namespaces = namespaces_.get();
  deps_->trust_bundles = trust_bundles_.get();
  deps_->bundle_targets = &bundle_targets_;
  deps_->watched_namespaces = options_.namespaces;
  deps_->observer = observer_;
  deps_->cluster_resource_namespace = options_.cluster_resource_namespace;
  deps_->system_bundle_path = options_.system_bundle_path;
  deps_->rotation_propagation_delay = options_.rotation_propagation_delay;
  deps_->renew_request_interval = options_.renew_request_interval;
  deps_->rotation_member_deadline = options_.rotation_member_deadline;
  reconciler_ = std::make_unique<CertStoreReconciler>(*deps_);
  Wire();
}

Manager::~Manager() { Stop(); }

void Manager::Wire() {
  certstores_->AddIndex(kIssuerIndex, CertStoreIssuerIndex);
  certstores_->AddIndex(kRefIndex, CertStoreRefIndex);
  certstores_->AddIndex(kOwnedSecretIndex, CertStoreOwnedSecretIndex);
  certstores_->AddIndex(kTrustBundleIndex, CertStoreTrustBundleIndex);
  trust_bundles_->AddIndex(
      kRefIndex, TrustBundleRefIndex(options_.cluster_resource_namespace));
  issuers_->AddIndex(kRefIndex, IssuerRefIndex(""));
  issuers_->AddIndex(kIssuerIndex, IssuerParentIndex);
  cluster_issuers_->AddIndex(kIssuerIndex, IssuerParentIndex);
  cluster_issuers_->AddIndex(
      kRefIndex, IssuerRefIndex(options_.cluster_resource_namespace));
  router_ = std::make_unique<EventRouter>(
      *certstores_, *issuers_, *cluster_issuers_,
      [this](const QueueKey& k) { queue_.Add(k.Encode()); });
  router_->SetTrustBundles(trust_bundles_.get());
  trust_bundles_->AddHandler(
      [this](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
        router_->TrustBundleChanged(old_obj, new_obj);
      });

  certstores_->AddHandler(
      [this](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
        inventory_.OnCertStore(old_obj, new_obj);
        router_->CertStoreChanged(old_obj, new_obj);
      });
  for (bool cluster : {false, true}) {
    (cluster ? cluster_issuers_ : issuers_)
        ->AddHandler([this, cluster](const kube::ObjectPtr& old_obj,
                                     const kube::ObjectPtr& new_obj) {
          inventory_.OnIssuer(cluster, old_obj, new_obj);
          router_->IssuerChanged(cluster, old_obj, new_obj);
        });
  }
  namespaces_->AddHandler(
      [this](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
        router_->NamespaceChanged(old_obj, new_obj);
      });
  secrets_->AddHandler(
      [this](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
        bool own_write = inventory_.OnManagedSecret(old_obj, new_obj);
        router_->ManagedSecretChanged(old_obj, new_obj, own_write);
        // Stores changed: the opted-in workloads of the namespace, once
        // for every change within the window.
        const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
        if (!workloads_.empty() && StoresChanged(old_obj, new_obj) &&
            HasOptedInWorkloads(o->meta.ns))
          queue_.AddAfter(WorkloadsQueueKey(o->meta.ns).Encode(),
                          options_.restart_window);
      });
  for (auto& w : workloads_) {
    w->AddIndex(kRestartNamespaceIndex, RestartNamespaceIndex);
    w->AddHandler(
        [this](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& new_obj) {
          // Opted in, and not a status-only change: its namespace's pass
          // records or restarts it, within the window (Add would cut short a
          // window a Secret change started).
          if (WorkloadNeedsPass(old_obj, new_obj))
            queue_.AddAfter(WorkloadsQueueKey(new_obj->meta.ns).Encode(),
                            options_.restart_window);
        });
  }
}

void Manager::ReferenceChanged(const std::string& kind, const std::string& ns,
                               const std::string& name) {
  router_->ReferenceChanged(kind, ns, name);
}

void Manager::EnqueueAll() {
  router_->All();
  std::set<std::string> namespaces;
  for (auto& w : workloads_)
    for (const auto& o : w->List())
      if (OptedIn(o->meta)) namespaces.insert(o->meta.ns);
  for (const auto& ns : namespaces) queue_.Add(WorkloadsQueueKey(ns).Encode());
}

bool Manager::HasOptedInWorkloads(const std::string& ns) const {
  for (const auto& w : workloads_)
    if (!w->ByIndex(kRestartNamespaceIndex, ns).empty()) return true;
  return false;
}

bool Manager::Start() {
  {
    // Under the lock Stop() takes first: a Stop() that came earlier leaves
    // no thread behind.
    std::lock_guard<std::mutex> l(heartbeat_mu_);
    if (stopping_.load()) return false;
    heartbeat_ = std::thread([this] { Heartbeat(); });
  }
  // The owners first: which Secrets' data is cached depends on them.
  std::vector<kube::InformerGroup*> owners{certstores_.get(), issuers_.get(),
                                           cluster_issuers_.get(),
                                           trust_bundles_.get()};
  std::vector<kube::InformerGroup*> rest{secrets_.get(), namespaces_.get()};
  for (auto* g : owners) g->Start();
  if (!WaitForSync(owners)) return false;
  for (auto* g : rest) g->Start();
  // Workloads are not waited for: without RBAC for them (an old ClusterRole)
  // or with very many of them, CertStores are reconciled all the same; a
  // pass over a cache still filling finds less, and the informer's adds
  // that follow run it again.
  for (auto& w : workloads_) w->Start();
  for (auto& w : watchers_) w->Start();
  if (!WaitForSync(rest)) return false;
  for (auto& w : watchers_)
    while (!w->WaitForSync(std::chrono::seconds(5))) {
      if (stopping_.load()) return false;
      kube::ChangeWatcherStats st = w->Stats();
      Log(st.errors > 0 ? LogLevel::kWarn : LogLevel::kInfo,
          "waiting for Secret and ConfigMap watches to start",
          {{"errors", std::to_string(st.errors)},
           {"lastError", st.last_error}});
    }
  synced_ = true;
  events_.Start([](const Status& st) {
    Log(LogLevel::kWarn, "recording an Event failed",
        {{"error", st.message()}});
  });
  std::string scope = "all namespaces";
  if (!options_.namespaces.empty()) {
    scope.clear();
    for (const auto& n : options_.namespaces)
      scope += (scope.empty() ? "" : ",") + n;
  }
  Log(LogLevel::kInfo, "caches synced",
      {{"namespaces", scope},
       {"clusterResourceNamespace", options_.cluster_resource_namespace},
       {"identity", options_.identity}});

  // Before any worker: a restart checks sealed Secrets from the start.
  // With leader election, only a leader creates the key (below).
  if (!options_.seal_key_secret.empty() &&
      !LoadSealKey(/*create=*/!options_.leader_elect) && !options_.leader_elect)
    WantSealKey();  // retried in the background
  // Threads start under the lock Stop() joins them under, and only while
  // it has not begun: a SIGTERM during the seal key's read above (right
  // after "caches synced") must not leave a joinable thread behind.
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (stopping_.load()) return false;
  if (!options_.seal_key_secret.empty())
    seal_loader_ = std::thread([this] { SealKeyLoop(); });
  if (options_.leader_elect) {
    // Lease calls on a connection and client of their own: short
    // timeouts, no 429 sleeps, never queued behind reconcile traffic.
    lease_client_ = std::make_unique<kube::Client>(
        *lease_transport_, kube::LeaseClientOptions(options_.leader_election));
    elector_ = std::make_unique<kube::LeaderElector>(
        *lease_client_, options_.leader_election, clock_);
    elector_ptr_ = elector_.get();
    election_ = std::thread([this] {
      kube::LeaderElector::Callbacks cb;
      cb.started = [this] {
        Log(LogLevel::kInfo, "became leader",
            {{"identity", options_.identity}});
        leading_ = true;
        WantSealKey();  // read again; created if missing
        EnqueueAll();
      };
      cb.stopped = [this](const std::string& why) {
        Log(LogLevel::kInfo, "stopped leading",
            {{"identity", options_.identity}, {"reason", why}});
        leading_ = false;
      };
      cb.renew_failed = [this](const Status& st,
                               std::chrono::milliseconds since) {
        Log(LogLevel::kWarn, "Lease renewal failed",
            {{"identity", options_.identity},
             {"error", st.message()},
             {"sinceLastRenewal", std::to_string(since.count()) + "ms"}});
      };
      elector_->Run(cb);
    });
  } else {
    leading_ = true;
    EnqueueAll();
  }
  kube::WorkerPoolOptions pool;
  pool.max = std::max(1, options_.workers);
  pool.min = 2;  // capped at max: one with --workers 1
  pool.idle_exit = options_.worker_idle_exit;
  // Named for `top -H`, /proc/PID/task/*/comm and the tests that count them.
  pool.name = "reconcile";
  workers_ = std::make_unique<kube::WorkerPool>(
      queue_, pool,
      [this](int slot, const std::string& key) { Work(slot, key); });
  // An ended thread's allocator cache is free heap now: back to the
  // system at the heartbeat's next beat.
  workers_->SetOnIdleExit([this] { trim_pending_ = true; });
  workers_->Start();
  return true;
}

bool Manager::LoadSealKey(bool create) {
  const std::string& ns = options_.cluster_resource_namespace;
  auto key = LoadOrCreateSealKey(client_, ns, options_.seal_key_secret, create);
  std::lock_guard<std::mutex> l(seal_mu_);
  if (!key.ok()) {
    if (key.status().code() != StatusCode::kNotFound || create)
      Log(LogLevel::kWarn,
          "seal key not loaded: start-up checks open every store until it is",
          {{"secret", ns + "/" + options_.seal_key_secret},
           {"error", key.status().message()}});
    return false;
  }
  const engine::SealKey* current = deps_->seal.load();
  if (current && current->bytes() == key->bytes()) return true;
  seal_keys_.push_back(std::make_unique<engine::SealKey>(std::move(*key)));
  deps_->seal.store(seal_keys_.back().get());
  if (current)
    Log(LogLevel::kInfo, "seal key replaced (its Secret was made anew)",
        {{"secret", ns + "/" + options_.seal_key_secret}});
  return true;
}

void Manager::WantSealKey() {
  if (options_.seal_key_secret.empty()) return;
  std::lock_guard<std::mutex> l(seal_mu_);
  seal_wanted_ = true;
  seal_cv_.notify_all();
}

void Manager::SealKeyLoop() {
  std::chrono::seconds backoff(1);
  std::unique_lock<std::mutex> l(seal_mu_);
  while (true) {
    seal_cv_.wait(l, [this] { return stopping_.load() || seal_wanted_; });
    if (stopping_.load()) return;
    // Only the leader creates it (a standby's writes are fenced anyway).
    bool create = !options_.leader_elect || leading_.load();
    l.unlock();
    bool ok = LoadSealKey(create);
    l.lock();
    if (ok || !create) {
      seal_wanted_ = false;
      backoff = std::chrono::seconds(1);
      continue;
    }
    seal_cv_.wait_for(l, backoff, [this] { return stopping_.load(); });
    backoff = std::min(backoff * 2, std::chrono::seconds(60));
  }
}

std::chrono::milliseconds Manager::WriteWindow() const {
  if (!options_.leader_elect) return std::chrono::hours(24);
  const kube::LeaderElector* e = elector_ptr_.load();
  return e ? e->WriteWindow() : std::chrono::milliseconds(0);
}

bool Manager::WaitForSync(const std::vector<kube::InformerGroup*>& groups) {
  for (auto* g : groups)
    while (!g->WaitForSync(std::chrono::seconds(5))) {
      if (stopping_.load()) return false;
      kube::InformerStats st = g->Stats();
      Log(st.errors > 0 ? LogLevel::kWarn : LogLevel::kInfo,
          "waiting for caches to sync",
          {{"errors", std::to_string(st.errors)},
           {"lastError", st.last_error}});
    }
  return true;
}

void Manager::Heartbeat() {
  // A cheap request any authenticated client may make, on a connection of
  // its own with a short timeout: does the API server answer at all?
  auto period = std::clamp<std::chrono::milliseconds>(
      options_.health.api_silence / 3, std::chrono::seconds(1),
      std::chrono::seconds(10));
  kube::HttpRequest req;
  req.path = "/version";
  req.timeout = std::chrono::seconds(5);
  while (!stopping_.load()) {
    auto r = heartbeat_transport_->Do(req);
    // Any HTTP answer (a 429 or 5xx included) shows the API server alive;
    // only a transport failure (no answer in time) is silence.
    Status st = r.ok() ? OkStatus() : r.status();
    health_.Heartbeat(st, std::chrono::steady_clock::now());
    // Entries no echo will need any more (about 10 KB each), then their
    // heap back to the system once the queue is empty.
    if (verified_.Expire() > 0) trim_pending_ = true;
    if (trim_pending_.load() && queue_.Len() == 0) ReleaseFreeMemory();
    std::unique_lock<std::mutex> l(heartbeat_mu_);
    heartbeat_cv_.wait_for(l, period, [this] { return stopping_.load(); });
  }
}

HealthReport Manager::Health() const {
  std::map<std::string, SteadyTime> progress;
  if (synced_.load()) {
    progress["certstores"] = certstores_->Stats().last_progress;
    progress["certissuers"] = issuers_->Stats().last_progress;
    progress["clustercertissuers"] = cluster_issuers_->Stats().last_progress;
    progress["secrets"] = secrets_->Stats().last_progress;
    progress["namespaces"] = namespaces_->Stats().last_progress;
  }
  return health_.Check(std::chrono::steady_clock::now(), queue_.Len(),
                       progress);
}

void Manager::Work(int worker, const std::string& k) {
  if (!leading_.load()) {
    // Standby: drop it; becoming leader enqueues everything.
    queue_.Done(k);
    return;
  }
  auto started = std::chrono::steady_clock::now();
  health_.Begin(worker, k, started);
  ReconcileResult r;
  std::string controller = "certstore";
  std::optional<QueueKey> qk = QueueKey::Decode(k);
  if (qk && qk->kind == QueueKind::kCertStore) {
    r = reconciler_->Reconcile(qk->ObjectKey());
  } else if (qk && qk->kind == QueueKind::kWorkloads) {
    controller = "workloads";
    r = ReconcileWorkloads(*deps_, workload_caches_, qk->ns);
  } else if (qk && qk->kind == QueueKind::kTrustBundle) {
    controller = "trustbundle";
    r = ReconcileTrustBundle(*deps_, qk->name);
  } else if (qk) {
    controller = "issuer";
    r = ReconcileIssuer(*deps_, qk->kind == QueueKind::kClusterCertIssuer,
                        qk->ObjectKey());
  }
  auto ended = std::chrono::steady_clock::now();
  health_.End(worker, ended);
  double seconds = std::chrono::duration<double>(ended - started).count();
  if (!r.error.ok()) {
    // A conflict (the object changed under us) is routine: retry on
    // fresh data without a warning.
    Log(r.error.code() == StatusCode::kAborted ? LogLevel::kDebug
                                               : LogLevel::kWarn,
        "reconcile failed; retrying with backoff",
        {{"key", k}, {"error", r.error.message()}});
    if (observer_) observer_->Reconciled(controller, "error", seconds);
    queue_.Done(k);
    queue_.AddRateLimited(k);
    return;
  }
  Log(LogLevel::kDebug, "reconciled", {{"key", k}});
  queue_.Forget(k);
  queue_.Done(k);
  if (observer_) observer_->Reconciled(controller, "success", seconds);
  if (r.requeue_after)
    queue_.AddAfter(k, std::chrono::duration_cast<std::chrono::milliseconds>(
                           *r.requeue_after));
  if (queue_.Len() == 0) ReleaseFreeMemory();
}

// A burst of work (start-up, a fleet created at once) leaves the heap full
// of freed parse buffers that glibc keeps; hand them back once the queue is
// empty, at most every 10 s. A drain within 10 s of the last trim leaves the
// trim pending: the heartbeat loop does it once the 10 s have passed (else
// the memory of the last burst stayed until the next piece of work).
void Manager::ReleaseFreeMemory() {
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = last_trim_.load();
  constexpr int64_t kEvery =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::seconds(10))
          .count();
  if (now - last < kEvery) {
    trim_pending_ = true;
    return;
  }
  if (!last_trim_.compare_exchange_strong(last, now)) return;
  trim_pending_ = false;
  malloc_trim(0);
}

void Manager::Stop() {
  if (stopping_.exchange(true)) return;
  inventory_transport_->Cancel();  // a truststore read in flight ends now
  inventory_.Stop();
  {
    std::lock_guard<std::mutex> l(heartbeat_mu_);
    heartbeat_cv_.notify_all();
  }
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  queue_.ShutDown();
  if (workers_) workers_->Join();
  // Events the last reconciles posted, while this replica may still lead.
  events_.Stop(std::chrono::seconds(2));
  if (elector_) {
    elector_->Stop();
    if (election_.joinable()) election_.join();
  }
  for (auto& w : watchers_) w->Stop();
  for (auto* g : {certstores_.get(), issuers_.get(), cluster_issuers_.get(),
                  trust_bundles_.get(), secrets_.get(), namespaces_.get()})
    g->Stop();
  for (auto& w : workloads_) w->Stop();
  if (heartbeat_.joinable()) heartbeat_.join();
  {
    std::lock_guard<std::mutex> l(seal_mu_);
    seal_cv_.notify_all();
  }
  if (seal_loader_.joinable()) seal_loader_.join();
}

std::map<std::string, int> Manager::WatchRestarts() const {
  std::map<std::string, int> out;
  out["certstores"] = certstores_->Stats().watch_restarts;
  out["certissuers"] = issuers_->Stats().watch_restarts;
  out["clustercertissuers"] = cluster_issuers_->Stats().watch_restarts;
  out["trustbundles"] = trust_bundles_->Stats().watch_restarts;
  out["secrets"] = secrets_->Stats().watch_restarts;
  out["namespaces"] = namespaces_->Stats().watch_restarts;
  for (size_t i = 0; i < workloads_.size(); ++i)
    out[WorkloadResource(static_cast<int>(i)).plural] =
        workloads_[i]->Stats().watch_restarts;
  for (size_t i = 0; i < watchers_.size(); ++i)
    out[watcher_resources_[i]] += watchers_[i]->Stats().watch_restarts;
  return out;
}

std::map<std::pair<std::string, std::string>, size_t> Manager::CachedObjects()
    const {
  std::map<std::pair<std::string, std::string>, size_t> out;
  out[{"certstores", "full"}] = certstores_->Size();
  out[{"certissuers", "full"}] = issuers_->Size();
  out[{"clustercertissuers", "full"}] = cluster_issuers_->Size();
  out[{"trustbundles", "full"}] = trust_bundles_->Size();
  out[{"namespaces", "full"}] = namespaces_->Size();
  for (size_t i = 0; i < workloads_.size(); ++i) {
    size_t opted = 0, others = 0;
    for (const auto& o : workloads_[i]->List()) (o->partial ? others : opted)++;
    const std::string& plural = WorkloadResource(static_cast<int>(i)).plural;
    out[{plural, "full"}] = opted;
    out[{plural, "metadata"}] = others;
  }
  size_t partial = 0, full = 0, digest = 0;
  for (const auto& s : secrets_->List()) {
    if (s->partial) {
      ++partial;
    } else if (auto c = s->As<CachedSecret>(); c && !c->complete) {
      ++digest;
    } else {
      ++full;
    }
  }
  out[{"secrets", "full"}] = full;
  out[{"secrets", "digest"}] = digest;
  out[{"secrets", "metadata"}] = partial;
  return out;
}

}  // namespace certstore::controller

namespace certstore::controller {

std::vector<TrustBundleFacts> Manager::TrustBundles() const {
  std::vector<TrustBundleFacts> out;
  for (const auto& o : trust_bundles_->List()) {
    auto cached = TrustBundleOf(*o);
    TrustBundleFacts f;
    f.name = o->meta.name;
    f.ready = cached->status.ready && cached->status.ready->status == "True";
    f.namespaces = cached->status.bundle_namespaces.size();
    for (const auto& e : cached->status.bundle_entries) {
      auto t = ParseRfc3339(e.not_after);
      if (!t.ok()) continue;
      f.entries.push_back(
          {e.subject, e.fingerprint_sha256,
           std::chrono::duration<double>(t->time_since_epoch()).count()});
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<WorkloadRestartFacts> Manager::WorkloadRestarts() const {
  std::vector<WorkloadRestartFacts> out;
  for (size_t i = 0; i < workloads_.size(); ++i)
    for (const auto& o : workloads_[i]->List())
      if (OptedIn(o->meta) && o->As<CachedWorkload>())
        out.push_back({WorkloadResource(static_cast<int>(i)).kind, o->meta.ns,
                       o->meta.name, RestartPending(*deps_, *o)});
  return out;
}

}  // namespace certstore::controller
