#include "operator/pki/store.h"

#include <cctype>

#include "operator/pki/certificate.h"

namespace certstore::pki {

const char* EntryTypeName(EntryType t) {
  switch (t) {
    case EntryType::kPrivateKey:
      return "PrivateKeyEntry";
    case EntryType::kTrustedCert:
      return "trustedCertEntry";
    case EntryType::kCertOnly:
      return "certificate (not trusted by Java)";
  }
  return "unknown";
}

std::string TrustedCertAlias(X509* cert) {
  std::string cn = CommonName(cert);
  std::string base;
  for (char c : cn) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      base += static_cast<char>(std::tolower(u));
    else if (c == '.' || c == '-')
      base += c;
    else if (!base.empty() && base.back() != '-')
      base += '-';
  }
  while (!base.empty() && base.back() == '-') base.pop_back();
  if (base.size() > 48) base.resize(48);
  if (base.empty()) base = "ca";
  return base + "-" + FingerprintSha256Hex(cert).substr(0, 8);
}

}  // namespace certstore::pki
