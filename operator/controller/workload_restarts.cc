#include "operator/controller/workload_restarts.h"

#include "operator/api/json.h"
#include "operator/api/types.h"
#include "operator/common/time_format.h"
#include "operator/controller/cached_kinds.h"
#include "operator/engine/reasons.h"
#include "operator/engine/workload_restart.h"

namespace certstore::controller {
namespace {

const kube::Resource kKinds[kWorkloadKinds] = {
    {"apps", "v1", "deployments", "Deployment", true},
    {"apps", "v1", "statefulsets", "StatefulSet", true},
    {"apps", "v1", "daemonsets", "DaemonSet", true},
};

// The data digests of the operator's Secrets among `names` in `ns`: its
// CertStores' and issuers' Secrets by the digest of their data as cached; a
// TrustBundle's truststore Secret (cached as metadata: its stores are never
// read) by its content annotation, a keyed digest of what it holds.
engine::StoreDigests CurrentStores(const ReconcilerDeps& d,
                                   const std::string& ns,
                                   const std::vector<std::string>& names) {
  engine::StoreDigests out;
  if (!d.managed_secrets) return out;
  for (const std::string& name : names) {
    kube::ObjectPtr o = d.managed_secrets->Get(ns, name);
    if (!o) continue;
    std::string digest = DigestOf(*o);
    if (!digest.empty()) out[name] = digest;
  }
  return out;
}

std::string Recorded(const kube::CachedObject& o) {
  auto it = o.meta.annotations.find(engine::kStoresAnnotation);
  return it == o.meta.annotations.end() ? std::string()
                                        : std::string(it->second);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string DigestOf(const kube::CachedObject& secret) {
  if (!secret.partial) {
    auto s = SecretOf(secret);
    return s ? s->data_digest.Hex() : std::string();
  }
  // Partial: a labelled Secret whose data is not cached. Only a TrustBundle
  // target counts (controlled by a TrustBundle; a tenant who forges one
  // can only restart workloads of their own namespace).
  bool bundle = false;
  for (const auto& owner : secret.meta.owners)
    bundle = bundle || (owner.controller && owner.kind == "TrustBundle" &&
                        owner.api_version == api::kApiVersion);
  auto content = secret.meta.annotations.find(engine::kBundleContentAnnotation);
  if (!bundle || content == secret.meta.annotations.end()) return "";
  return std::string(content->second);
}

const kube::Resource& WorkloadResource(int i) { return kKinds[i]; }

bool OptedIn(const kube::ObjectMeta& m) {
  auto it = m.annotations.find(engine::kRestartOnChangeAnnotation);
  return it != m.annotations.end() && it->second == "true";
}

bool WorkloadNeedsPass(const kube::ObjectPtr& old_obj,
                       const kube::ObjectPtr& new_obj) {
  if (!new_obj || !OptedIn(new_obj->meta)) return false;
  if (!old_obj || !OptedIn(old_obj->meta)) return true;
  return old_obj->meta.generation != new_obj->meta.generation ||
         Recorded(*old_obj) != Recorded(*new_obj);
}

kube::InformerOptions WorkloadInformerOptions() {
  kube::InformerOptions o;
  o.payload_filter.fields = {"spec", "status"};
  o.payload_filter.keep = OptedIn;
  o.payload_filter.annotations = {engine::kRestartOnChangeAnnotation,
                                  engine::kStoresAnnotation};
  o.decode = [](const kube::CachedObject& c)
      -> std::shared_ptr<const kube::TypedObject> {
    if (c.partial || c.json.empty()) return nullptr;
    auto secrets = api::ParseWorkloadSecrets(c.json);
    if (!secrets.ok()) return nullptr;
    auto w = std::make_shared<CachedWorkload>();
    w->secrets = std::move(secrets).value();
    // Of the template's annotations only ours are kept.
    std::map<std::string, std::string> ours;
    for (const char* k :
         {engine::kStoresAnnotation, engine::kRestartedAtAnnotation}) {
      auto it = w->secrets.template_annotations.find(k);
      if (it != w->secrets.template_annotations.end())
        ours[k] = std::move(it->second);
    }
    w->secrets.template_annotations = std::move(ours);
    return w;
  };
  o.drop_json = true;
  // Every workload of the cluster is listed (an annotation cannot be
  // selected on the server), and a page is held whole while it is parsed:
  // small pages bound what a tenant's outsized Deployments cost (about
  // 1.5 MiB each at most, as stored by etcd). Watch events come one by one.
  o.page_size = 10;
  return o;
}

std::vector<std::string> RestartNamespaceIndex(const kube::CachedObject& o) {
  if (!OptedIn(o.meta) || !o.As<CachedWorkload>()) return {};
  return {o.meta.ns};
}

bool StoresChanged(const kube::ObjectPtr& old_obj,
                   const kube::ObjectPtr& new_obj) {
  if (!old_obj || !new_obj) return true;
  return DigestOf(*old_obj) != DigestOf(*new_obj);
}

ReconcileResult ReconcileWorkloads(const ReconcilerDeps& d,
                                   const WorkloadCaches& caches,
                                   const std::string& ns) {
  Status first_error;
  for (int i = 0; i < kWorkloadKinds; ++i) {
    if (!caches.kinds[i]) continue;
    const kube::Resource& res = kKinds[i];
    for (const kube::ObjectPtr& o :
         caches.kinds[i]->ByIndex(kRestartNamespaceIndex, ns)) {
      const CachedWorkload* w = o->As<CachedWorkload>();
      if (!w || !OptedIn(o->meta)) continue;
      engine::RestartDecision decision = engine::DecideRestart(
          Recorded(*o), CurrentStores(d, ns, w->secrets.names),
          w->secrets.names);
      if (decision.action == engine::RestartDecision::Action::kNone) continue;
      bool restart =
          decision.action == engine::RestartDecision::Action::kRestart;
      json::Writer body;
      body.BeginObject()
          .Key("metadata")
          .BeginObject()
          .Field("resourceVersion", o->meta.resource_version.str())
          .Key("annotations")
          .BeginObject()
          .Field(engine::kStoresAnnotation, decision.record)
          .EndObject()
          .EndObject();
      if (restart) {
        body.Key("spec")
            .BeginObject()
            .Key("template")
            .BeginObject()
            .Key("metadata")
            .BeginObject()
            .Key("annotations")
            .BeginObject()
            .Field(engine::kStoresAnnotation, decision.record)
            .Field(engine::kRestartedAtAnnotation, FormatRfc3339(d.clock.Now()))
            .EndObject()
            .EndObject()
            .EndObject()
            .EndObject();
      }
      body.EndObject();
      auto patched = d.client.Patch(res, ns, o->meta.name,
                                    kube::PatchType::kMerge, body.Take());
      if (!patched.ok()) {
        // Gone meanwhile: nothing to restart. Otherwise retried.
        if (patched.status().code() != StatusCode::kNotFound &&
            first_error.ok())
          first_error = patched.status().WithContext(res.kind + " " + ns + "/" +
                                                     o->meta.name);
        continue;
      }
      if (restart)
        d.events.Post(
            kube::ObjectReference{"apps/v1", res.kind, ns, o->meta.name,
                                  o->meta.uid.str()},
            "Normal", engine::kEventRestartedForNewStores,
            "rolling restart: the stores in Secret" +
                std::string(decision.changed.size() == 1 ? " " : "s ") +
                Join(decision.changed) + " changed");
    }
  }
  if (!first_error.ok()) return {first_error, std::nullopt};
  return {};
}

bool RestartPending(const ReconcilerDeps& d, const kube::CachedObject& o) {
  const CachedWorkload* w = o.As<CachedWorkload>();
  if (!w || !OptedIn(o.meta)) return false;
  std::string recorded = Recorded(o);
  engine::RestartDecision decision = engine::DecideRestart(
      recorded, CurrentStores(d, o.meta.ns, w->secrets.names),
      w->secrets.names);
  if (decision.action == engine::RestartDecision::Action::kRestart) return true;
  const auto& t = w->secrets.template_annotations;
  auto stores = t.find(engine::kStoresAnnotation);
  return t.count(engine::kRestartedAtAnnotation) && stores != t.end() &&
         stores->second == recorded && !w->secrets.rolled_out;
}

}  // namespace certstore::controller
