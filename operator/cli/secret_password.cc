#include "operator/cli/secret_password.h"

#include "operator/api/parse.h"
#include "operator/engine/reasons.h"
#include "operator/kube/resource.h"

namespace certstore::cli {
namespace {

StatusOr<SecretBytes> PasswordOf(Cluster& cluster, const api::SecretObject& s,
                                 std::string* from, int hops) {
  auto own = s.data.find(api::kPasswordKey);
  if (own != s.data.end()) {
    *from = "its \"password\" key";
    return SecretBytes(own->second);
  }
  std::string ref = Annotation(s, engine::kPasswordRefAnnotation);
  if (!ref.empty()) {
    size_t slash = ref.find('/');
    std::string name = ref.substr(0, slash),
                key = slash == std::string::npos ? "" : ref.substr(slash + 1);
    *from = "Secret " + cluster.ns() + "/" + name + " key \"" + key +
            "\" (annotation " + engine::kPasswordRefAnnotation + ")";
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
  // A separate truststore Secret: its CertStore's main Secret's password.
  std::string owner = Annotation(s, engine::kCertStoreAnnotation);
  if (hops > 0 || owner.empty()) return SecretBytes();
  auto cs =
      cluster.client().Get(kube::CertStoresResource(), cluster.ns(), owner);
  if (!cs.ok()) return SecretBytes();
  auto parsed = api::ParseCertStore(*cs);
  if (!parsed.ok() || parsed->spec.secret_name == s.metadata.name)
    return SecretBytes();
  auto main = GetSecret(cluster, parsed->spec.secret_name);
  if (!main.ok()) return SecretBytes();
  return PasswordOf(cluster, *main, from, hops + 1);
}

}  // namespace

StatusOr<api::SecretObject> GetSecret(Cluster& cluster,
                                      const std::string& name) {
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
  return PasswordOf(cluster, s, from, 0);
}

}  // namespace certstore::cli
