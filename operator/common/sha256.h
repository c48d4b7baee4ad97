// SHA-256 as lower-case hex, for content hashes in annotations.
#ifndef CERTSTORE_COMMON_SHA256_H_
#define CERTSTORE_COMMON_SHA256_H_

#include <array>
#include <string>
#include <string_view>

struct evp_md_st;  // OpenSSL's EVP_MD

namespace certstore {

// SHA-256 fetched from the default provider once. OpenSSL 3 resolves the
// implicit EVP_sha256() again, under its store's lock, on every use; with
// thousands of digests per second (start-up checks) that lock showed in
// profiles. Thread-safe; never null.
const evp_md_st* Sha256Md();

// 64 lower-case hex digits. Thread-safe.
std::string Sha256Hex(const std::string& data);

// HMAC-SHA-256 of `data` under `key`, as 64 lower-case hex digits; "" when
// OpenSSL fails (callers must fail closed). Thread-safe.
std::string HmacSha256Hex(const std::string& key, const std::string& data);

// Compares two strings in time that depends only on their lengths (for
// MACs: an early exit would tell an attacker how many leading bytes match).
bool ConstantTimeEquals(const std::string& a, const std::string& b);

// A SHA-256 held as its 32 bytes, for what is kept per object by the
// thousand: the 64-digit hex string costs a heap block besides the string.
class Sha256Bytes {
 public:
  Sha256Bytes() = default;  // empty
  // From 64 hex digits (Sha256Hex's form, either case); empty for anything
  // else, including "" (a failed digest).
  static Sha256Bytes FromHex(std::string_view hex);
  bool empty() const { return !set_; }
  // 64 lower-case hex digits; "" when empty.
  std::string Hex() const;
  // Equal digests, or both empty.
  bool operator==(const Sha256Bytes& o) const {
    return set_ == o.set_ && bytes_ == o.bytes_;
  }
  bool operator!=(const Sha256Bytes& o) const { return !(*this == o); }

 private:
  std::array<unsigned char, 32> bytes_{};
  bool set_ = false;
};

}  // namespace certstore

#endif  // CERTSTORE_COMMON_SHA256_H_
