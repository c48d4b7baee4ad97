// Sun JKS keystores and truststores (the format keytool wrote before Java 9),
// for runtimes and tools that still ask for `.jks` files.
//
// Format: magic 0xFEEDFEED, version 2, entry count, entries (tag 1 = private
// key protected with Sun's KeyProtector, OID 1.3.6.1.4.1.42.2.17.1.1; tag 2 =
// trusted certificate), then SHA-1(UTF-16BE password || "Mighty Aphrodite" ||
// everything before). The key protection is weak by modern standards (a
// SHA-1 keystream); prefer PKCS12 where the runtime allows it.
#ifndef CERTSTORE_PKI_JKS_H_
#define CERTSTORE_PKI_JKS_H_

#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"
#include "operator/pki/store.h"

namespace certstore::pki {

// A JKS with one PrivateKeyEntry under `alias` (lower-case; Java lower-cases
// JKS aliases) protected with `password`, holding `chain` (leaf first).
// `created` is the entry's creation date. InvalidArgument for an empty
// chain, a key that does not match chain[0], an alias with upper-case
// letters, or an empty password (keytool cannot open those).
StatusOr<std::string> EncodeJksKeystore(EVP_PKEY* key,
                                        const std::vector<X509*>& chain,
                                        const std::string& alias,
                                        const SecretBytes& password,
                                        TimePoint created);

// A JKS holding one trustedCertEntry per distinct certificate under
// TrustedCertAlias(cert).
StatusOr<std::string> EncodeJksTruststore(const std::vector<X509*>& certs,
                                          const SecretBytes& password,
                                          TimePoint created);

// Reads a JKS file, checking its integrity digest and decrypting keys with
// `password`. PermissionDenied for a wrong password; InvalidArgument for a
// malformed or truncated file, or JCEKS.
StatusOr<StoreContents> ParseJks(const std::string& bytes,
                                 const SecretBytes& password);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_JKS_H_
