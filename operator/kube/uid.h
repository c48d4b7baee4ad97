// An object's metadata.uid as a cache holds it. The API server makes UUIDs
// ("8-4-4-4-12" lowercase hex, 36 characters: a heap block of 48 bytes
// behind a 32-byte std::string); this keeps such a UUID as its 16 bytes in
// place, and any other text (a test's "u1", a foreign server's form) as
// given, in 24 bytes. It reads back exactly as it was set.
#ifndef CERTSTORE_KUBE_UID_H_
#define CERTSTORE_KUBE_UID_H_

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "operator/common/lean_string.h"

namespace certstore::kube {

class Uid {
 public:
  Uid() = default;
  // Implicit, as the string it stands for.
  Uid(std::string_view text);  // NOLINT(runtime/explicit)
  Uid(const std::string& text) : Uid(std::string_view(text)) {}  // NOLINT
  Uid(const char* text) : Uid(std::string_view(text)) {}         // NOLINT

  // The text it was set to. Explicit (no conversion to std::string): a
  // converted temporary bound to a reference would not outlive the
  // expression.
  std::string str() const;
  bool empty() const { return !packed() && text_.empty(); }

  friend bool operator==(const Uid& a, const Uid& b) {
    // A text never equals a UUID's bytes: only the canonical form packs.
    return a.bytes_ == b.bytes_ && a.text_.str() == b.text_.str();
  }
  friend bool operator==(const Uid& a, const std::string& b) {
    return a == Uid(b);
  }
  friend bool operator==(const Uid& a, const char* b) { return a == Uid(b); }
  friend bool operator!=(const Uid& a, const Uid& b) { return !(a == b); }
  friend bool operator!=(const Uid& a, const std::string& b) {
    return !(a == b);
  }
  friend bool operator!=(const Uid& a, const char* b) { return !(a == b); }

 private:
  // Packed: a UUID's bytes (never all zero: the nil UUID is kept as text).
  bool packed() const { return bytes_ != std::array<uint8_t, 16>{}; }
  std::array<uint8_t, 16> bytes_{};  // all zero when not packed
  LeanString text_;                  // empty when packed
};

inline std::ostream& operator<<(std::ostream& os, const Uid& u) {
  return os << u.str();
}

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_UID_H_
