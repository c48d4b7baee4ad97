// Private keys: generation, PEM encoding and parsing, description.
#ifndef CERTSTORE_PKI_KEY_H_
#define CERTSTORE_PKI_KEY_H_

#include <string>

#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

enum class KeyAlgorithm { kRsa, kEcdsa, kEd25519 };

struct KeySpec {
  KeyAlgorithm algorithm = KeyAlgorithm::kEcdsa;
  // RSA: 2048, 3072 or 4096 bits. ECDSA: 256 (P-256) or 384 (P-384).
  // Ed25519: ignored (0).
  int size = 256;
  bool operator==(const KeySpec& o) const {
    return algorithm == o.algorithm &&
           (algorithm == KeyAlgorithm::kEd25519 || size == o.size);
  }
};

// "RSA", "ECDSA", "Ed25519".
const char* KeyAlgorithmName(KeyAlgorithm a);

// Checks that `spec` names a supported algorithm and size. InvalidArgument
// naming the unsupported combination otherwise.
Status ValidateKeySpec(const KeySpec& spec);

// Generates a fresh key. InvalidArgument for an unsupported spec, Internal if
// OpenSSL fails. Thread-safe.
StatusOr<EvpPkeyPtr> GenerateKey(const KeySpec& spec);

// The spec that describes an existing key (for "does the stored key still
// match the requested one?"). InvalidArgument for key types we do not issue.
// REQUIRES: key != nullptr (here and in RsaExponentIsF4, KeyDescription;
// X509_get0_pubkey returns null for a key OpenSSL cannot decode).
StatusOr<KeySpec> DescribeKey(EVP_PKEY* key);

// For an RSA key: true when its public exponent is 65537, the only one we
// generate or certify (a planted key with e=3 is not). True for other types.
bool RsaExponentIsF4(EVP_PKEY* key);

// "ECDSA P-256", "RSA 2048", "Ed25519".
std::string KeyDescription(EVP_PKEY* key);

// Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), as `tls.key`.
StatusOr<SecretBytes> EncodePrivateKeyPem(EVP_PKEY* key);

// Unencrypted PKCS#8 DER.
StatusOr<SecretBytes> EncodePrivateKeyDer(EVP_PKEY* key);

// Parses one unencrypted private key in PEM: PKCS#8 ("PRIVATE KEY"),
// PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). InvalidArgument
// ("no private key found in PEM", "encrypted private keys are not
// supported", ...) on anything else. The message never contains key bytes.
StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(const SecretBytes& pem);

// True when `a` and `b` hold the same public key (either may be private).
bool SameKey(EVP_PKEY* a, EVP_PKEY* b);

// True when `key` is the private half of the public key in `cert`.
bool KeyMatchesCertificate(EVP_PKEY* key, X509* cert);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_KEY_H_
