#include "operator/controller/workload_restarts.h"

#include "operator/api/json.h"
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

// The data digests of the operator's Secrets among `names` in `ns`.
engine::StoreDigests CurrentStores(const ReconcilerDeps& d,
                                   const std::string& ns,
                                   const std::vector<std::string>& names) {
  engine::StoreDigests out;
  if (!d.managed_secrets) return out;
  for (const std::string& name : names) {
    kube::ObjectPtr o = d.managed_secrets->Get(ns, name);
    // Partial: a labelled Secret the operator did not write.
    if (!o || o->partial) continue;
    auto s = SecretOf(*o);
    if (s && !s->data_digest.empty()) out[name] = s->data_digest;
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

const kube::Resource& WorkloadResource(int i) { return kKinds[i]; }

bool OptedIn(const kube::ObjectMeta& m) {
  auto it = m.annotations.find(engine::kRestartOnChangeAnnotation);
  return it != m.annotations.end() && it->second == "true";
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
  // Pod templates can be large: a page of them is held while it is decoded.
  o.page_size = 100;
  return o;
}

std::vector<std::string> RestartNamespaceIndex(const kube::CachedObject& o) {
  if (!OptedIn(o.meta) || !o.As<CachedWorkload>()) return {};
  return {o.meta.ns};
}

bool StoresChanged(const kube::ObjectPtr& old_obj,
                   const kube::ObjectPtr& new_obj) {
  if (!old_obj || !new_obj) return true;
  auto a = old_obj->partial ? nullptr : SecretOf(*old_obj);
  auto b = new_obj->partial ? nullptr : SecretOf(*new_obj);
  if (!a || !b) return a != b;
  return a->data_digest != b->data_digest;
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
          Recorded(*o), CurrentStores(d, ns, w->secrets.names));
      if (decision.action == engine::RestartDecision::Action::kNone) continue;
      bool restart =
          decision.action == engine::RestartDecision::Action::kRestart;
      json::Writer body;
      body.BeginObject()
          .Key("metadata")
          .BeginObject()
          .Field("resourceVersion", o->meta.resource_version)
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
                                  o->meta.uid},
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
      recorded, CurrentStores(d, o.meta.ns, w->secrets.names));
  if (decision.action == engine::RestartDecision::Action::kRestart) return true;
  const auto& t = w->secrets.template_annotations;
  auto stores = t.find(engine::kStoresAnnotation);
  return t.count(engine::kRestartedAtAnnotation) && stores != t.end() &&
         stores->second == recorded && !w->secrets.rolled_out;
}

}  // namespace certstore::controller
