#include "operator/common/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>

namespace certstore {

namespace {

std::string Hex(const unsigned char* md, size_t n) {
  std::string out;
  char buf[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    out += buf;
  }
  return out;
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return Hex(md, n);
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(),
                key.size(), reinterpret_cast<const unsigned char*>(data.data()),
                data.size(), md, sizeof(md), &n) == nullptr)
    return "";  // callers must treat anything but 64 digits as a failure
  return Hex(md, n);
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace certstore
