#include "operator/engine/issuer_ca.h"

#include "operator/engine/conversions.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

std::string Where(const std::string& ns, const std::string& name) {
  return "Secret " + ns + "/" + name;
}

StatusOr<pki::CaMaterial> LoadFromSecret(const api::SecretObject& s,
                                         const Clock& clock,
                                         CaMaterialCache* cache) {
  std::string where = Where(s.metadata.namespace_, s.metadata.name);
  std::string key_name = s.metadata.namespace_ + "/" + s.metadata.name;
  std::string digest = cache ? DataDigest(s.data) : std::string();
  if (cache) {
    if (auto hit = cache->Find(key_name, digest)) {
      Status valid = pki::CheckCaValidAt(hit->cert.get(), clock.Now());
      if (!valid.ok()) return valid.WithContext(where);
      return pki::ShareCa(*hit);
    }
  }
  auto crt = s.data.find(api::kTlsCrtKey);
  auto key = s.data.find(api::kTlsKeyKey);
  if (crt == s.data.end() || key == s.data.end())
    return NotFoundError(where + " must hold tls.crt and tls.key");
  auto ca = pki::LoadCa(crt->second, SecretBytes(key->second), clock);
  if (!ca.ok()) return ca.status().WithContext(where);
  if (cache)
    cache->Remember(key_name, digest,
                    std::make_shared<const pki::CaMaterial>(pki::ShareCa(*ca)));
  return ca;
}

}  // namespace

std::shared_ptr<const pki::CaMaterial> CaMaterialCache::Find(
    const std::string& key, const std::string& digest) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.first != digest) return nullptr;
  return it->second.second;
}

void CaMaterialCache::Remember(const std::string& key,
                               const std::string& digest,
                               std::shared_ptr<const pki::CaMaterial> ca) {
  std::lock_guard<std::mutex> l(mu_);
  if (entries_.size() >= capacity_ && !entries_.count(key)) entries_.clear();
  entries_[key] = {digest, std::move(ca)};
}

StatusOr<IssuerCa> ResolveIssuerCa(const api::Issuer& issuer,
                                   const std::string& ca_namespace,
                                   const ObjectSource& objects,
                                   const Clock& clock,
                                   const CaResolveOptions& options,
                                   bool* ca_secret_missing) {
  IssuerCa out;
  auto missing_recorded = [&](const std::string& name) {
    if (ca_secret_missing) *ca_secret_missing = true;
    return Where(ca_namespace, name) +
           " holding the issuer's root CA (SHA-256 " +
           options.recorded_fingerprint.substr(0, 16) +
           "...) is gone. Restore it from a backup to resume with the same "
           "root";
  };
  if (issuer.spec.ca) {
    const std::string& name = issuer.spec.ca->secret_name;
    auto secret = objects.GetSecret(ca_namespace, name);
    if (!secret && !options.recorded_fingerprint.empty())
      return NotFoundError(missing_recorded(name) +
                           ", or point spec.ca.secretName at the new CA");
    if (!secret) return NotFoundError(Where(ca_namespace, name) + " not found");
    ASSIGN_OR_RETURN(out.ca, LoadFromSecret(*secret, clock, options.cache));
    return out;
  }
  if (!issuer.spec.self_signed)
    return InvalidArgumentError("issuer has neither ca nor selfSigned");
  const api::SelfSignedIssuerSpec& ss = *issuer.spec.self_signed;
  auto secret = objects.GetSecret(ca_namespace, ss.secret_name);
  if (secret) {
    auto ca = LoadFromSecret(*secret, clock, options.cache);
    if (!ca.ok())
      return FailedPreconditionError(
          ca.status().message() +
          " (the selfSigned issuer will not overwrite it; delete the Secret "
          "to create a new root CA)");
    out.ca = std::move(ca).value();
    return out;
  }
  if (!options.recorded_fingerprint.empty() && !options.accept_new_root)
    return FailedPreconditionError(missing_recorded(ss.secret_name) +
                                   ". No new root is created by itself: every "
                                   "truststore and certificate from the old "
                                   "root would stop working together. To start "
                                   "over with a new root (and a CA rotation), "
                                   "annotate the issuer with " +
                                   std::string(kAcceptNewRootAnnotation) + "=" +
                                   options.recorded_fingerprint);
  if (!options.allow_create)
    return NotFoundError(Where(ca_namespace, ss.secret_name) +
                         " not found yet: waiting for " +
                         api::IssuerKindName(issuer.kind) + " " +
                         issuer.metadata.name + " to create its root CA");
  ASSIGN_OR_RETURN(pki::KeySpec key_spec, ToKeySpec(ss.private_key));
  ASSIGN_OR_RETURN(pki::RootSpec root_spec, ToRootSpec(ss));
  ASSIGN_OR_RETURN(pki::EvpPkeyPtr key, pki::GenerateKey(key_spec));
  ASSIGN_OR_RETURN(out.ca,
                   pki::CreateSelfSignedCa(root_spec, key.get(), clock));
  ASSIGN_OR_RETURN(SecretBytes key_pem, pki::EncodePrivateKeyPem(key.get()));
  api::SecretObject s;
  s.metadata.name = ss.secret_name;
  s.metadata.namespace_ = ca_namespace;
  s.metadata.labels[api::kManagedByLabel] = api::kManagedByValue;
  s.metadata.annotations[kIssuerAnnotation] =
      std::string(api::IssuerKindName(issuer.kind)) + "/" +
      issuer.metadata.name;
  if (!issuer.metadata.uid.empty())
    s.metadata.annotations[kIssuerUidAnnotation] = issuer.metadata.uid;
  s.type = "kubernetes.io/tls";
  std::string cert_pem = pki::EncodeCertificatePem(out.ca.cert.get());
  s.data[api::kTlsCrtKey] = cert_pem;
  s.data[api::kTlsKeyKey] = key_pem.reveal();
  s.data[api::kCaCrtKey] = cert_pem;
  out.created_secret = std::move(s);
  return out;
}

}  // namespace certstore::engine
