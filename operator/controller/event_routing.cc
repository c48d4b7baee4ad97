#include "operator/controller/event_routing.h"

#include "operator/api/parse.h"
#include "operator/controller/cached_kinds.h"
#include "operator/engine/reasons.h"

namespace certstore::controller {
namespace {

constexpr char kCertStorePrefix[] = "cs:";
constexpr char kCertIssuerPrefix[] = "ci:";
constexpr char kClusterCertIssuerPrefix[] = "cci:";
constexpr char kTrustBundlePrefix[] = "tb:";
constexpr char kWorkloadsPrefix[] = "wl:";

bool StartsWith(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

// A CertStore's renewal request (engine::kRenewRequestAnnotation), or "".
std::string_view RenewRequestOf(const kube::CachedObject& o) {
  auto it = o.meta.annotations.find(engine::kRenewRequestAnnotation);
  return it == o.meta.annotations.end() ? std::string_view() : it->second;
}

}  // namespace

std::string QueueKey::ObjectKey() const { return kube::ObjectKey(ns, name); }

std::string QueueKey::Encode() const {
  switch (kind) {
    case QueueKind::kCertStore:
      return kCertStorePrefix + ObjectKey();
    case QueueKind::kCertIssuer:
      return kCertIssuerPrefix + ObjectKey();
    case QueueKind::kClusterCertIssuer:
      return kClusterCertIssuerPrefix + name;
    case QueueKind::kTrustBundle:
      return kTrustBundlePrefix + name;
    case QueueKind::kWorkloads:
      return kWorkloadsPrefix + ns;
  }
  return "";
}

std::optional<QueueKey> QueueKey::Decode(const std::string& s) {
  QueueKey k;
  std::string rest;
  if (StartsWith(s, kCertStorePrefix)) {
    k.kind = QueueKind::kCertStore;
    rest = s.substr(sizeof(kCertStorePrefix) - 1);
  } else if (StartsWith(s, kCertIssuerPrefix)) {
    k.kind = QueueKind::kCertIssuer;
    rest = s.substr(sizeof(kCertIssuerPrefix) - 1);
  } else if (StartsWith(s, kWorkloadsPrefix)) {
    k.kind = QueueKind::kWorkloads;
    k.ns = s.substr(sizeof(kWorkloadsPrefix) - 1);
    if (k.ns.empty() || k.ns.find('/') != std::string::npos)
      return std::nullopt;
    return k;
  } else if (StartsWith(s, kClusterCertIssuerPrefix) ||
             StartsWith(s, kTrustBundlePrefix)) {
    bool cci = StartsWith(s, kClusterCertIssuerPrefix);
    k.kind = cci ? QueueKind::kClusterCertIssuer : QueueKind::kTrustBundle;
    k.name = s.substr(cci ? sizeof(kClusterCertIssuerPrefix) - 1
                          : sizeof(kTrustBundlePrefix) - 1);
    if (k.name.empty() || k.name.find('/') != std::string::npos)
      return std::nullopt;
    return k;
  } else {
    return std::nullopt;
  }
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size())
    return std::nullopt;
  k.ns = rest.substr(0, slash);
  k.name = rest.substr(slash + 1);
  return k;
}

QueueKey CertStoreQueueKey(const std::string& ns, const std::string& name) {
  return {QueueKind::kCertStore, ns, name};
}

QueueKey IssuerQueueKey(bool cluster, const std::string& ns,
                        const std::string& name) {
  if (cluster) return {QueueKind::kClusterCertIssuer, "", name};
  return {QueueKind::kCertIssuer, ns, name};
}

QueueKey TrustBundleQueueKey(const std::string& name) {
  return {QueueKind::kTrustBundle, "", name};
}

QueueKey WorkloadsQueueKey(const std::string& ns) {
  return {QueueKind::kWorkloads, ns, ""};
}

std::string IssuerIndexValue(bool cluster, const std::string& ns,
                             const std::string& name) {
  return cluster ? "ClusterCertIssuer/" + name
                 : "CertIssuer/" + ns + "/" + name;
}

std::string RefIndexValue(const std::string& kind, const std::string& ns,
                          const std::string& name) {
  return kind + "/" + ns + "/" + name;
}

std::vector<std::string> CertStoreIssuerIndex(const kube::CachedObject& o) {
  auto cached = CertStoreOf(o);
  const auto& cs = cached->certstore;
  if (!cs.ok()) return {};
  const auto& r = cs->spec.issuer_ref;
  return {IssuerIndexValue(r.kind == api::IssuerKind::kClusterCertIssuer,
                           o.meta.ns, r.name)};
}

std::vector<std::string> IssuerParentIndex(const kube::CachedObject& o) {
  auto cached = IssuerOf(o);
  const auto& issuer = cached->issuer;
  if (!issuer.ok() || !issuer->spec.intermediate) return {};
  const auto& r = issuer->spec.intermediate->issuer_ref;
  return {IssuerIndexValue(r.kind == api::IssuerKind::kClusterCertIssuer,
                           o.meta.ns, r.name)};
}

std::vector<std::string> CertStoreRefIndex(const kube::CachedObject& o) {
  auto cached = CertStoreOf(o);
  const auto& cs = cached->certstore;
  if (!cs.ok()) return {};
  std::vector<std::string> out;
  const std::string& ns = o.meta.ns;
  if (cs->spec.truststore)
    for (const auto& s : cs->spec.truststore->sources) {
      if (s.type == api::TrustSource::Type::kSecret)
        out.push_back(RefIndexValue("Secret", ns, s.name));
      if (s.type == api::TrustSource::Type::kConfigMap)
        out.push_back(RefIndexValue("ConfigMap", ns, s.name));
    }
  if (cs->spec.password)
    out.push_back(RefIndexValue("Secret", ns, cs->spec.password->name));
  if (cs->spec.truststore && cs->spec.truststore->password &&
      cs->spec.truststore->password->secret_key_ref)
    out.push_back(RefIndexValue(
        "Secret", ns, cs->spec.truststore->password->secret_key_ref->name));
  // Its export ConfigMap: an edit or a deletion is repaired.
  if (cs->spec.export_spec)
    out.push_back(
        RefIndexValue("ConfigMap", ns, cs->spec.export_spec->config_map_name));
  return out;
}

std::vector<std::string> CertStoreTrustBundleIndex(
    const kube::CachedObject& o) {
  auto cached = CertStoreOf(o);
  const auto& cs = cached->certstore;
  if (!cs.ok() || !cs->spec.truststore) return {};
  std::vector<std::string> out;
  for (const auto& s : cs->spec.truststore->sources)
    if (s.type == api::TrustSource::Type::kTrustBundle) out.push_back(s.name);
  return out;
}

std::string TargetIndexValue(const std::string& kind, const std::string& name) {
  return "Target/" + kind + "/" + name;
}

kube::Informer::IndexFunc TrustBundleRefIndex(std::string source_namespace) {
  return [source_namespace](
             const kube::CachedObject& o) -> std::vector<std::string> {
    auto cached = TrustBundleOf(o);
    const auto& tb = cached->bundle;
    if (!tb.ok()) return {};
    std::vector<std::string> out;
    for (const auto& s : tb->spec.sources) {
      if (s.type == api::BundleSource::Type::kIssuer)
        out.push_back(IssuerIndexValue(true, "", s.name));
      if (s.type == api::BundleSource::Type::kSecret)
        out.push_back(RefIndexValue("Secret", source_namespace, s.name));
      if (s.type == api::BundleSource::Type::kConfigMap)
        out.push_back(RefIndexValue("ConfigMap", source_namespace, s.name));
    }
    if (tb->spec.target && tb->spec.target->config_map)
      out.push_back(
          TargetIndexValue("ConfigMap", tb->spec.target->config_map->name));
    if (tb->spec.target && tb->spec.target->secret)
      out.push_back(TargetIndexValue("Secret", tb->spec.target->secret->name));
    return out;
  };
}

std::vector<std::string> CertStoreOwnedSecretIndex(
    const kube::CachedObject& o) {
  auto cached = CertStoreOf(o);
  const auto& cs = cached->certstore;
  if (!cs.ok()) return {};
  std::vector<std::string> out{o.meta.ns + "/" + cs->spec.secret_name};
  if (cs->spec.truststore && !cs->spec.truststore->secret_name.empty())
    out.push_back(o.meta.ns + "/" + cs->spec.truststore->secret_name);
  return out;
}

kube::Informer::IndexFunc IssuerRefIndex(std::string ca_namespace) {
  return
      [ca_namespace](const kube::CachedObject& o) -> std::vector<std::string> {
        auto cached = IssuerOf(o);
        const auto& issuer = cached->issuer;
        if (!issuer.ok()) return {};
        const std::string& ns = ca_namespace.empty() ? o.meta.ns : ca_namespace;
        const std::string& secret = api::IssuerSecretName(issuer->spec);
        if (secret.empty()) return {};
        return {RefIndexValue("Secret", ns, secret)};
      };
}

EventRouter::EventRouter(const kube::ObjectCache& certstores,
                         const kube::ObjectCache& issuers,
                         const kube::ObjectCache& cluster_issuers,
                         Enqueue enqueue)
    : certstores_(certstores),
      issuers_(issuers),
      cluster_issuers_(cluster_issuers),
      enqueue_(std::move(enqueue)) {}

void EventRouter::CertStoreChanged(const kube::ObjectPtr& old_obj,
                                   const kube::ObjectPtr& new_obj) {
  if (!new_obj) return;  // deleted: ownerReferences clean up
  // Status only (the echo of our own status writes), unless a person asked
  // for a renewal (an annotation: no new generation).
  if (old_obj && old_obj->meta.generation == new_obj->meta.generation &&
      RenewRequestOf(*old_obj) == RenewRequestOf(*new_obj))
    return;
  enqueue_(CertStoreQueueKey(new_obj->meta.ns, new_obj->meta.name));
}

void EventRouter::IssuerChanged(bool cluster, const kube::ObjectPtr& old_obj,
                                const kube::ObjectPtr& new_obj) {
  const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
  if (new_obj &&
      (!old_obj || old_obj->meta.generation != new_obj->meta.generation))
    enqueue_(IssuerQueueKey(cluster, o->meta.ns, o->meta.name));
  CertStoresOfIssuer(cluster, o->meta.ns, o->meta.name);
  // Intermediates it signs follow its CA, policy and readiness (status
  // changes included).
  std::string parent = IssuerIndexValue(cluster, o->meta.ns, o->meta.name);
  for (bool child_cluster : {false, true}) {
    const auto& cache = child_cluster ? cluster_issuers_ : issuers_;
    for (const auto& child : cache.ByIndex(kIssuerIndex, parent))
      if (child_cluster || cluster || child->meta.ns == o->meta.ns) {
        enqueue_(
            IssuerQueueKey(child_cluster, child->meta.ns, child->meta.name));
        // Their CertStores pass the parent's policy too.
        CertStoresOfIssuer(child_cluster, child->meta.ns, child->meta.name);
      }
  }
  // Its root (status) is in the TrustBundles that name it.
  if (cluster && bundles_)
    for (const auto& tb :
         bundles_->ByIndex(kRefIndex, IssuerIndexValue(true, "", o->meta.name)))
      BundleAndItsCertStores(tb->meta.name);
}

void EventRouter::TrustBundleChanged(const kube::ObjectPtr& old_obj,
                                     const kube::ObjectPtr& new_obj) {
  if (!new_obj) {
    // Deleted: its targets go with it (ownerReferences); the CertStores
    // that read it report it missing.
    for (const auto& cs :
         certstores_.ByIndex(kTrustBundleIndex, old_obj->meta.name))
      enqueue_(CertStoreQueueKey(cs->meta.ns, cs->meta.name));
    return;
  }
  if (old_obj && old_obj->meta.generation == new_obj->meta.generation)
    return;  // status only
  BundleAndItsCertStores(new_obj->meta.name);
}

void EventRouter::NamespaceChanged(const kube::ObjectPtr& old_obj,
                                   const kube::ObjectPtr& new_obj) {
  // A new namespace, or new labels: TrustBundles may select it now (or no
  // longer).
  if (bundles_ && new_obj &&
      (!old_obj || old_obj->meta.labels != new_obj->meta.labels))
    for (const auto& tb : bundles_->List())
      enqueue_(TrustBundleQueueKey(tb->meta.name));
  // Only a label change can change a policy's verdict; a new namespace has
  // no CertStores yet, a deleted one none left.
  if (!old_obj || !new_obj || old_obj->meta.labels == new_obj->meta.labels)
    return;
  for (const auto& cs : certstores_.List())
    if (cs->meta.ns == new_obj->meta.name)
      enqueue_(CertStoreQueueKey(cs->meta.ns, cs->meta.name));
  // Its intermediates: a ClusterCertIssuer's grant depends on the labels.
  for (const auto& is : issuers_.List()) {
    if (is->meta.ns != new_obj->meta.name) continue;
    auto cached = IssuerOf(*is);
    if (cached->issuer.ok() && cached->issuer->spec.intermediate)
      enqueue_(IssuerQueueKey(false, is->meta.ns, is->meta.name));
  }
}

bool MetadataTaken(const kube::ObjectMeta& before,
                   const kube::ObjectMeta& after) {
  // Our own writes change the values of certstore.dev/ annotations
  // (revision, hashes, seal) and never remove a key a template keeps.
  auto taken = [](const CompactStringMap& b, const CompactStringMap& a,
                  bool annotations) {
    for (const auto& e : b) {
      auto it = a.find(e.first);
      if (it == a.end()) return true;
      if (it->second != e.second &&
          !(annotations && e.first.rfind("certstore.dev/", 0) == 0))
        return true;
    }
    return false;
  };
  // Labels: any change is someone else's (ours never change value).
  return taken(before.labels, after.labels, false) ||
         taken(before.annotations, after.annotations, true);
}

void EventRouter::ManagedSecretChanged(const kube::ObjectPtr& old_obj,
                                       const kube::ObjectPtr& new_obj,
                                       bool own_write) {
  // The echo of a write this process just made: the reconcile that made it
  // already left the CertStore as it should be.
  if (new_obj && own_write &&
      !(old_obj && MetadataTaken(old_obj->meta, new_obj->meta)))
    return;
  const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
  auto it = o->meta.annotations.find(engine::kCertStoreAnnotation);
  if (it != o->meta.annotations.end())
    enqueue_(CertStoreQueueKey(o->meta.ns, std::string(it->second)));
}

void EventRouter::ReferenceChanged(const std::string& kind,
                                   const std::string& ns,
                                   const std::string& name) {
  std::string ref = RefIndexValue(kind, ns, name);
  for (const auto& cs : certstores_.ByIndex(kRefIndex, ref))
    enqueue_(CertStoreQueueKey(cs->meta.ns, cs->meta.name));
  if (bundles_) {
    // A bundle's source changed: the bundle and the CertStores reading it.
    for (const auto& tb : bundles_->ByIndex(kRefIndex, ref))
      BundleAndItsCertStores(tb->meta.name);
    // A bundle's target (in any namespace) changed or went: repaired.
    for (const auto& tb :
         bundles_->ByIndex(kRefIndex, TargetIndexValue(kind, name)))
      enqueue_(TrustBundleQueueKey(tb->meta.name));
  }
  if (kind != "Secret") return;
  for (bool cluster : {false, true}) {
    const auto& cache = cluster ? cluster_issuers_ : issuers_;
    for (const auto& issuer : cache.ByIndex(kRefIndex, ref)) {
      enqueue_(IssuerQueueKey(cluster, issuer->meta.ns, issuer->meta.name));
      CertStoresOfIssuer(cluster, issuer->meta.ns, issuer->meta.name);
    }
  }
}

void EventRouter::All() {
  for (const auto& o : certstores_.List())
    enqueue_(CertStoreQueueKey(o->meta.ns, o->meta.name));
  for (const auto& o : issuers_.List())
    enqueue_(IssuerQueueKey(false, o->meta.ns, o->meta.name));
  for (const auto& o : cluster_issuers_.List())
    enqueue_(IssuerQueueKey(true, o->meta.ns, o->meta.name));
  if (bundles_)
    for (const auto& o : bundles_->List())
      enqueue_(TrustBundleQueueKey(o->meta.name));
}

void EventRouter::BundleAndItsCertStores(const std::string& name) {
  enqueue_(TrustBundleQueueKey(name));
  for (const auto& cs : certstores_.ByIndex(kTrustBundleIndex, name))
    enqueue_(CertStoreQueueKey(cs->meta.ns, cs->meta.name));
}

void EventRouter::CertStoresOfIssuer(bool cluster, const std::string& ns,
                                     const std::string& name) {
  for (const auto& cs :
       certstores_.ByIndex(kIssuerIndex, IssuerIndexValue(cluster, ns, name)))
    enqueue_(CertStoreQueueKey(cs->meta.ns, cs->meta.name));
}

}  // namespace certstore::controller
