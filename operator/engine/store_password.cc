#include "operator/engine/store_password.h"

#include <string>

#include "operator/engine/reasons.h"
#include "operator/pki/limits.h"
#include "operator/pki/password.h"

namespace certstore::engine {
namespace {

std::optional<SecretBytes> PasswordFromSecret(const ObjectSource& objects,
                                              const std::string& ns,
                                              const std::string& name,
                                              const std::string& key) {
  auto s = objects.GetSecret(ns, name);
  if (!s) return std::nullopt;
  auto it = s->data.find(key);
  if (it == s->data.end() || it->second.empty()) return std::nullopt;
  std::string pw = it->second;
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return SecretBytes(std::move(pw));
}

}  // namespace

StatusOr<SecretBytes> ResolveStorePassword(
    const api::CertStore& cs, const std::optional<api::SecretObject>& current,
    const ObjectSource& objects) {
  const std::string& ns = cs.metadata.namespace_;
  if (cs.spec.password) {
    const auto& ref = *cs.spec.password;
    if (auto pw = PasswordFromSecret(objects, ns, ref.name, ref.key)) {
      if (pw->size() > pki::kMaxPasswordBytes)
        return InvalidArgumentError(
            "spec.password.secretKeyRef: Secret " + ns + "/" + ref.name +
            " key " + ref.key + " holds " + std::to_string(pw->size()) +
            " bytes, more than the limit of " +
            std::to_string(pki::kMaxPasswordBytes) + " for a store password");
      return std::move(*pw);
    }
    if (!objects.GetSecret(ns, ref.name))
      return NotFoundError("spec.password.secretKeyRef: Secret " + ns + "/" +
                           ref.name + " not found");
    return NotFoundError("spec.password.secretKeyRef: Secret " + ns + "/" +
                         ref.name + " has no non-empty key " + ref.key);
  }
  if (current) {
    auto it = current->data.find(api::kPasswordKey);
    if (it != current->data.end() && !it->second.empty())
      return SecretBytes(it->second);
  }
  return pki::GeneratePassword();
}

std::vector<SecretBytes> PreviousStorePasswords(const api::SecretObject& s,
                                                const ObjectSource& objects) {
  std::vector<SecretBytes> out;
  auto own = s.data.find(api::kPasswordKey);
  if (own != s.data.end() && !own->second.empty())
    out.emplace_back(own->second);
  auto ref = s.metadata.annotations.find(kPasswordRefAnnotation);
  if (ref != s.metadata.annotations.end()) {
    size_t slash = ref->second.find('/');
    if (slash != std::string::npos) {
      auto pw = PasswordFromSecret(objects, s.metadata.namespace_,
                                   ref->second.substr(0, slash),
                                   ref->second.substr(slash + 1));
      if (pw) out.push_back(std::move(*pw));
    }
  }
  return out;
}

}  // namespace certstore::engine
