// Raw DEFLATE (zlib) of short texts against a preset dictionary: for a
// cache that keeps thousands of small texts of one shape (its objects'
// compact JSON), where each text alone is too short to compress well but
// shares most of its key names and common values with the dictionary.
#ifndef CERTSTORE_COMMON_DEFLATE_H_
#define CERTSTORE_COMMON_DEFLATE_H_

#include <string>
#include <string_view>

#include "operator/common/status.h"

namespace certstore {

// The largest dictionary these functions use: DEFLATE reaches back at most
// its window (4 KiB here), so a longer dictionary's start would never match.
inline constexpr size_t kMaxDeflateDictionary = 2048;

// `text` compressed against `dictionary` (at most kMaxDeflateDictionary
// bytes; only its last that many are used otherwise). The result holds no
// spare capacity. "" when zlib fails (out of memory) or `text` exceeds
// 1 GiB. Thread-safe; allocates about 40 KiB of zlib state for the
// duration of the call.
std::string DeflateWith(std::string_view text, std::string_view dictionary);

// The text DeflateWith(text, dictionary) was given, with the same
// dictionary. Fails (kInternal) on a truncated or corrupt stream; never
// reads past `packed`. Raw DEFLATE carries no checksum: with another
// dictionary the text may come back wrong rather than fail. Thread-safe.
StatusOr<std::string> InflateWith(std::string_view packed,
                                  std::string_view dictionary);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_DEFLATE_H_
