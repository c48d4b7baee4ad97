// What the metrics see of the running operator: a narrow, read-only view
// (the Manager implements it), and the observer the Manager tells what each
// reconcile did.
#ifndef CERTSTORE_CONTROLLER_RUNTIME_VIEW_H_
#define CERTSTORE_CONTROLLER_RUNTIME_VIEW_H_

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "operator/controller/inventory.h"
#include "operator/controller/reconciler_deps.h"

namespace certstore::controller {

// Reconcile outcomes by controller, for metrics. Optional; thread-safe.
class ManagerObserver : public ReconcileObserver {
 public:
  // `controller` is "certstore" or "issuer"; `result` "success", "error"
  // (retried with backoff) or "requeue" (a problem a user must fix).
  virtual void Reconciled(const std::string& controller,
                          const std::string& result, double seconds) = 0;
};

// A TrustBundle as its status reports it (metrics).
struct TrustBundleFacts {
  struct Entry {
    std::string subject, fingerprint_sha256;
    double not_after_seconds = 0;  // Unix time
  };
  std::string name;
  bool ready = false;
  size_t namespaces = 0;
  std::vector<Entry> entries;
};

// A workload that opted in to restarts (workload_restarts.h), for metrics.
struct WorkloadRestartFacts {
  std::string kind, ns, name;
  bool pending = false;  // RestartPending
};

// Read at scrape time, from any thread.
class RuntimeView {
 public:
  virtual ~RuntimeView() = default;
  // Per-object facts (CertStores, truststore entries, issuers).
  virtual const Inventory& inventory() const = 0;
  virtual size_t QueueDepth() const = 0;
  // This replica reconciles (holds the Lease, or runs without election).
  virtual bool Leading() const = 0;
  // Watch restarts by resource ("certstores", "secrets", ...), summed over
  // caches and change watchers.
  virtual std::map<std::string, int> WatchRestarts() const = 0;
  // Objects in the caches by resource: {"secrets", "full" | "metadata"}
  // (metadata: labelled Secrets this operator did not write, cached without
  // their data), {"certstores", "full"}, ...
  virtual std::map<std::pair<std::string, std::string>, size_t> CachedObjects()
      const = 0;
  // Age of the longest reconcile now running; 0 when none.
  virtual double LongestReconcileSeconds() const = 0;
  // TrustBundles and their entries (none when the view has no bundles).
  virtual std::vector<TrustBundleFacts> TrustBundles() const { return {}; }
  // Opted-in workloads (none without workload restarts).
  virtual std::vector<WorkloadRestartFacts> WorkloadRestarts() const {
    return {};
  }
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_RUNTIME_VIEW_H_
