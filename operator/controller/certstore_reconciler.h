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
#include "operator/controller/verified_stores.h"
#include "operator/kube/client.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"

namespace certstore::controller {

struct ReconcileResult {
  Status error;  // retry with backoff when set
  std::optional<std::chrono::seconds> requeue_after;
};

// Told what each reconcile did (metrics). Called on worker threads;
// implementations must be thread-safe and cheap.
class ReconcileObserver {
 public:
  virtual ~ReconcileObserver() = default;
  // A certificate was issued; `reason` is the issuance policy's (Initial,
  // CertificateMissing, KeyMismatch, IssuerChanged, SpecChanged, Expired,
  // Renewal).
  virtual void Issued(const std::string& reason) = 0;
  // The stores were rewritten without a new certificate (drift repaired,
  // password/format/trust change).
  virtual void Reencoded() = 0;
  // A reconcile ended with Ready=False for `reason` (the condition reason).
  virtual void IssuanceFailed(const std::string& reason) = 0;
  // An issuer's spec.policy refused a CertStore; `field` is the policy
  // field that refused (engine::PolicyVerdict::field).
  virtual void PolicyDenied(const std::string& issuer_kind,
                            const std::string& issuer_name,
                            const std::string& field) {
    (void)issuer_kind, (void)issuer_name, (void)field;
  }
};

// The CertStore cache index from an issuer to the CertStores that use it,
// and its values: "CertIssuer/<ns>/<name>" or "ClusterCertIssuer/<name>".
constexpr char kIssuerIndex[] = "issuer";
std::string IssuerIndexValue(bool cluster, const std::string& ns,
                             const std::string& name);

// The cache index (CertStores, CertIssuers, ClusterCertIssuers) from an
// object they read to them; values "Secret/<ns>/<name>" or
// "ConfigMap/<ns>/<name>".
constexpr char kRefIndex[] = "ref";

struct ReconcilerDeps {
  kube::Client* client = nullptr;
  const kube::ObjectCache* certstores = nullptr;
  const kube::ObjectCache* issuers = nullptr;          // CertIssuers
  const kube::ObjectCache* cluster_issuers = nullptr;  // ClusterCertIssuers
  // The Secrets the operator manages (optional): read from here instead of
  // a GET (api_object_source.h).
  const kube::ObjectCache* managed_secrets = nullptr;
  // Secrets this process wrote or checked (optional; verified_stores.h).
  VerifiedStores* verified = nullptr;
  kube::EventRecorder* events = nullptr;
  std::string cluster_resource_namespace;
  std::string system_bundle_path;
  const Clock* clock = nullptr;
  ReconcileObserver* observer = nullptr;  // optional
  // CA rotation: how long kubelet may take to show a written Secret to pods
  // (ca_rotation.h). `certstores` must carry kIssuerIndex for rotations.
  std::chrono::seconds rotation_propagation_delay{60};
  // How long a CA rotation step waits for lagging members before it goes
  // on without them (ca_rotation.h).
  std::chrono::seconds rotation_member_deadline{3600};
  // Namespaces (labels), for ClusterCertIssuer policies' namespaceSelector.
  // Optional: without it, and for a namespace not in it, such a policy
  // denies (the verdict is re-checked against the API server right before
  // signing in any case).
  const kube::ObjectCache* namespaces = nullptr;
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
// a selfSigned root once, checks a `ca` Secret, reports Ready, notAfter,
// the CA fingerprint and root certificate in status, and drives a CA
// rotation (ca_rotation.h) when the root changes.
ReconcileResult ReconcileIssuer(const ReconcilerDeps& d, bool cluster,
                                const std::string& key);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_
