#include "operator/controller/secret_writer.h"

#include <chrono>
#include <thread>

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/common/base64.h"
#include "operator/engine/export.h"
#include "operator/engine/reasons.h"

namespace certstore::controller {

std::string ForeignOwner(const api::SecretObject& s, const OwnerRef& owner) {
  return ForeignOwner(s.metadata, owner);
}

std::string ForeignOwner(const api::ObjectMeta& m, const OwnerRef& owner) {
  // A CA Secret is never written through a CertStore, whatever its
  // ownerReferences say.
  auto ca = m.annotations.find(engine::kIssuerUidAnnotation);
  if (ca != m.annotations.end()) {
    auto who = m.annotations.find(engine::kIssuerAnnotation);
    return "holds the root CA key of " +
           (who != m.annotations.end() ? who->second
                                       : std::string("an issuer")) +
           " (a CA Secret is never written through a CertStore)";
  }
  const api::OwnerReference* c = api::ControllerOf(m);
  if (c && !owner.uid.empty() && c->uid == owner.uid) return "";
  if (c)
    return "is controlled by " + c->kind + " " + c->name + " (uid " + c->uid +
           "), not by this " + owner.kind + " (uid " + owner.uid + ")";
  return "has no controller ownerReference to this " + owner.kind +
         " (labels do not grant ownership)";
}

std::string ConflictMessage(const api::SecretObject& s, const OwnerRef& owner) {
  std::string foreign = ForeignOwner(s, owner);
  if (foreign.empty()) return "";
  return "Secret " + s.metadata.namespace_ + "/" + s.metadata.name +
         " exists and " + foreign +
         "; refusing to touch it (choose another secretName, or delete that "
         "Secret if it is "
         "yours to delete)";
}

namespace {

// apiVersion, kind and metadata (with `owner` as the controller and the
// resourceVersion precondition when set); the object is left open.
void BeginObject(json::Writer& w, const char* kind, const api::ObjectMeta& m,
                 const OwnerRef& owner, const std::string& resource_version) {
  w.BeginObject().Field("apiVersion", "v1").Field("kind", kind);
  w.Key("metadata")
      .BeginObject()
      .Field("name", m.name)
      .Field("namespace", m.namespace_)
      .StringMap("labels", m.labels)
      .StringMap("annotations", m.annotations);
  if (!owner.uid.empty())
    w.Key("ownerReferences")
        .BeginArray()
        .BeginObject()
        .Field("apiVersion", owner.api_version)
        .Field("kind", owner.kind)
        .Field("name", owner.name)
        .Field("uid", owner.uid)
        .Field("controller", true)
        .Field("blockOwnerDeletion", true)
        .EndObject()
        .EndArray();
  if (!resource_version.empty()) w.Field("resourceVersion", resource_version);
  w.EndObject();
}

// Creates `json`; Aborted when an object of that name appeared meanwhile.
StatusOr<WriteResult> Create(kube::Client& client, const kube::Resource& r,
                             const char* kind, const std::string& ns,
                             const std::string& name, const std::string& json) {
  auto created = client.Create(r, ns, json);
  if (created.ok()) return WriteResult::kCreated;
  if (created.status().code() == StatusCode::kAlreadyExists)
    return AbortedError(std::string(kind) + " " + ns + "/" + name +
                        " appeared meanwhile");
  return created.status();
}

// True when `current` carries every label and annotation of `desired`.
bool HasMetadata(const api::ObjectMeta& current,
                 const api::ObjectMeta& desired) {
  for (const auto& [k, v] : desired.labels) {
    auto it = current.labels.find(k);
    if (it == current.labels.end() || it->second != v) return false;
  }
  for (const auto& [k, v] : desired.annotations) {
    auto it = current.annotations.find(k);
    if (it == current.annotations.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

std::string SecretJson(const api::SecretObject& s, const OwnerRef& owner,
                       const std::string& resource_version) {
  json::Writer w;
  BeginObject(w, "Secret", s.metadata, owner, resource_version);
  w.Field("type", s.type.empty() ? std::string("Opaque") : s.type);
  if (s.immutable) w.Field("immutable", true);
  w.Key("data").BeginObject();
  for (const auto& [k, v] : s.data) w.Field(k, Base64Encode(v));
  return w.EndObject().EndObject().Take();
}

namespace {

// A Secret's type cannot change in place: delete exactly the version we read
// (UID and resourceVersion preconditions: nothing someone changed meanwhile
// is lost) and create it again with the new type.
StatusOr<WriteResult> ReplaceSecret(kube::Client& client,
                                    const api::SecretObject& current,
                                    const api::SecretObject& desired,
                                    const OwnerRef& owner) {
  const std::string& ns = desired.metadata.namespace_;
  const std::string& name = desired.metadata.name;
  kube::DeleteOptions opts;
  opts.precondition_uid = current.metadata.uid;
  opts.precondition_resource_version = current.metadata.resource_version;
  Status deleted = client.Delete(kube::SecretsResource(), ns, name, opts);
  // A failed precondition is a 409 (Aborted): re-read and retry.
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  // Deleted: the stores exist only in `desired` now. A create that fails
  // for a passing reason is tried again at once (bounded), so that a blip
  // does not turn a type change into a new key on the next reconcile.
  StatusOr<WriteResult> created = InternalError("not tried");
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
    created = Create(client, kube::SecretsResource(), "Secret", ns, name,
                     SecretJson(desired, owner, ""));
    if (created.ok() || created.status().code() == StatusCode::kAborted ||
        created.status().code() == StatusCode::kInvalidArgument ||
        created.status().code() == StatusCode::kPermissionDenied)
      break;
  }
  if (!created.ok()) return created.status();
  return WriteResult::kReplaced;
}

}  // namespace

StatusOr<WriteResult> WriteSecret(kube::Client& client,
                                  const api::SecretObject& desired,
                                  const OwnerRef& owner,
                                  const engine::ObjectSource* source) {
  const std::string& ns = desired.metadata.namespace_;
  const std::string& name = desired.metadata.name;
  std::optional<api::SecretObject> current;
  if (source) {
    current = source->GetSecret(ns, name);
  } else {
    auto current_json = client.Get(kube::SecretsResource(), ns, name);
    if (!current_json.ok() &&
        current_json.status().code() != StatusCode::kNotFound)
      return current_json.status();
    if (current_json.ok()) {
      auto parsed = api::ParseSecret(*current_json);
      if (!parsed.ok())
        return parsed.status().WithContext("Secret " + ns + "/" + name);
      current = std::move(parsed).value();
    }
  }
  if (!current)
    return Create(client, kube::SecretsResource(), "Secret", ns, name,
                  SecretJson(desired, owner, ""));
  std::string conflict = ConflictMessage(*current, owner);
  if (!conflict.empty()) return FailedPreconditionError(conflict);
  bool same = current->data == desired.data && current->type == desired.type &&
              HasMetadata(current->metadata, desired.metadata);
  if (same) return WriteResult::kUnchanged;
  // Immutable means "do not change": not even by a replacement.
  if (current->immutable)
    return InvalidArgumentError(
        "Secret " + ns + "/" + name +
        " is immutable (someone set immutable: true) and its content "
        "must change; delete it and the operator writes it anew");
  if (current->type != desired.type)
    return ReplaceSecret(client, *current, desired, owner);
  auto updated = client.Update(
      kube::SecretsResource(), ns, name,
      SecretJson(desired, owner, current->metadata.resource_version));
  if (!updated.ok()) return updated.status();
  return WriteResult::kUpdated;
}

Status CreateSecretOnce(kube::Client& client,
                        const api::SecretObject& desired) {
  auto r = client.Create(kube::SecretsResource(), desired.metadata.namespace_,
                         SecretJson(desired, OwnerRef{}, ""));
  return r.ok() ? OkStatus() : r.status();
}

Status PatchSecretAt(kube::Client& client, const api::SecretObject& change) {
  const api::ObjectMeta& m = change.metadata;
  if (m.resource_version.empty())
    return InvalidArgumentError("PatchSecretAt needs a resourceVersion");
  json::Writer w;
  w.BeginObject()
      .Key("metadata")
      .BeginObject()
      .Field("resourceVersion", m.resource_version);
  if (!m.labels.empty()) w.StringMap("labels", m.labels);
  if (!m.annotations.empty()) w.StringMap("annotations", m.annotations);
  w.EndObject().Key("data").BeginObject();
  for (const auto& [k, v] : change.data) w.Field(k, Base64Encode(v));
  w.EndObject().EndObject();
  auto r = client.Patch(kube::SecretsResource(), m.namespace_, m.name,
                        kube::PatchType::kMerge, w.Take());
  return r.ok() ? OkStatus() : r.status();
}

}  // namespace certstore::controller

namespace certstore::controller {

std::string ConfigMapJson(const api::ConfigMapObject& c, const OwnerRef& owner,
                          const std::string& resource_version) {
  json::Writer w;
  BeginObject(w, "ConfigMap", c.metadata, owner, resource_version);
  std::map<std::string, std::string> text, binary;
  for (const auto& [k, v] : c.data)
    (engine::IsBinaryExportKey(k) ? binary : text)[k] = v;
  w.StringMap("data", text);
  w.Key("binaryData").BeginObject();
  for (const auto& [k, v] : binary) w.Field(k, Base64Encode(v));
  return w.EndObject().EndObject().Take();
}

StatusOr<WriteResult> WriteConfigMap(kube::Client& client,
                                     const api::ConfigMapObject& desired,
                                     const OwnerRef& owner,
                                     const engine::ObjectSource& source) {
  const std::string& ns = desired.metadata.namespace_;
  const std::string& name = desired.metadata.name;
  std::optional<api::ConfigMapObject> current = source.GetConfigMap(ns, name);
  if (!current)
    return Create(client, kube::ConfigMapsResource(), "ConfigMap", ns, name,
                  ConfigMapJson(desired, owner, ""));
  std::string foreign = ForeignOwner(current->metadata, owner);
  if (!foreign.empty())
    return FailedPreconditionError(
        "ConfigMap " + ns + "/" + name + " exists and " + foreign +
        "; refusing to touch it (choose another spec.export.configMapName, "
        "or delete that ConfigMap if it is yours to delete)");
  if (current->data == desired.data &&
      HasMetadata(current->metadata, desired.metadata))
    return WriteResult::kUnchanged;
  auto updated = client.Update(
      kube::ConfigMapsResource(), ns, name,
      ConfigMapJson(desired, owner, current->metadata.resource_version));
  if (!updated.ok()) return updated.status();
  return WriteResult::kUpdated;
}

}  // namespace certstore::controller
