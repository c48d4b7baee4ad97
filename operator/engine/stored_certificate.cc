#include "operator/engine/stored_certificate.h"

#include <string>

#include "operator/engine/issuance_policy.h"
#include "operator/engine/reasons.h"
#include "operator/engine/store_password.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"

namespace certstore::engine {
namespace {

std::string AnnotationOf(const api::SecretObject& s, const char* key) {
  auto ann = s.metadata.annotations.find(key);
  return ann == s.metadata.annotations.end() ? "" : ann->second;
}

// What the Secret's annotations say the certificate was made for.
void ReadAnnotations(const api::SecretObject& s, CurrentCertificate* c) {
  c->identity_hash = AnnotationOf(s, kIdentityHashAnnotation);
  // Anyone who may edit the Secret may edit this: a malformed value is none.
  c->renew_request = AnnotationOf(s, kRenewRequestAnnotation);
  if (!CheckRenewRequest(c->renew_request).ok()) c->renew_request.clear();
}

// Written (or checked) by this process byte for byte: no decryption.
std::optional<CurrentCertificate> FromVerified(const api::SecretObject& s,
                                               const VerifiedStores& verified) {
  auto e = verified.Find(s.metadata.namespace_ + "/" + s.metadata.name,
                         DataDigest(s.data));
  if (!e || !e->cert || !e->key) return std::nullopt;
  CurrentCertificate c;
  c.cert = pki::ShareCert(e->cert.get());
  c.key = pki::ShareKey(e->key.get());
  c.chain = pki::ShareCerts(e->chain);
  ReadAnnotations(s, &c);
  return c;
}

std::optional<CurrentCertificate> FromPem(const api::SecretObject& s) {
  auto crt = s.data.find(api::kTlsCrtKey);
  auto key = s.data.find(api::kTlsKeyKey);
  if (crt == s.data.end() || key == s.data.end()) return std::nullopt;
  auto certs = pki::ParseCertificatesPem(crt->second);
  auto k = pki::ParsePrivateKeyPem(SecretBytes(key->second));
  if (!certs.ok() || !k.ok()) return std::nullopt;
  CurrentCertificate c;
  for (size_t i = 1; i < certs->size(); ++i)
    c.chain.push_back(std::move((*certs)[i]));
  c.cert = std::move(certs->front());
  c.key = std::move(k).value();
  return c;
}

std::optional<CurrentCertificate> FromKeystores(const api::SecretObject& s,
                                                const SecretBytes& password) {
  for (const char* store : {api::kKeystoreP12Key, api::kKeystoreJksKey}) {
    auto it = s.data.find(store);
    if (it == s.data.end()) continue;
    auto contents = std::string(store) == api::kKeystoreP12Key
                        ? pki::ParsePkcs12(it->second, password)
                        : pki::ParseJks(it->second, password);
    if (!contents.ok()) continue;
    for (auto& e : contents->entries) {
      if (e.type != pki::EntryType::kPrivateKey || e.chain.empty()) continue;
      CurrentCertificate c;
      c.key = std::move(e.key);
      for (size_t i = 1; i < e.chain.size(); ++i)
        c.chain.push_back(std::move(e.chain[i]));
      c.cert = std::move(e.chain.front());
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<CurrentCertificate> ReadStoredCertificate(
    const api::SecretObject& s, const SecretBytes& password,
    const ObjectSource& objects, const VerifiedStores* verified) {
  if (verified) {
    if (auto c = FromVerified(s, *verified)) return c;
  }
  std::optional<CurrentCertificate> c = FromPem(s);
  if (!c) c = FromKeystores(s, password);
  // The stores may be locked with the previous password (it just changed):
  // try it, so a password change re-encodes instead of re-issuing.
  if (!c) {
    for (const SecretBytes& old : PreviousStorePasswords(s, objects)) {
      c = FromKeystores(s, old);
      if (c) break;
    }
  }
  if (c) ReadAnnotations(s, &*c);
  return c;
}

}  // namespace certstore::engine
