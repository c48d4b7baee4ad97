#include "operator/pki/password.h"

#include <openssl/rand.h>

#include "operator/pki/openssl_error.h"

namespace certstore::pki {

StatusOr<SecretBytes> GeneratePassword(size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  constexpr unsigned kSize = sizeof(kAlphabet) - 1;  // 62
  constexpr unsigned kLimit = 256 - (256 % kSize);   // reject >= 248
  std::string out;
  out.reserve(length);
  unsigned char buf[64];
  while (out.size() < length) {
    if (RAND_bytes(buf, sizeof(buf)) != 1)
      return OpenSslError("random password");
    for (unsigned char b : buf) {
      if (b >= kLimit) continue;
      out += kAlphabet[b % kSize];
      if (out.size() == length) break;
    }
  }
  SecureWipe(buf, sizeof(buf));
  return SecretBytes(std::move(out));
}

}  // namespace certstore::pki
