// Fuzzes ParseCertificateDer (JKS entries, `inspect` of .der/.crt files) and
// the description the CLI prints of what it accepts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "operator/pki/certificate.h"
#include "operator/pki/store.h"

namespace pki = certstore::pki;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string der(reinterpret_cast<const char*>(data), size);
  auto cert = pki::ParseCertificateDer(der);
  if (!cert.ok()) return 0;
  (void)pki::DescribeCertificate(cert->get());
  (void)pki::TrustedCertAlias(cert->get());
  (void)pki::IsSelfSigned(cert->get());
  (void)pki::EncodeCertificatePem(cert->get());
  return 0;
}
