#include "operator/metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace certstore::metrics {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), 0 when it is not.
size_t Utf8Length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

void ExpositionWriter::AppendEscaped(std::string_view v, bool quote) {
  for (size_t i = 0; i < v.size();) {
    char c = v[i];
    if (c == '\\') {
      buf_ += "\\\\";
    } else if (c == '\n') {
      buf_ += "\\n";
    } else if (c == '"' && quote) {
      buf_ += "\\\"";
    } else if (static_cast<unsigned char>(c) < 0x80) {
      buf_ += c;
    } else if (size_t n = Utf8Length(v, i); n > 0) {
      buf_.append(v.substr(i, n));
      i += n;
      continue;
    } else {
      buf_ += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
    }
    ++i;
  }
}

void ExpositionWriter::AppendValue(double v) {
  if (std::isnan(v)) {
    buf_ += "NaN";
  } else if (std::isinf(v)) {
    buf_ += v < 0 ? "-Inf" : "+Inf";
  } else {
    // As prometheus-cpp writes it (precision max_digits10 - 1): integers
    // such as unix seconds exactly, fractions without trailing zeros.
    // std::to_chars: no locale can make the decimal point a comma.
    char text[32];
    auto r = std::to_chars(text, text + sizeof text, v,
                           std::chars_format::general, 16);
    buf_.append(text, r.ptr);
  }
}

void ExpositionWriter::Family(std::string_view name, std::string_view help,
                              std::string_view type) {
  buf_ += "# HELP ";
  buf_ += name;
  buf_ += ' ';
  AppendEscaped(help, false);
  buf_ += "\n# TYPE ";
  buf_ += name;
  buf_ += ' ';
  buf_ += type;
  buf_ += '\n';
}

void ExpositionWriter::Sample(std::string_view name,
                              std::initializer_list<Label> labels, double value,
                              Label extra) {
  buf_ += name;
  char sep = '{';
  auto label = [&](const Label& l) {
    buf_ += sep;
    buf_ += l.first;
    buf_ += "=\"";
    AppendEscaped(l.second, true);
    buf_ += '"';
    sep = ',';
  };
  for (const Label& l : labels) label(l);
  if (!extra.first.empty()) label(extra);
  if (sep == ',') buf_ += '}';
  buf_ += ' ';
  AppendValue(value);
  buf_ += '\n';
}

void ExpositionWriter::Raw(std::string_view text) { buf_ += text; }

bool ExpositionWriter::Flush() {
  if (ok_ && !buf_.empty()) ok_ = sink_(buf_);
  buf_.clear();
  return ok_;
}

}  // namespace certstore::metrics
