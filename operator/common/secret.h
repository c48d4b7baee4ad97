// SecretBytes: bytes that are secret (private keys, passwords).
//
// The buffer is wiped when the object is destroyed or reassigned, it cannot be
// streamed or formatted (operator<< prints "[redacted]"), and it is move-only
// so that copies do not linger. Use `reveal()` only to hand the bytes to the
// code that needs them (an encoder, a file write).
#ifndef CERTSTORE_COMMON_SECRET_H_
#define CERTSTORE_COMMON_SECRET_H_

#include <ostream>
#include <string>

namespace certstore {

// Overwrites `n` bytes at `p` with zeros in a way the optimiser keeps.
void SecureWipe(void* p, size_t n);

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string bytes) : bytes_(std::move(bytes)) {}
  ~SecretBytes() { Wipe(); }
  SecretBytes(SecretBytes&& o) noexcept : bytes_(std::move(o.bytes_)) {
    o.Wipe();
  }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      Wipe();
      bytes_ = std::move(o.bytes_);
      o.Wipe();
    }
    return *this;
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit deep copy, for the rare place that must keep two.
  SecretBytes Clone() const { return SecretBytes(bytes_); }

  const std::string& reveal() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  size_t size() const { return bytes_.size(); }
  bool operator==(const SecretBytes& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const SecretBytes& o) const { return !(*this == o); }

 private:
  void Wipe() {
    SecureWipe(bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  std::string bytes_;
};

inline std::ostream& operator<<(std::ostream& os, const SecretBytes&) {
  return os << "[redacted]";
}

}  // namespace certstore

#endif  // CERTSTORE_COMMON_SECRET_H_
