// JSON string literals for hand-built JSON (status patches, log lines).
#ifndef CERTSTORE_COMMON_JSON_TEXT_H_
#define CERTSTORE_COMMON_JSON_TEXT_H_

#include <string>

namespace certstore {

// `s` as a JSON string literal: quoted, with quotes, backslashes and control
// characters escaped. Bytes >= 0x80 pass through (UTF-8 stays UTF-8).
std::string JsonQuote(const std::string& s);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_JSON_TEXT_H_
