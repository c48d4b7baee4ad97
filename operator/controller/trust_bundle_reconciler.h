// Reconciles a TrustBundle ("name"): resolves its sources, writes its target
// ConfigMap and/or Secret into every namespace its namespaceSelector selects
// (and the operator serves), removes the targets it owns from namespaces it
// no longer selects (or under a former target name), and reports entries,
// dropped certificates, namespaces and conflicts in status.
//
// Targets carry the bundle as their controller ownerReference (UID): the
// garbage collector removes them with the bundle. An object of the target's
// name that the bundle does not control is never touched: it is listed in
// status.conflicts (Ready=False, TargetConflict) and in a Warning Event.
// When the sources cannot be resolved, the targets stay as they are
// (Ready=False, SourceUnavailable): a broken source never empties trust.
#ifndef CERTSTORE_CONTROLLER_TRUST_BUNDLE_RECONCILER_H_
#define CERTSTORE_CONTROLLER_TRUST_BUNDLE_RECONCILER_H_

#include <map>
#include <mutex>
#include <string>

#include "operator/controller/reconciler_deps.h"

namespace certstore::controller {

// Which version (resourceVersion) of each target this process last found
// right, keyed by what it was right for (bundle, generation, content,
// object): a pass lists targets' metadata only and reads just the ones that
// changed since. Thread-safe; bounded (forgets everything past 100,000).
class BundleTargetMemo {
 public:
  bool Verified(const std::string& key, const std::string& rv) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = seen_.find(key);
    return it != seen_.end() && it->second == rv;
  }
  void Remember(const std::string& key, const std::string& rv) {
    std::lock_guard<std::mutex> l(mu_);
    if (seen_.size() >= 100000) seen_.clear();
    seen_[key] = rv;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> seen_;  // GUARDED_BY(mu_)
};

// REQUIRES: d.trust_bundles and d.namespaces set.
ReconcileResult ReconcileTrustBundle(const ReconcilerDeps& d,
                                     const std::string& name);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_TRUST_BUNDLE_RECONCILER_H_
