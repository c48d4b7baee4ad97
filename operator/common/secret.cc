#include "operator/common/secret.h"

namespace certstore {

void SecureWipe(void* p, size_t n) {
  // A volatile pointer stops the compiler from dropping stores to memory that
  // is about to be freed.
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  while (n--) *v++ = 0;
}

}  // namespace certstore
