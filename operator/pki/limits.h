// Limits on what the operator parses from bytes a tenant controls (trust
// sources, CA Secrets, stores read back). Generous for every real input,
// small enough that no single object can make parsing or re-encoding cost
// more than milliseconds. A refused input is an InvalidArgument naming the
// limit; callers add where it came from (object and key).
//
// Not listed: DER nesting, which OpenSSL's ASN.1 decoder itself bounds
// (ASN1_MAX_CONSTRUCTED_NEST, 30 levels), and PKCS#12 iteration counts
// (kMaxPkcs12Iterations in pkcs12.h).
#ifndef CERTSTORE_PKI_LIMITS_H_
#define CERTSTORE_PKI_LIMITS_H_

#include <cstddef>

namespace certstore::pki {

// One PEM input (a Secret or ConfigMap key, an inline source, a file).
// The API server caps a whole object near 1 MiB; so does this, per key.
inline constexpr size_t kMaxPemBytes = 1024 * 1024;
// Certificates in one PEM bundle, and in one truststore after merging its
// sources (a public root bundle holds ~150).
inline constexpr size_t kMaxBundleCertificates = 1000;
// Entries in a JKS store read back, and certificates in one key entry's
// chain.
inline constexpr size_t kMaxStoreEntries = 1000;
inline constexpr size_t kMaxChainLength = 16;
// A store password (Java's are short; ours are 32 characters). Store
// integrity and key protection cost time proportional to it.
inline constexpr size_t kMaxPasswordBytes = 1024;
// One protected private key inside a JKS entry (an RSA-8192 key is ~5 KB):
// JKS key recovery costs password length x key length.
inline constexpr size_t kMaxJksKeyBytes = 64 * 1024;

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_LIMITS_H_
