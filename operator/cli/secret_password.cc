#include "operator/cli/secret_password.h"

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/kube/resource.h"

namespace certstore::cli {
namespace {

// The CertStore that controls `s` (its controller ownerReference, whose UID
// must match the CertStore of that name now); NotFound when there is none.
StatusOr<api::CertStore> OwningCertStore(Cluster& cluster,
                                         const api::SecretObject& s) {
  const api::OwnerReference* owner = api::ControllerOf(s.metadata);
  if (owner == nullptr || owner->kind != "CertStore")
    return NotFoundError("Secret " + cluster.ns() + "/" + s.metadata.name +
                         " is not controlled by a CertStore");
  RETURN_IF_ERROR(CheckObjectName(owner->name));
  ASSIGN_OR_RETURN(std::string json,
                   cluster.client().Get(kube::CertStoresResource(),
                                        cluster.ns(), owner->name));
  ASSIGN_OR_RETURN(api::CertStore cs, api::ParseCertStore(json));
  if (cs.metadata.uid != owner->uid)
    return NotFoundError("the CertStore " + owner->name +
                         " that owned Secret " + s.metadata.name +
                         " is gone (another object has its name now)");
  api::ApplyDefaults(&cs);
  return cs;
}

StatusOr<SecretBytes> KeyOf(Cluster& cluster, const std::string& name,
                            const std::string& key, std::string* from) {
  *from = "Secret " + cluster.ns() + "/" + name + " key \"" + key + "\"";
  auto pw = GetSecret(cluster, name);
  if (!pw.ok())
    return Status(pw.status().code(),
                  "password Secret: " + std::string(pw.status().message()));
  auto it = pw->data.find(key);
  if (it == pw->data.end())
    return NotFoundError("password Secret " + cluster.ns() + "/" + name +
                         " has no key \"" + key + "\"");
  return SecretBytes(it->second);
}

}  // namespace

StatusOr<api::SecretObject> GetSecret(Cluster& cluster,
                                      const std::string& name) {
  RETURN_IF_ERROR(CheckObjectName(name));
  ASSIGN_OR_RETURN(
      std::string json,
      cluster.client().Get(kube::SecretsResource(), cluster.ns(), name));
  return api::ParseSecret(json);
}

std::string Annotation(const api::SecretObject& s, const char* key) {
  auto it = s.metadata.annotations.find(key);
  return it == s.metadata.annotations.end() ? "" : it->second;
}

StatusOr<SecretBytes> PasswordOf(Cluster& cluster, const api::SecretObject& s,
                                 std::string* from) {
  auto own = s.data.find(api::kPasswordKey);
  if (own != s.data.end()) {
    *from = "its \"password\" key";
    return SecretBytes(own->second);
  }
  // Not the Secret's annotations (anyone who may edit the Secret may edit
  // them): the spec of the CertStore that owns it, by UID.
  auto cs = OwningCertStore(cluster, s);
  if (!cs.ok()) {
    if (cs.status().code() == StatusCode::kNotFound) return SecretBytes();
    return cs.status();
  }
  bool trust_secret = cs->spec.truststore &&
                      cs->spec.truststore->secret_name == s.metadata.name &&
                      cs->spec.secret_name != s.metadata.name;
  if (trust_secret && cs->spec.truststore->password) {
    const api::TruststorePassword& pw = *cs->spec.truststore->password;
    if (pw.value) {
      *from = "spec.truststore.password.value of its CertStore";
      return SecretBytes(*pw.value);
    }
    if (pw.secret_key_ref)
      return KeyOf(cluster, pw.secret_key_ref->name, pw.secret_key_ref->key,
                   from);
  }
  // (A truststore Secret written before truststores had passwords of their
  // own used the keystore's: spec.password, or the main Secret's key.)
  if (cs->spec.password)
    return KeyOf(cluster, cs->spec.password->name, cs->spec.password->key,
                 from);
  if (cs->spec.secret_name != s.metadata.name) {
    // A separate truststore Secret: its CertStore's main Secret's password.
    auto main = GetSecret(cluster, cs->spec.secret_name);
    if (!main.ok()) return main.status();
    auto it = main->data.find(api::kPasswordKey);
    if (it != main->data.end()) {
      *from = "the \"password\" key of Secret " + cluster.ns() + "/" +
              cs->spec.secret_name;
      return SecretBytes(it->second);
    }
  }
  return SecretBytes();
}

}  // namespace certstore::cli
