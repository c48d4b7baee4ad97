#include "operator/common/sha256.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

namespace certstore {

namespace {

// Exactly 2n characters in one allocation: digests are kept by the
// thousand (one per cached Secret).
std::string Hex(const unsigned char* md, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[md[i] >> 4];
    out[2 * i + 1] = kDigits[md[i] & 0xf];
  }
  return out;
}

}  // namespace

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();  // kept for the process
  }();
  return md;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md, &n, Sha256Md(), nullptr) != 1)
    return "";  // callers must treat anything but 64 digits as a failure
  return Hex(md, n);
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // kept
  if (mac == nullptr) return "";
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(
      EVP_MAC_CTX_new(mac), EVP_MAC_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (!ctx ||
      EVP_MAC_init(ctx.get(),
                   reinterpret_cast<const unsigned char*>(key.data()),
                   key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(),
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), md, &n, sizeof(md)) != 1)
    return "";  // callers must treat anything but 64 digits as a failure
  return Hex(md, n);
}

Sha256Bytes Sha256Bytes::FromHex(std::string_view hex) {
  Sha256Bytes out;
  if (hex.size() != 2 * out.bytes_.size()) return out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.bytes_.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Sha256Bytes();
    out.bytes_[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  out.set_ = true;
  return out;
}

std::string Sha256Bytes::Hex() const {
  return set_ ? certstore::Hex(bytes_.data(), bytes_.size()) : "";
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace certstore
