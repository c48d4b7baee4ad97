// The running operator: informer caches, change watchers, the work queue,
// leader election and the worker pool around the reconcilers. Every event
// is mapped to exactly the objects it affects by the EventRouter
// (event_routing.h).
//
// Only the leader (or every replica without leader election) reconciles;
// standbys keep warm caches and enqueue everything on becoming leader.
#ifndef CERTSTORE_CONTROLLER_MANAGER_H_
#define CERTSTORE_CONTROLLER_MANAGER_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/common/clock.h"
#include "operator/controller/certstore_reconciler.h"
#include "operator/controller/event_routing.h"
#include "operator/controller/health.h"
#include "operator/controller/inventory.h"
#include "operator/controller/runtime_view.h"
#include "operator/controller/trust_bundle_reconciler.h"
#include "operator/controller/workload_restarts.h"
#include "operator/kube/change_watcher.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer_group.h"
#include "operator/kube/leader_election.h"
#include "operator/kube/work_queue.h"
#include "operator/kube/worker_pool.h"

namespace certstore::controller {

struct ManagerOptions {
  std::vector<std::string> namespaces;  // empty = all namespaces
  std::string cluster_resource_namespace;
  std::string system_bundle_path;
  // Between the steps of a CA rotation (ca_rotation.h).
  std::chrono::seconds rotation_propagation_delay{60};
  // Between renewals a CertStore's annotation requests (engine/render.h).
  std::chrono::seconds renew_request_interval{60};
  // How long a rotation step waits for lagging members (ca_rotation.h).
  std::chrono::seconds rotation_member_deadline{3600};
  // Rolling restarts of opted-in workloads (workload_restarts.h): off
  // watches no Deployment, StatefulSet or DaemonSet. Changes within
  // `restart_window` make one restart; keep it below
  // rotation_propagation_delay (main() refuses otherwise).
  bool workload_restarts = true;
  std::chrono::milliseconds restart_window{10000};
  // Reconcile threads at most (kube/worker_pool.h): all start with the
  // manager; beyond two, one idle for `worker_idle_exit` ends, and one
  // starts again when a key waits with none free.
  int workers = 2;
  std::chrono::milliseconds worker_idle_exit{std::chrono::seconds(30)};
  // The Secret in cluster_resource_namespace that holds the seal key
  // (seal_key_store.h); "" runs without one (every start-up check then
  // opens every store).
  std::string seal_key_secret = "certstore-operator-seal-key";
  bool leader_elect = false;
  kube::LeaderElectionConfig leader_election;  // ns, identity, timings
  std::string identity;                        // Events' reporting instance
  HealthOptions health;                        // what /healthz calls stuck
};

class Manager : public RuntimeView {
 public:
  // `transports` makes one transport per informer or watcher (each holds a
  // long-running watch). `client` is used for reads and writes.
  Manager(kube::InformerGroup::TransportFactory transports,
          kube::Client& client, const Clock& clock, ManagerOptions options,
          ManagerObserver* observer = nullptr);
  ~Manager();

  // Starts caches and watchers, waits for them to sync (logging while it
  // waits), then starts leader election and workers. Returns once running;
  // false if Stop() was called first.
  bool Start();
  // Stops workers, releases the Lease, stops caches. Idempotent.
  void Stop();

  // Liveness (health.h): API heartbeat, reconciles past their budget,
  // a queue not draining, caches without progress. Thread-safe.
  HealthReport Health() const;

  bool Synced() const { return synced_.load(); }
  bool Leading() const override { return leading_.load(); }
  // How long writes may still start (kube/fenced_transport.h): without
  // leader election, always; with it, the leader's time left before its
  // renew deadline (zero for a standby). Thread-safe.
  std::chrono::milliseconds WriteWindow() const;
  bool LeaderElectionEnabled() const { return options_.leader_elect; }

  kube::WorkQueue& mutable_queue() { return queue_; }

  // RuntimeView (metrics read it at scrape time).
  const Inventory& inventory() const override { return inventory_; }
  size_t QueueDepth() const override { return queue_.Len(); }
  std::map<std::string, int> WatchRestarts() const override;
  std::map<std::pair<std::string, std::string>, size_t> CachedObjects()
      const override;
  double LongestReconcileSeconds() const override {
    return Health().longest_reconcile_seconds;
  }
  std::vector<TrustBundleFacts> TrustBundles() const override;
  std::vector<WorkloadRestartFacts> WorkloadRestarts() const override;

 private:
  void Wire();
  void EnqueueAll();
  // Some opted-in workload lives in `ns` (workload_restarts.h).
  bool HasOptedInWorkloads(const std::string& ns) const;
  void ReferenceChanged(const std::string& kind, const std::string& ns,
                        const std::string& name);
  // One key, on worker slot `worker`: reconciles it (or, on a standby,
  // drops it) and marks it done.
  void Work(int worker, const std::string& key);
  void Heartbeat();
  void ReleaseFreeMemory();
  // False if stopped while waiting.
  bool WaitForSync(const std::vector<kube::InformerGroup*>& groups);
  // Whether a managed-by-labelled Secret is one this operator writes, so
  // its data is cached (see the secrets informer in the constructor).
  bool OwnSecret(const kube::ObjectMeta& m) const;
  // The Secret is the root CA Secret of an issuer that names it (the UID
  // recorded on it is that issuer's): cached with its data whole.
  bool IssuerCaSecret(const kube::ObjectMeta& m) const;

  kube::Client& client_;
  const Clock& clock_;
  ManagerOptions options_;
  ManagerObserver* observer_;
  kube::EventRecorder events_;
  std::unique_ptr<kube::InformerGroup> certstores_, issuers_, cluster_issuers_,
      trust_bundles_, secrets_, namespaces_;
  // Deployments, StatefulSets, DaemonSets (WorkloadResource order); empty
  // without options_.workload_restarts.
  std::vector<std::unique_ptr<kube::InformerGroup>> workloads_;
  WorkloadCaches workload_caches_;
  std::vector<std::unique_ptr<kube::ChangeWatcher>> watchers_;
  std::vector<std::string> watcher_resources_;  // parallel to watchers_
  kube::WorkQueue queue_;
  // The inventory's own connection (its truststore reads), cancelled by
  // Stop() so that a read in flight cannot hold shutdown up.
  kube::TransportPtr inventory_transport_;
  std::unique_ptr<kube::Client> inventory_client_;
  Inventory inventory_;
  engine::VerifiedStores verified_;
  engine::CaMaterialCache ca_cache_;
  BundleTargetMemo bundle_targets_;
  // The seal key (seal_key_store.h): read at start (created there without
  // leader election), and read again (created if missing) by its own thread
  // on each leadership gain, so replicas follow a replaced key. Every key
  // published stays alive (a reconcile may hold it); the last is current.
  bool LoadSealKey(bool create);
  void SealKeyLoop();
  void WantSealKey();
  std::thread seal_loader_;
  std::mutex seal_mu_;
  std::condition_variable seal_cv_;
  bool seal_wanted_ = false;  // GUARDED_BY(seal_mu_)
  std::vector<std::unique_ptr<engine::SealKey>>
      seal_keys_;  // GUARDED_BY(seal_mu_)
  std::atomic<int64_t> last_trim_{
      0};  // steady_clock ticks of the last malloc_trim
  // A trim was skipped (too soon after the last); the heartbeat does it.
  std::atomic<bool> trim_pending_{false};
  std::unique_ptr<EventRouter> router_;
  std::unique_ptr<ReconcilerDeps> deps_;
  std::unique_ptr<CertStoreReconciler> reconciler_;
  kube::TransportPtr lease_transport_;
  std::unique_ptr<kube::Client> lease_client_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::atomic<const kube::LeaderElector*> elector_ptr_{
      nullptr};  // for WriteWindow()
  std::thread election_;
  // Held while Start() creates the elector and workers, and by Stop()
  // before it joins them: a SIGTERM during start-up leaves no thread behind.
  std::mutex lifecycle_mu_;
  std::unique_ptr<kube::WorkerPool> workers_;
  mutable HealthMonitor health_;  // Check() logs over-budget reconciles once
  kube::TransportPtr heartbeat_transport_;
  std::thread heartbeat_;
  std::mutex heartbeat_mu_;
  std::condition_variable heartbeat_cv_;
  std::atomic<bool> synced_{false}, leading_{false}, stopping_{false};
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_MANAGER_H_
