#include "operator/common/secret.h"

#include <openssl/crypto.h>

namespace certstore {

void SecureWipe(void* p, size_t n) {
  // OpenSSL's own: the stores cannot be optimised away.
  if (n > 0) OPENSSL_cleanse(p, n);
}

}  // namespace certstore
