// Store passwords generated for users.
#ifndef CERTSTORE_PKI_PASSWORD_H_
#define CERTSTORE_PKI_PASSWORD_H_

#include "operator/common/secret.h"
#include "operator/common/status.h"

namespace certstore::pki {

constexpr size_t kGeneratedPasswordLength = 32;

// A random password of `length` characters from [A-Za-z0-9] drawn from the
// OpenSSL CSPRNG without modulo bias (32 characters: ~190 bits). Letters and
// digits only, so it survives shells, YAML, and Java property files.
StatusOr<SecretBytes> GeneratePassword(
    size_t length = kGeneratedPasswordLength);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_PASSWORD_H_
