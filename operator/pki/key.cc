#include "operator/pki/key.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "operator/pki/limits.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {

const char* KeyAlgorithmName(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::kRsa:
      return "RSA";
    case KeyAlgorithm::kEcdsa:
      return "ECDSA";
    case KeyAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

Status ValidateKeySpec(const KeySpec& spec) {
  switch (spec.algorithm) {
    case KeyAlgorithm::kRsa:
      if (spec.size == 2048 || spec.size == 3072 || spec.size == 4096)
        return OkStatus();
      return InvalidArgumentError("RSA key size " + std::to_string(spec.size) +
                                  " is not supported (use 2048, 3072 or 4096)");
    case KeyAlgorithm::kEcdsa:
      if (spec.size == 256 || spec.size == 384) return OkStatus();
      return InvalidArgumentError("ECDSA key size " +
                                  std::to_string(spec.size) +
                                  " is not supported (use 256 or 384)");
    case KeyAlgorithm::kEd25519:
      if (spec.size == 0) return OkStatus();
      return InvalidArgumentError("Ed25519 keys have no size (omit size)");
  }
  return InvalidArgumentError("unknown key algorithm");
}

StatusOr<EvpPkeyPtr> GenerateKey(const KeySpec& spec) {
  RETURN_IF_ERROR(ValidateKeySpec(spec));
  ClearOpenSslErrors();
  EVP_PKEY* raw = nullptr;
  switch (spec.algorithm) {
    case KeyAlgorithm::kRsa:
      raw = EVP_RSA_gen(static_cast<unsigned>(spec.size));
      break;
    case KeyAlgorithm::kEcdsa:
      raw = EVP_EC_gen(spec.size == 256 ? "P-256" : "P-384");
      break;
    case KeyAlgorithm::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return OpenSslError("key generation failed");
  return EvpPkeyPtr(raw);
}

StatusOr<KeySpec> DescribeKey(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return KeySpec{KeyAlgorithm::kRsa, EVP_PKEY_get_bits(key)};
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
                                          group, sizeof(group), &len))
        return InvalidArgumentError("EC key without a named curve");
      std::string g(group);
      if (g == "prime256v1" || g == "P-256")
        return KeySpec{KeyAlgorithm::kEcdsa, 256};
      if (g == "secp384r1" || g == "P-384")
        return KeySpec{KeyAlgorithm::kEcdsa, 384};
      return InvalidArgumentError("EC curve " + g +
                                  " is not supported (use P-256 or P-384)");
    }
    case EVP_PKEY_ED25519:
      return KeySpec{KeyAlgorithm::kEd25519, 0};
    default:
      return InvalidArgumentError(std::string("key type ") +
                                  OBJ_nid2sn(EVP_PKEY_get_base_id(key)) +
                                  " is not supported");
  }
}

bool RsaExponentIsF4(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return true;
  BIGNUM* e = nullptr;
  if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e)) {
    ClearOpenSslErrors();
    return false;
  }
  BignumPtr owned(e);
  return BN_is_word(owned.get(), 65537) == 1;
}

std::string KeyDescription(EVP_PKEY* key) {
  auto spec = DescribeKey(key);
  if (!spec.ok()) return OBJ_nid2sn(EVP_PKEY_get_base_id(key));
  switch (spec->algorithm) {
    case KeyAlgorithm::kRsa:
      return "RSA " + std::to_string(spec->size);
    case KeyAlgorithm::kEcdsa:
      return "ECDSA P-" + std::to_string(spec->size);
    case KeyAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

namespace {
SecretBytes DrainBio(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  // The memory BIO is freed by BIO_free_all; wipe it first.
  SecureWipe(data, static_cast<size_t>(len));
  return SecretBytes(std::move(out));
}
}  // namespace

StatusOr<SecretBytes> EncodePrivateKeyPem(EVP_PKEY* key) {
  ClearOpenSslErrors();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr,
                                             0, nullptr, nullptr))
    return OpenSslError("cannot encode private key as PKCS#8 PEM");
  return DrainBio(bio.get());
}

StatusOr<SecretBytes> EncodePrivateKeyDer(EVP_PKEY* key) {
  ClearOpenSslErrors();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0,
                                       nullptr, nullptr))
    return OpenSslError("cannot encode private key as PKCS#8 DER");
  return DrainBio(bio.get());
}

StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(const SecretBytes& pem) {
  const std::string& text = pem.reveal();
  if (text.size() > kMaxPemBytes)
    return InvalidArgumentError("private key PEM is " +
                                std::to_string(text.size()) +
                                " bytes, more than the limit of " +
                                std::to_string(kMaxPemBytes) + " (1 MiB)");
  if (text.find("ENCRYPTED PRIVATE KEY") != std::string::npos ||
      text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos)
    return InvalidArgumentError(
        "encrypted private keys are not supported; store the key unencrypted "
        "in the Secret");
  if (text.find("-----BEGIN") == std::string::npos ||
      text.find("PRIVATE KEY-----") == std::string::npos)
    return InvalidArgumentError(
        "no private key found in PEM (expected \"-----BEGIN PRIVATE "
        "KEY-----\", "
        "\"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")");
  ClearOpenSslErrors();
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  // A null password callback with an empty passphrase stops OpenSSL from
  // prompting on a terminal.
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  if (raw == nullptr)
    return OpenSslError("private key PEM is malformed",
                        StatusCode::kInvalidArgument);
  EvpPkeyPtr key(raw);
  auto spec = DescribeKey(key.get());
  if (!spec.ok()) return spec.status();
  return key;
}

bool SameKey(EVP_PKEY* a, EVP_PKEY* b) {
  bool match = EVP_PKEY_eq(a, b) == 1;
  ClearOpenSslErrors();
  return match;
}

bool KeyMatchesCertificate(EVP_PKEY* key, X509* cert) {
  EVP_PKEY* pub = X509_get0_pubkey(cert);
  if (pub == nullptr) return false;
  return SameKey(key, pub);
}

}  // namespace certstore::pki
