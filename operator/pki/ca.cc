#include "operator/pki/ca.h"

#include "operator/common/time_format.h"
#include "operator/pki/cert_builder.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {

X509* CaMaterial::Root() const {
  if (chain.empty()) return cert.get();
  return chain.back().get();
}

std::vector<X509*> CaMaterial::Intermediates() const {
  std::vector<X509*> out;
  // LoadCa verified that each member signs the one before it.
  if (!IsSelfIssued(cert.get())) out.push_back(cert.get());
  for (const auto& c : chain)
    if (!IsSelfIssued(c.get())) out.push_back(c.get());
  return out;
}

Status CheckCaValidAt(X509* c, TimePoint now) {
  std::string who = "CA certificate \"" + SubjectText(c) + "\"";
  if (now < NotBefore(c))
    return FailedPreconditionError(who + " is not valid until " +
                                   FormatRfc3339(NotBefore(c)));
  if (now > NotAfter(c))
    return FailedPreconditionError(who + " expired at " +
                                   FormatRfc3339(NotAfter(c)));
  return OkStatus();
}

CaMaterial ShareCa(const CaMaterial& ca) {
  CaMaterial out;
  out.cert = ShareCert(ca.cert.get());
  out.chain = ShareCerts(ca.chain);
  out.key = ShareKey(ca.key.get());
  return out;
}

StatusOr<CaMaterial> LoadCa(const std::string& cert_pem,
                            const SecretBytes& key_pem, const Clock& clock) {
  auto certs = ParseCertificatesPem(cert_pem);
  if (!certs.ok()) return certs.status().WithContext("CA certificate");
  auto key = ParsePrivateKeyPem(key_pem);
  if (!key.ok()) return key.status().WithContext("CA private key");

  CaMaterial ca;
  ca.cert = std::move(certs->front());
  for (size_t i = 1; i < certs->size(); ++i)
    ca.chain.push_back(std::move((*certs)[i]));
  ca.key = std::move(key).value();

  X509* c = ca.cert.get();
  std::string who = "CA certificate \"" + SubjectText(c) + "\"";
  if (!(X509_get_extension_flags(c) & EXFLAG_CA) || X509_check_ca(c) < 1) {
    ClearOpenSslErrors();
    return InvalidArgumentError(
        who + " is not a CA: basicConstraints CA:TRUE is missing");
  }
  if ((X509_get_extension_flags(c) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(c) & KU_KEY_CERT_SIGN))
    return InvalidArgumentError(who +
                                " is not a CA: its keyUsage lacks keyCertSign");
  if (!KeyMatchesCertificate(ca.key.get(), c))
    return InvalidArgumentError("CA private key does not match " + who);
  RETURN_IF_ERROR(CheckCaValidAt(c, clock.Now()));
  X509* child = c;
  for (const auto& parent : ca.chain) {
    if (X509_check_issued(parent.get(), child) != X509_V_OK ||
        X509_verify(child, X509_get0_pubkey(parent.get())) != 1) {
      ClearOpenSslErrors();
      return InvalidArgumentError("CA chain is out of order: \"" +
                                  SubjectText(parent.get()) +
                                  "\" did not issue \"" + SubjectText(child) +
                                  "\" (list the CA first, then its issuers)");
    }
    child = parent.get();
  }
  return ca;
}

StatusOr<CaMaterial> CreateSelfSignedCa(const RootSpec& spec, EVP_PKEY* key,
                                        const Clock& clock) {
  if (spec.subject.common_name.empty())
    return InvalidArgumentError("a root CA needs a commonName");
  if (spec.duration.count() <= 0)
    return InvalidArgumentError("CA duration must be positive");
  ASSIGN_OR_RETURN(X509NamePtr name, internal::BuildName(spec.subject));
  X509Ptr cert(X509_new());
  TimePoint now = clock.Now();
  RETURN_IF_ERROR(internal::SetBasics(cert.get(), name.get(), name.get(), key,
                                      now - kClockSkewAllowance,
                                      now + spec.duration));
  RETURN_IF_ERROR(internal::AddBasicConstraints(cert.get(), true));
  RETURN_IF_ERROR(internal::AddKeyUsage(
      cert.get(), KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE));
  RETURN_IF_ERROR(internal::AddKeyIdentifiers(cert.get(), cert.get()));
  RETURN_IF_ERROR(internal::Sign(cert.get(), key));
  CaMaterial ca;
  ca.cert = std::move(cert);
  ca.key = ShareKey(key);
  return ca;
}

}  // namespace certstore::pki
