// Standard base64 (RFC 4648, with padding), as used by Secret `data`.
#ifndef CERTSTORE_COMMON_BASE64_H_
#define CERTSTORE_COMMON_BASE64_H_

#include <string>

#include "operator/common/status.h"

namespace certstore {

std::string Base64Encode(const std::string& bytes);

// Decodes base64, ignoring ASCII whitespace (line breaks in PEM bodies and
// YAML block scalars). InvalidArgument on any other non-alphabet character
// or bad padding; the message never echoes the input (it may be a secret).
StatusOr<std::string> Base64Decode(const std::string& text);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_BASE64_H_
