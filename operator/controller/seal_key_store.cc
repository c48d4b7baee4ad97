#include "operator/controller/seal_key_store.h"

#include "operator/api/parse.h"
#include "operator/api/types.h"
#include "operator/controller/secret_writer.h"

namespace certstore::controller {
namespace {

StatusOr<engine::SealKey> Read(kube::Client& client, const std::string& ns,
                               const std::string& name) {
  ASSIGN_OR_RETURN(std::string json,
                   client.Get(kube::SecretsResource(), ns, name));
  auto s = api::ParseSecret(json);
  SecureWipe(json.data(), json.size());
  std::string where = "seal key Secret " + ns + "/" + name;
  if (!s.ok()) return s.status().WithContext(where);
  // The operator creates it immutable: anything else was made by someone
  // else, and a key someone else chose (and may have kept) proves nothing.
  if (!s->immutable)
    return InvalidArgumentError(where +
                                " is not immutable; the operator did not "
                                "create it (delete it to have a new one made)");
  auto it = s->data.find(kSealKeyDataKey);
  if (it == s->data.end())
    return InvalidArgumentError(where + ": no data key " + kSealKeyDataKey);
  auto key = engine::SealKey::FromBytes(SecretBytes(it->second));
  SecureWipe(it->second.data(), it->second.size());
  if (!key.ok()) return key.status().WithContext(where);
  return key;
}

}  // namespace

StatusOr<engine::SealKey> LoadOrCreateSealKey(kube::Client& client,
                                              const std::string& ns,
                                              const std::string& name,
                                              bool create) {
  auto have = Read(client, ns, name);
  if (have.ok() || have.status().code() != StatusCode::kNotFound || !create)
    return have;
  ASSIGN_OR_RETURN(engine::SealKey fresh, engine::SealKey::Generate());
  api::SecretObject s;
  s.metadata.namespace_ = ns;
  s.metadata.name = name;
  s.metadata.labels["app.kubernetes.io/name"] = "certstore-operator";
  s.metadata.annotations["certstore.dev/purpose"] =
      "the operator's seal key: proves which Secrets it wrote. Deleting it "
      "makes the next start check every CertStore in full once.";
  s.type = "Opaque";
  s.immutable = true;
  s.data[kSealKeyDataKey] = fresh.bytes().reveal();
  std::string json = SecretJson(s, OwnerRef{}, "");
  SecureWipe(s.data[kSealKeyDataKey].data(), s.data[kSealKeyDataKey].size());
  auto created = client.Create(kube::SecretsResource(), ns, json);
  SecureWipe(json.data(), json.size());
  if (created.ok()) return fresh;
  if (created.status().code() == StatusCode::kAlreadyExists)
    return Read(client, ns, name);  // another replica was first
  return created.status().WithContext("creating seal key Secret " + ns + "/" +
                                      name);
}

}  // namespace certstore::controller
