// Small helpers for building YAML manifests in tests.
#ifndef CERTSTORE_TESTS_SUPPORT_YAML_TEXT_H_
#define CERTSTORE_TESTS_SUPPORT_YAML_TEXT_H_

#include <string>

namespace certstore::testing {

// `text` with every line indented by `n` spaces (the body of a YAML block
// scalar, e.g. PEM under `inline: |`).
inline std::string Indent(const std::string& text, int n) {
  std::string pad(n, ' '), out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace certstore::testing

#endif  // CERTSTORE_TESTS_SUPPORT_YAML_TEXT_H_
