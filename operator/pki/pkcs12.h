// PKCS#12 keystores and truststores that Java's keytool and JSSE read.
#ifndef CERTSTORE_PKI_PKCS12_H_
#define CERTSTORE_PKI_PKCS12_H_

#include <string>
#include <vector>

#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"
#include "operator/pki/store.h"

namespace certstore::pki {

// Encryption profiles.
//   kModern2023: keys and certificates encrypted with AES-256-CBC under
//     PBES2/PBKDF2-HMAC-SHA256, 10,000 iterations; MAC HMAC-SHA-256,
//     10,000 iterations. What JDK 16+ writes. Needs Java 12+, 11.0.12+ or
//     8u301+.
//   kLegacyDES: pbeWithSHA1And3-KeyTripleDES-CBC for keys and certificates,
//     2,048 iterations; MAC HMAC-SHA-1, 2,048 iterations. For older Java 8.
enum class Pkcs12Profile { kModern2023, kLegacyDES };
const char* Pkcs12ProfileName(Pkcs12Profile p);
constexpr int kModern2023Iterations = 10000;
constexpr int kLegacyDesIterations = 2048;

// A keystore with one PrivateKeyEntry: `key` with `chain` (leaf first, then
// issuers), the key bag and the leaf bag carrying friendlyName `alias` and a
// shared localKeyId. REQUIRES: chain non-empty, key matches chain[0]
// (InvalidArgument otherwise). The password may be empty.
StatusOr<std::string> EncodePkcs12Keystore(EVP_PKEY* key,
                                           const std::vector<X509*>& chain,
                                           const std::string& alias,
                                           const SecretBytes& password,
                                           Pkcs12Profile profile);

// A truststore: only certificates, each a trustedCertEntry (it carries
// Oracle's trusted-key-usage attribute, OID 2.16.840.1.113894.746875.1.1 =
// anyExtendedKeyUsage) under friendlyName TrustedCertAlias(cert). No private
// key. Duplicates (same fingerprint) are written once. InvalidArgument when
// `certs` is empty.
StatusOr<std::string> EncodePkcs12Truststore(const std::vector<X509*>& certs,
                                             const SecretBytes& password,
                                             Pkcs12Profile profile);

// The most key-derivation iterations ParsePkcs12 performs for one MAC, safe
// or key bag. Reading a store costs time linear in its iteration counts
// (about 1 ms per 1,000 here), and the counts come from the file: a tenant's
// 2^31-1 would pin a thread for minutes. Every real store is far below:
// Java writes 10,000, OpenSSL 2,048.
constexpr int64_t kMaxPkcs12Iterations = 1000000;
// The most for one file, all derivations together (MAC, safes, key bags):
// a tenant who knows the password could otherwise ask for thousands of
// derivations at the cap each. Three at the cap: about 3 s at worst.
constexpr int64_t kMaxPkcs12FileIterations = 3 * kMaxPkcs12Iterations;

// Reads a PKCS#12 file: checks the MAC with `password` (PermissionDenied
// "wrong password or corrupted store" when it fails), decrypts every bag and
// returns its entries in file order, with types as Java would list them.
// InvalidArgument for bytes that are not PKCS#12, and, before deriving any
// key, for a MAC, safe or key bag whose iteration count exceeds
// kMaxPkcs12Iterations or cannot be read, or that would take the file past
// kMaxPkcs12FileIterations (the message names which).
struct Pkcs12Limits {
  int64_t per_derivation = kMaxPkcs12Iterations;
  int64_t per_file = kMaxPkcs12FileIterations;
};
StatusOr<StoreContents> ParsePkcs12(
    const std::string& bytes, const SecretBytes& password,
    const Pkcs12Limits& limits = Pkcs12Limits());

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_PKCS12_H_
