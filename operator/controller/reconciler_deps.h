// What the reconcilers work with: the API client, the informer caches, the
// Event recorder and the clock (required, by reference), and the optional
// helpers (pointers that may be null). Also what a reconcile returns and
// who is told about it.
#ifndef CERTSTORE_CONTROLLER_RECONCILER_DEPS_H_
#define CERTSTORE_CONTROLLER_RECONCILER_DEPS_H_

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/engine/issuer_ca.h"
#include "operator/engine/seal.h"
#include "operator/engine/verified_stores.h"
#include "operator/kube/client.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"

namespace certstore::controller {

class BundleTargetMemo;  // trust_bundle_reconciler.h

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

// REQUIRES: `certstores` carries kIssuerIndex and the issuer caches
// kRefIndex (event_routing.h). Every reference must outlive the reconcilers.
struct ReconcilerDeps {
  ReconcilerDeps(kube::Client& client, const kube::ObjectCache& certstores,
                 const kube::ObjectCache& issuers,
                 const kube::ObjectCache& cluster_issuers,
                 kube::EventRecorder& events, const Clock& clock)
      : client(client),
        certstores(certstores),
        issuers(issuers),
        cluster_issuers(cluster_issuers),
        events(events),
        clock(clock) {}

  kube::Client& client;
  const kube::ObjectCache& certstores;
  const kube::ObjectCache& issuers;          // CertIssuers
  const kube::ObjectCache& cluster_issuers;  // ClusterCertIssuers
  kube::EventRecorder& events;
  const Clock& clock;

  // Optional. The Secrets the operator manages: read from here instead of
  // a GET (api_object_source.h).
  const kube::ObjectCache* managed_secrets = nullptr;
  // Optional. Secrets this process wrote or checked (verified_stores.h).
  engine::VerifiedStores* verified = nullptr;
  // Optional. Issuer CAs as parsed, reused while their Secret is unchanged.
  engine::CaMaterialCache* ca_cache = nullptr;
  // Optional. The operator's seal key (engine/seal.h): Secrets written are
  // sealed, and a CertStore whose Secrets are sealed for its current inputs
  // is checked without reading or opening them. Set (and replaced) while
  // workers run; a key, once set, lives as long as the deps.
  std::atomic<const engine::SealKey*> seal{nullptr};
  // The Secret holding it (in cluster_resource_namespace): no CertStore may
  // read it.
  std::string seal_key_secret;
  // Optional. Namespaces (labels), for ClusterCertIssuer policies'
  // namespaceSelector. Without it, and for a namespace not in it, such a
  // policy denies (the verdict is re-checked against the API server right
  // before signing in any case).
  const kube::ObjectCache* namespaces = nullptr;
  ReconcileObserver* observer = nullptr;  // optional
  // Optional. TrustBundles (cluster-scoped): `trustBundle` truststore
  // sources and the TrustBundle reconciler read them. Without it such a
  // source is reported as not found.
  const kube::ObjectCache* trust_bundles = nullptr;
  // Optional. TrustBundle targets found right (trust_bundle_reconciler.h):
  // without it every pass reads every target.
  BundleTargetMemo* bundle_targets = nullptr;
  // The namespaces the operator serves (empty: all): TrustBundle targets
  // are written only there.
  std::vector<std::string> watched_namespaces;

  std::string cluster_resource_namespace;
  std::string system_bundle_path;
  // CA rotation: how long kubelet may take to show a written Secret to pods
  // (ca_rotation.h).
  std::chrono::seconds rotation_propagation_delay{60};
  // engine::RenderOptions::renew_request_interval.
  std::chrono::seconds renew_request_interval{60};
  // How long a CA rotation step waits for lagging members before it goes
  // on without them (ca_rotation.h).
  std::chrono::seconds rotation_member_deadline{3600};
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_RECONCILER_DEPS_H_
