// An object's metadata.resourceVersion as a cache holds it. Opaque to
// clients by contract; the API server's are decimal etcd revisions, which
// this keeps as a number in place (16 bytes where a std::string is 32), and
// any other text as given. It reads back exactly as it was set.
#ifndef CERTSTORE_KUBE_RESOURCE_VERSION_H_
#define CERTSTORE_KUBE_RESOURCE_VERSION_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "operator/common/lean_string.h"

namespace certstore::kube {

class ResourceVersion {
 public:
  ResourceVersion() = default;
  // Implicit, as the string it stands for.
  ResourceVersion(std::string_view text);   // NOLINT(runtime/explicit)
  ResourceVersion(const std::string& text)  // NOLINT(runtime/explicit)
      : ResourceVersion(std::string_view(text)) {}
  ResourceVersion(const char* text)  // NOLINT(runtime/explicit)
      : ResourceVersion(std::string_view(text)) {}

  // The text it was set to. Explicit, as Uid's (kube/uid.h).
  std::string str() const;
  bool empty() const { return number_ == 0 && text_.empty(); }

  friend bool operator==(const ResourceVersion& a, const ResourceVersion& b) {
    // A text never equals a number: only the canonical decimal packs.
    return a.number_ == b.number_ && a.text_.str() == b.text_.str();
  }
  friend bool operator==(const ResourceVersion& a, const std::string& b) {
    return a == ResourceVersion(b);
  }
  friend bool operator==(const ResourceVersion& a, const char* b) {
    return a == ResourceVersion(b);
  }
  friend bool operator!=(const ResourceVersion& a, const ResourceVersion& b) {
    return !(a == b);
  }
  friend bool operator!=(const ResourceVersion& a, const std::string& b) {
    return !(a == b);
  }
  friend bool operator!=(const ResourceVersion& a, const char* b) {
    return !(a == b);
  }

 private:
  // The decimal's value plus one (0: not a number, see text_). Canonical
  // decimals only: no sign, no leading zero (but "0"), below 2^64 - 1.
  uint64_t number_ = 0;
  LeanString text_;  // empty when number_ is set
};

inline std::ostream& operator<<(std::ostream& os, const ResourceVersion& v) {
  return os << v.str();
}

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_RESOURCE_VERSION_H_
