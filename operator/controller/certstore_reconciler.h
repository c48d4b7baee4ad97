// Reconciles one CertStore: reads it and its issuer from the informer caches,
// renders its Secrets with the engine (store_renderer.h), writes what
// differs, patches status, records Events, and asks to be looked at again at
// the renewal time. Level-based: the key carries only namespace/name.
//
// Errors that a retry can fix (API unavailable, conflicts) come back as
// `error` (the caller requeues with backoff). Problems only the user can fix
// (invalid spec, missing issuer, foreign Secret) become a Ready=False
// condition and a Warning Event, and are looked at again only after a
// change or a long delay, never in a hot loop.
#ifndef CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_
#define CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_

#include <optional>
#include <string>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"

namespace certstore::controller {

struct ReconcileResult {
  Status error;                                   // retry with backoff when set
  std::optional<std::chrono::seconds> requeue_after;
};

struct ReconcilerDeps {
  kube::Client* client = nullptr;
  kube::Informer* certstores = nullptr;
  kube::Informer* issuers = nullptr;          // CertIssuers
  kube::Informer* cluster_issuers = nullptr;  // ClusterCertIssuers
  kube::EventRecorder* events = nullptr;
  std::string cluster_resource_namespace;
  std::string system_bundle_path;
  const Clock* clock = nullptr;
};

class CertStoreReconciler {
 public:
  explicit CertStoreReconciler(ReconcilerDeps deps) : d_(std::move(deps)) {}
  // `key` is "namespace/name". Thread-safe for distinct keys.
  ReconcileResult Reconcile(const std::string& key);

 private:
  ReconcilerDeps d_;
};

// Reconciles a CertIssuer ("ns/name") or ClusterCertIssuer ("name"): creates
// a selfSigned root once, checks a `ca` Secret, and reports Ready, notAfter
// and the CA fingerprint in status.
ReconcileResult ReconcileIssuer(const ReconcilerDeps& d, bool cluster, const std::string& key);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_
