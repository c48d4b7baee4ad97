#include "operator/cli/printable.h"

#include <cstdio>

namespace certstore::cli {
namespace {

void Escape(unsigned char b, std::string* out) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  *out += buf;
}

// The length of the valid UTF-8 sequence at s[i] (1-4), or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = at(i);
  size_t n = b >= 0xF0 && b <= 0xF4   ? 4
             : b >= 0xE0              ? 3
             : b >= 0xC2 && b <= 0xDF ? 2
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((at(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && b == 0xE0 && at(i + 1) < 0xA0) return 0;   // overlong
  if (n == 3 && b == 0xED && at(i + 1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && b == 0xF0 && at(i + 1) < 0x90) return 0;   // overlong
  if (n == 4 && b == 0xF4 && at(i + 1) >= 0x90) return 0;  // > U+10FFFF
  return n;
}

}  // namespace

std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7F) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    size_t n = b >= 0x80 ? Utf8Length(s, i) : 0;
    // C1 controls are U+0080-U+009F: C2 80 .. C2 9F.
    bool c1 =
        n == 2 && b == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
    if (n == 0 || c1) {
      for (size_t k = 0; k < (c1 ? 2 : 1); ++k)
        Escape(static_cast<unsigned char>(s[i + k]), &out);
      i += c1 ? 2 : 1;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace certstore::cli
