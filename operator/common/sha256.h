// SHA-256 as lower-case hex, for content hashes in annotations.
#ifndef CERTSTORE_COMMON_SHA256_H_
#define CERTSTORE_COMMON_SHA256_H_

#include <string>

namespace certstore {

// 64 lower-case hex digits. Thread-safe.
std::string Sha256Hex(const std::string& data);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_SHA256_H_
