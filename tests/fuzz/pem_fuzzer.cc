// Fuzzes the PEM readers behind trust sources, CA Secrets and `inspect`:
// ParseCertificatesPem and ParsePrivateKeyPem, then what the operator and
// the CLI do with what they return (description, fingerprints, aliases,
// key/certificate matching).
#include <cstddef>
#include <cstdint>
#include <string>

#include "operator/common/secret.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/store.h"

namespace pki = certstore::pki;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto certs = pki::ParseCertificatesPem(text);
  auto key = pki::ParsePrivateKeyPem(certstore::SecretBytes(text));
  if (key.ok()) {
    (void)pki::KeyDescription(key->get());
    (void)pki::RsaExponentIsF4(key->get());
  }
  if (!certs.ok()) return 0;
  for (const auto& cert : *certs) {
    (void)pki::DescribeCertificate(cert.get());
    (void)pki::TrustedCertAlias(cert.get());
    (void)pki::IsSelfSigned(cert.get());
    (void)pki::NotAfter(cert.get());
    if (key.ok()) (void)pki::KeyMatchesCertificate(key->get(), cert.get());
  }
  return 0;
}
