#include "operator/common/duration.h"

#include <cctype>
#include <cmath>

namespace certstore {
namespace {

// Seconds per unit; sub-second units contribute fractions.
bool UnitSeconds(const std::string& unit, double* out) {
  if (unit == "h")
    *out = 3600;
  else if (unit == "m")
    *out = 60;
  else if (unit == "s")
    *out = 1;
  else if (unit == "ms")
    *out = 1e-3;
  else if (unit == "us" || unit == "\xC2\xB5s")
    *out = 1e-6;
  else if (unit == "ns")
    *out = 1e-9;
  else
    return false;
  return true;
}

}  // namespace

StatusOr<std::chrono::seconds> ParseGoDuration(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("invalid duration \"" + text + "\": " + why +
                                " (examples: 2160h, 90m, 1h30m)");
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return std::chrono::seconds(0);
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (
        i < text.size() &&
        (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (start == i)
      return bad("expected a number at position " + std::to_string(start));
    std::string num = text.substr(start, i - start);
    if (num.find('.') != num.rfind('.') || num == ".") return bad("bad number");
    size_t ustart = i;
    while (i < text.size() &&
           !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.')
      ++i;
    std::string unit = text.substr(ustart, i - ustart);
    if (unit.empty()) return bad("missing unit after " + num);
    double per = 0;
    if (!UnitSeconds(unit, &per)) return bad("unknown unit \"" + unit + "\"");
    total += std::stod(num) * per;
    if (total > 1e15) return bad("too large");
  }
  return std::chrono::seconds(static_cast<int64_t>(std::floor(total)));
}

std::string FormatGoDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(sec) + "s";
  return out;
}

}  // namespace certstore
