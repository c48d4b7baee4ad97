#include "operator/kube/resource_version.h"

#include <limits>

namespace certstore::kube {

ResourceVersion::ResourceVersion(std::string_view text) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const bool canonical = !text.empty() && text.size() <= 20 &&
                         (text[0] != '0' || text.size() == 1);
  uint64_t v = 0;
  bool ok = canonical;
  for (size_t i = 0; ok && i < text.size(); ++i) {
    const char c = text[i];
    ok = c >= '0' && c <= '9';
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    // v * 10 + digit + 1 must stay within uint64_t.
    ok = ok && v <= (kMax - 1 - digit) / 10;
    if (ok) v = v * 10 + digit;
  }
  if (ok) {
    number_ = v + 1;
    return;
  }
  text_ = std::string(text);
}

std::string ResourceVersion::str() const {
  return number_ != 0 ? std::to_string(number_ - 1) : text_.str();
}

}  // namespace certstore::kube
