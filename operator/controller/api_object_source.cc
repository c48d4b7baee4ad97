#include "operator/controller/api_object_source.h"

#include "operator/api/parse.h"
#include "operator/controller/cached_kinds.h"

namespace certstore::controller {

std::optional<api::SecretObject> ApiObjectSource::GetSecret(
    const std::string& ns, const std::string& name) const {
  std::string key = ns + "/" + name;
  auto memo = secrets_.find(key);
  if (memo != secrets_.end()) return memo->second;
  std::optional<api::SecretObject> out;
  kube::ObjectPtr cached = managed_ ? managed_->Get(ns, name) : nullptr;
  // Partial: not ours, data not cached; incomplete: the stores and keys
  // of a CertStore Secret are not cached (cached_kinds.h). Both are read.
  if (cached && !cached->partial) {
    auto s = SecretOf(*cached);
    if (s && s->whole) out = *s->whole;
  }
  if (!out) {
    auto json = client_.Get(kube::SecretsResource(), ns, name);
    if (!json.ok()) {
      if (json.status().code() == StatusCode::kNotFound) {
        secrets_[key] = std::nullopt;  // an answer: absent
      } else if (error_.ok()) {
        error_ = json.status();  // not an answer: not remembered
      }
      return std::nullopt;
    }
    auto s = api::ParseSecret(*json);
    if (!s.ok()) {
      if (error_.ok())
        error_ = s.status().WithContext("Secret " + ns + "/" + name);
      return std::nullopt;
    }
    out = std::move(s).value();
  }
  secrets_[key] = out;
  return out;
}

std::optional<engine::SecretOutline> ApiObjectSource::OutlineSecret(
    const std::string& ns, const std::string& name) const {
  kube::ObjectPtr cached = managed_ ? managed_->Get(ns, name) : nullptr;
  if (!cached || cached->partial) return std::nullopt;
  auto s = SecretOf(*cached);
  if (!s) return std::nullopt;
  engine::SecretOutline o;
  const kube::ObjectMeta& m = cached->meta;
  o.metadata.namespace_ = m.ns;
  o.metadata.name = m.name;
  o.metadata.uid = m.uid.str();
  o.metadata.resource_version = m.resource_version.str();
  o.metadata.labels = m.labels.ToMap();
  o.metadata.annotations = m.annotations.ToMap();
  for (const auto& ow : m.owners)
    o.metadata.owner_references.push_back(
        {std::string(ow.api_version), std::string(ow.kind),
         std::string(ow.name), std::string(ow.uid), ow.controller});
  o.type = s->type;
  o.data_digest = s->data_digest.Hex();
  return o;
}

std::optional<api::ConfigMapObject> ApiObjectSource::GetConfigMap(
    const std::string& ns, const std::string& name) const {
  auto memo = config_maps_.find(ns + "/" + name);
  if (memo != config_maps_.end()) return memo->second;
  std::optional<api::ConfigMapObject>& out = config_maps_[ns + "/" + name];
  auto json = client_.Get(kube::ConfigMapsResource(), ns, name);
  if (!json.ok()) {
    if (json.status().code() != StatusCode::kNotFound && error_.ok())
      error_ = json.status();
    return std::nullopt;
  }
  auto cm = api::ParseConfigMap(*json);
  if (!cm.ok()) {
    if (error_.ok())
      error_ =
          InvalidArgumentError("ConfigMap " + ns + "/" + name + " unreadable");
    return std::nullopt;
  }
  out = std::move(cm).value();
  return out;
}

}  // namespace certstore::controller
