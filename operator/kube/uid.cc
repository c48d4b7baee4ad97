#include "operator/kube/uid.h"

namespace certstore::kube {
namespace {

constexpr size_t kUuidSize = 36;
constexpr char kHex[] = "0123456789abcdef";

bool IsDash(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

// 0-15 for a lowercase hex digit, -1 otherwise (an uppercase digit is kept
// as text: it must read back as given).
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

Uid::Uid(std::string_view text) {
  if (text.size() == kUuidSize) {
    std::array<uint8_t, 16> bytes{};
    size_t nibble = 0;
    bool ok = true;
    for (size_t i = 0; i < kUuidSize && ok; ++i) {
      if (IsDash(i)) {
        ok = text[i] == '-';
        continue;
      }
      const int v = HexValue(text[i]);
      ok = v >= 0;
      if (ok)
        bytes[nibble / 2] |= static_cast<uint8_t>(nibble % 2 ? v : v << 4);
      ++nibble;
    }
    if (ok && bytes != std::array<uint8_t, 16>{}) {
      bytes_ = bytes;
      return;
    }
  }
  text_ = std::string(text);
}

std::string Uid::str() const {
  if (!packed()) return text_.str();
  std::string out;
  out.reserve(kUuidSize);
  size_t nibble = 0;
  for (size_t i = 0; i < kUuidSize; ++i) {
    if (IsDash(i)) {
      out.push_back('-');
      continue;
    }
    const uint8_t b = bytes_[nibble / 2];
    out.push_back(kHex[nibble % 2 ? b & 0xf : b >> 4]);
    ++nibble;
  }
  return out;
}

}  // namespace certstore::kube
