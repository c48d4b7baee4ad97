// Human-readable names for password-based encryption and MAC algorithms, for
// `inspect` and for tests that check which profile a store was written with.
#ifndef CERTSTORE_PKI_PBE_DESCRIPTION_H_
#define CERTSTORE_PKI_PBE_DESCRIPTION_H_

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>

namespace certstore::pki {

// "AES-256-CBC, PBKDF2-HMAC-SHA256, 10000 iterations" for PBES2, or
// "pbeWithSHA1And3-KeyTripleDES-CBC, 2048 iterations" for PKCS#12 PBE.
std::string DescribePbe(const X509_ALGOR* alg);

// The key-derivation iteration count of a PBES2/PBKDF2 or PKCS#12 PBE
// algorithm, read from its parameters without deriving anything. nullopt
// when the parameters are unreadable, the count does not fit, or the key
// derivation is not PBKDF2 (e.g. scrypt, whose cost has other knobs).
std::optional<int64_t> PbeIterations(const X509_ALGOR* alg);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_PBE_DESCRIPTION_H_
