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

// The password behind `ref` (named `field` in errors).
StatusOr<SecretBytes> PasswordFromRef(const ObjectSource& objects,
                                      const std::string& ns,
                                      const api::SecretKeyRef& ref,
                                      const std::string& field) {
  if (auto pw = PasswordFromSecret(objects, ns, ref.name, ref.key)) {
    if (pw->size() > pki::kMaxPasswordBytes)
      return InvalidArgumentError(
          field + ": Secret " + ns + "/" + ref.name + " key " + ref.key +
          " holds " + std::to_string(pw->size()) +
          " bytes, more than the limit of " +
          std::to_string(pki::kMaxPasswordBytes) + " for a store password");
    return std::move(*pw);
  }
  if (!objects.GetSecret(ns, ref.name))
    return NotFoundError(field + ": Secret " + ns + "/" + ref.name +
                         " not found");
  return NotFoundError(field + ": Secret " + ns + "/" + ref.name +
                       " has no non-empty key " + ref.key);
}

// The generated password stored under `password` in `s`, if any.
std::optional<SecretBytes> StoredGenerated(
    const std::optional<api::SecretObject>& s) {
  if (!s) return std::nullopt;
  auto it = s->data.find(api::kPasswordKey);
  if (it == s->data.end() || it->second.empty()) return std::nullopt;
  return SecretBytes(it->second);
}

}  // namespace

StatusOr<SecretBytes> ResolveStorePassword(
    const api::CertStore& cs, const std::optional<api::SecretObject>& current,
    const ObjectSource& objects) {
  if (cs.spec.password)
    return PasswordFromRef(objects, cs.metadata.namespace_, *cs.spec.password,
                           "spec.password.secretKeyRef");
  if (auto stored = StoredGenerated(current)) return std::move(*stored);
  return pki::GeneratePassword();
}

StatusOr<SecretBytes> ResolveTruststorePassword(
    const api::CertStore& cs, const std::optional<api::SecretObject>& current,
    const SecretBytes& keystore_password, const ObjectSource& objects) {
  const auto& pw = cs.spec.truststore->password;
  if (pw && pw->value) return SecretBytes(*pw->value);
  if (pw && pw->secret_key_ref)
    return PasswordFromRef(objects, cs.metadata.namespace_, *pw->secret_key_ref,
                           "spec.truststore.password.secretKeyRef");
  auto stored = StoredGenerated(current);
  // A truststore Secret written before it had a password of its own holds
  // the keystore's: replaced, so that sharing it never shares that.
  if (stored && *stored != keystore_password) return std::move(*stored);
  while (true) {
    ASSIGN_OR_RETURN(SecretBytes fresh, pki::GeneratePassword());
    if (fresh != keystore_password) return fresh;
  }
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
