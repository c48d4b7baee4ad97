#include "operator/controller/secret_writer.h"

#include "operator/api/parse.h"
#include "operator/common/base64.h"
#include "operator/engine/reasons.h"

namespace certstore::controller {
namespace {

std::string StringMap(const std::map<std::string, std::string>& m,
                      bool base64) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += (first ? "" : ",") + kube::JsonQuote(k) + ":" +
           kube::JsonQuote(base64 ? Base64Encode(v) : v);
    first = false;
  }
  return out + "}";
}

}  // namespace

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
  std::string md =
      "{\"name\":" + kube::JsonQuote(s.metadata.name) +
      ",\"namespace\":" + kube::JsonQuote(s.metadata.namespace_) +
      ",\"labels\":" + StringMap(s.metadata.labels, false) +
      ",\"annotations\":" + StringMap(s.metadata.annotations, false);
  if (!owner.uid.empty())
    md += ",\"ownerReferences\":[{\"apiVersion\":" +
          kube::JsonQuote(owner.api_version) +
          ",\"kind\":" + kube::JsonQuote(owner.kind) +
          ",\"name\":" + kube::JsonQuote(owner.name) +
          ",\"uid\":" + kube::JsonQuote(owner.uid) +
          ",\"controller\":true,\"blockOwnerDeletion\":true}]";
  if (!resource_version.empty())
    md += ",\"resourceVersion\":" + kube::JsonQuote(resource_version);
  md += "}";
  return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":" + md +
         ",\"type\":" + kube::JsonQuote(s.type.empty() ? "Opaque" : s.type) +
         ",\"data\":" + StringMap(s.data, true) + "}";
}

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
