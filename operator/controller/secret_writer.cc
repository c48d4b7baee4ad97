#include "operator/controller/secret_writer.h"

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/common/base64.h"
#include "operator/engine/reasons.h"

namespace certstore::controller {

std::string ForeignOwner(const api::SecretObject& s, const OwnerRef& owner) {
  // A CA Secret is never written through a CertStore, whatever its
  // ownerReferences say.
  auto ca = s.metadata.annotations.find(engine::kIssuerUidAnnotation);
  if (ca != s.metadata.annotations.end()) {
    auto who = s.metadata.annotations.find(engine::kIssuerAnnotation);
    return "holds the root CA key of " +
           (who != s.metadata.annotations.end() ? who->second
                                                : std::string("an issuer")) +
           " (a CA Secret is never written through a CertStore)";
  }
  const api::OwnerReference* c = api::ControllerOf(s.metadata);
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

std::string SecretJson(const api::SecretObject& s, const OwnerRef& owner,
                       const std::string& resource_version) {
  json::Writer w;
  w.BeginObject().Field("apiVersion", "v1").Field("kind", "Secret");
  w.Key("metadata")
      .BeginObject()
      .Field("name", s.metadata.name)
      .Field("namespace", s.metadata.namespace_)
      .StringMap("labels", s.metadata.labels)
      .StringMap("annotations", s.metadata.annotations);
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
  auto created = client.Create(kube::SecretsResource(), ns,
                               SecretJson(desired, owner, ""));
  if (!created.ok()) {
    if (created.status().code() == StatusCode::kAlreadyExists)
      return AbortedError("Secret " + ns + "/" + name + " appeared meanwhile");
    return created.status();
  }
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
  if (!current) {
    auto created = client.Create(kube::SecretsResource(), ns,
                                 SecretJson(desired, owner, ""));
    if (!created.ok()) {
      if (created.status().code() == StatusCode::kAlreadyExists)
        return AbortedError("Secret " + ns + "/" + name +
                            " appeared meanwhile");
      return created.status();
    }
    return WriteResult::kCreated;
  }
  std::string conflict = ConflictMessage(*current, owner);
  if (!conflict.empty()) return FailedPreconditionError(conflict);
  bool same = current->data == desired.data && current->type == desired.type;
  for (const auto& [k, v] : desired.metadata.labels) {
    auto it = current->metadata.labels.find(k);
    same = same && it != current->metadata.labels.end() && it->second == v;
  }
  for (const auto& [k, v] : desired.metadata.annotations) {
    auto it = current->metadata.annotations.find(k);
    same = same && it != current->metadata.annotations.end() && it->second == v;
  }
  if (same) return WriteResult::kUnchanged;
  if (current->type != desired.type)
    return ReplaceSecret(client, *current, desired, owner);
  if (current->immutable)
    return InvalidArgumentError(
        "Secret " + ns + "/" + name +
        " is immutable (someone set immutable: true) and its content "
        "must change; delete it and the operator writes it anew");
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

}  // namespace certstore::controller
