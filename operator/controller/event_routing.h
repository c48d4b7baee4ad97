// From a change to any watched object to exactly the objects to reconcile:
// the typed work-queue key, the cache indexes that answer "who uses this?",
// and the router that turns informer and watcher events into queue keys.
//
//   CertStore changed (generation)      -> that CertStore
//   managed Secret changed / deleted    -> its CertStore (annotation), unless
//                                          it is the echo of our own write
//   CertIssuer / ClusterCertIssuer      -> the issuer (generation), and the
//                                          CertStores using it (any change:
//                                          status carries the CA)
//   a namespace's labels changed        -> the CertStores in it (policies'
//                                          namespaceSelector); a namespace
//                                          added or relabelled -> every
//                                          TrustBundle
//   TrustBundle (generation), a source  -> the bundle and the CertStores
//     of it, a ClusterCertIssuer it        that read it; a target changed
//     names                                -> its bundle (drift repair)
//   managed Secret's data changed       -> the opted-in workloads of its
//                                          namespace, a window later (the
//                                          manager; workload_restarts.h)
//   an opted-in workload changed        -> the workloads of its namespace
//   any Secret or ConfigMap changed     -> CertStores whose trust sources or
//     (metadata-only watch, not cached)    password name it; issuers whose CA
//                                          Secret it is, and their CertStores
#ifndef CERTSTORE_CONTROLLER_EVENT_ROUTING_H_
#define CERTSTORE_CONTROLLER_EVENT_ROUTING_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "operator/kube/informer.h"

namespace certstore::controller {

enum class QueueKind {
  kCertStore,
  kCertIssuer,
  kClusterCertIssuer,
  kTrustBundle,
  // The opted-in workloads of one namespace (workload_restarts.h): `ns`.
  kWorkloads
};

// What a worker reconciles. The work queue holds strings (it deduplicates
// by value); Encode/Decode are the only place that knows their shape.
struct QueueKey {
  QueueKind kind = QueueKind::kCertStore;
  std::string ns;  // empty for a ClusterCertIssuer or TrustBundle
  std::string name;

  std::string Encode() const;
  // nullopt for a string Encode() did not make.
  static std::optional<QueueKey> Decode(const std::string& s);
  // "ns/name", or "name" for a cluster-scoped object (logs, reconcilers).
  std::string ObjectKey() const;
  bool operator==(const QueueKey& o) const {
    return kind == o.kind && ns == o.ns && name == o.name;
  }
};

QueueKey CertStoreQueueKey(const std::string& ns, const std::string& name);
QueueKey IssuerQueueKey(bool cluster, const std::string& ns,
                        const std::string& name);
QueueKey TrustBundleQueueKey(const std::string& name);
QueueKey WorkloadsQueueKey(const std::string& ns);

// ---- Cache indexes ---------------------------------------------------------
// CertStores by the issuer they use: IssuerIndexValue(...).
constexpr char kIssuerIndex[] = "issuer";
// CertStores, CertIssuers and ClusterCertIssuers by an object they read:
// True when a label or annotation of `before` is missing from `after`, or
// has another value there and is not one of the certstore.dev/ annotations
// whose values our own writes change (additions alone are not).
bool MetadataTaken(const kube::ObjectMeta& before,
                   const kube::ObjectMeta& after);

// RefIndexValue("Secret" | "ConfigMap", ns, name). Only same-namespace
// references of CertStores (others are refused, never read).
constexpr char kRefIndex[] = "ref";
// CertStores by the Secrets they write: "ns/name".
constexpr char kOwnedSecretIndex[] = "owned-secret";
// CertStores by the TrustBundles their truststore reads: the bundle's name.
constexpr char kTrustBundleIndex[] = "trustbundle";

std::string IssuerIndexValue(bool cluster, const std::string& ns,
                             const std::string& name);
std::string RefIndexValue(const std::string& kind, const std::string& ns,
                          const std::string& name);

std::vector<std::string> CertStoreIssuerIndex(const kube::CachedObject& o);

// Intermediate issuers (CertIssuers and ClusterCertIssuers) under
// kIssuerIndex: their parent, as IssuerIndexValue(...).
std::vector<std::string> IssuerParentIndex(const kube::CachedObject& o);
std::vector<std::string> CertStoreRefIndex(const kube::CachedObject& o);
std::vector<std::string> CertStoreOwnedSecretIndex(const kube::CachedObject& o);
std::vector<std::string> CertStoreTrustBundleIndex(const kube::CachedObject& o);
// TrustBundles under kRefIndex: their sources (RefIndexValue of Secrets and
// ConfigMaps in `source_namespace`; IssuerIndexValue(true, "", name) of
// ClusterCertIssuers) and their targets (TargetIndexValue, any namespace).
kube::Informer::IndexFunc TrustBundleRefIndex(std::string source_namespace);
std::string TargetIndexValue(const std::string& kind, const std::string& name);
// An issuer's CA Secret; `ca_namespace` for ClusterCertIssuers (their CA
// Secrets live in the cluster resource namespace), "" for CertIssuers.
kube::Informer::IndexFunc IssuerRefIndex(std::string ca_namespace);

// ---- Routing ---------------------------------------------------------------
// REQUIRES: the caches carry the indexes above. Thread-safe as far as the
// caches and `enqueue` are.
class EventRouter {
 public:
  using Enqueue = std::function<void(const QueueKey&)>;
  EventRouter(const kube::ObjectCache& certstores,
              const kube::ObjectCache& issuers,
              const kube::ObjectCache& cluster_issuers, Enqueue enqueue);

  // Informer handlers: `old_obj` null for an add, `new_obj` for a delete.
  // A CertStore update is reconciled when its generation or its renewal
  // request (engine::kRenewRequestAnnotation) changed, not for status alone.
  void CertStoreChanged(const kube::ObjectPtr& old_obj,
                        const kube::ObjectPtr& new_obj);
  void IssuerChanged(bool cluster, const kube::ObjectPtr& old_obj,
                     const kube::ObjectPtr& new_obj);
  // A TrustBundle's spec (generation) changed: it and the CertStores that
  // read it; deleted: those CertStores.
  void TrustBundleChanged(const kube::ObjectPtr& old_obj,
                          const kube::ObjectPtr& new_obj);
  // Optional: the TrustBundles cache (carrying kRefIndex from
  // TrustBundleRefIndex). Set before events flow.
  void SetTrustBundles(const kube::ObjectCache* bundles) { bundles_ = bundles; }
  void NamespaceChanged(const kube::ObjectPtr& old_obj,
                        const kube::ObjectPtr& new_obj);
  // `own_write`: the event is the echo of a write this process made.
  // `own_write` (the data is what this process last wrote) is overruled when
  // someone else removed or changed a label or annotation of the Secret
  // (MetadataTaken): its CertStore puts them back.
  void ManagedSecretChanged(const kube::ObjectPtr& old_obj,
                            const kube::ObjectPtr& new_obj, bool own_write);
  // A Secret or ConfigMap (`kind`) seen by a metadata-only watch.
  void ReferenceChanged(const std::string& kind, const std::string& ns,
                        const std::string& name);
  // Everything (start of leadership, a watch that lost events).
  void All();

 private:
  void CertStoresOfIssuer(bool cluster, const std::string& ns,
                          const std::string& name);
  void BundleAndItsCertStores(const std::string& name);

  const kube::ObjectCache& certstores_;
  const kube::ObjectCache& issuers_;
  const kube::ObjectCache& cluster_issuers_;
  const kube::ObjectCache* bundles_ = nullptr;
  Enqueue enqueue_;
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_EVENT_ROUTING_H_
