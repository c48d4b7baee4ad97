// The contents of a keystore or truststore, format-independent: what the
// encoders take and what the parsers return.
#ifndef CERTSTORE_PKI_STORE_H_
#define CERTSTORE_PKI_STORE_H_

#include <string>
#include <vector>

#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

enum class EntryType {
  kPrivateKey,   // Java PrivateKeyEntry: key + chain
  kTrustedCert,  // Java trustedCertEntry: a trust anchor
  kCertOnly,     // a PKCS12 certificate without the Java trust attribute
                 // (Java does not list it; see DESIGN.md)
};
const char* EntryTypeName(EntryType t);

struct StoreEntry {
  std::string alias;
  EntryType type = EntryType::kTrustedCert;
  EvpPkeyPtr key;              // set for kPrivateKey
  std::vector<X509Ptr> chain;  // leaf first for kPrivateKey; one cert otherwise
};

struct StoreContents {
  std::string format;      // "PKCS12" or "JKS"
  std::string protection;  // e.g. "AES-256-CBC, PBKDF2-HMAC-SHA256, 10000
                           // iterations, MAC SHA-256" (for inspect)
  std::vector<StoreEntry> entries;
};

// A stable alias for a trusted certificate: its lower-cased common name
// (letters, digits, '.', '-' kept; others become '-'), or "ca" when it has
// none, then '-' and the first 8 hex digits of its SHA-256 fingerprint. The
// same certificate always gets the same alias; distinct certificates get
// distinct aliases in practice.
std::string TrustedCertAlias(X509* cert);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_STORE_H_
