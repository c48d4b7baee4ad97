#include "operator/common/deflate.h"

#include <zlib.h>

#include <algorithm>
#include <memory>

namespace certstore {
namespace {

// Negative: raw DEFLATE (no zlib header or checksum: the texts are ours and
// held in memory). A 4 KiB window (zlib matches up to 262 bytes less than
// that back) reaches the start of a full 2 KiB dictionary from the first
// 1.7 KiB of the text, and its end from 3.7 KiB.
constexpr int kWindowBits = -12;
// zlib counts in uInt: texts beyond this are refused, not cut short.
constexpr size_t kMaxText = 1u << 30;
// 2^(6+9) bytes of match state: ample for texts of a few KiB.
constexpr int kMemLevel = 6;

std::string_view Tail(std::string_view dictionary) {
  return dictionary.size() > kMaxDeflateDictionary
             ? dictionary.substr(dictionary.size() - kMaxDeflateDictionary)
             : dictionary;
}

Bytef* In(std::string_view s) {
  // zlib's API is not const-correct; it never writes its input.
  return reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
}

struct DeflateEnd {
  void operator()(z_stream* s) const { deflateEnd(s); }
};
struct InflateEnd {
  void operator()(z_stream* s) const { inflateEnd(s); }
};

}  // namespace

std::string DeflateWith(std::string_view text, std::string_view dictionary) {
  if (text.size() > kMaxText) return "";
  dictionary = Tail(dictionary);
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kWindowBits,
                   kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK)
    return "";
  std::unique_ptr<z_stream, DeflateEnd> end(&s);
  if (!dictionary.empty() &&
      deflateSetDictionary(&s, In(dictionary),
                           static_cast<uInt>(dictionary.size())) != Z_OK)
    return "";
  std::string out(deflateBound(&s, text.size()), '\0');
  s.next_in = In(text);
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  // deflateBound's size always takes all of the input in one call.
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) return "";
  return std::string(out.data(), s.total_out);  // exact capacity
}

StatusOr<std::string> InflateWith(std::string_view packed,
                                  std::string_view dictionary) {
  if (packed.size() > kMaxText)
    return InternalError("inflate: more than DeflateWith ever makes");
  dictionary = Tail(dictionary);
  z_stream s{};
  if (inflateInit2(&s, kWindowBits) != Z_OK)
    return InternalError("inflate: zlib could not start");
  std::unique_ptr<z_stream, InflateEnd> end(&s);
  if (!dictionary.empty() &&
      inflateSetDictionary(&s, In(dictionary),
                           static_cast<uInt>(dictionary.size())) != Z_OK)
    return InternalError("inflate: zlib refused the dictionary");
  s.next_in = In(packed);
  s.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  // Compact JSON deflates to a third or less: start at 4x.
  size_t chunk = std::min(packed.size() * 4 + 64, kMaxText);
  for (;;) {
    const size_t have = out.size();
    out.resize(have + chunk);
    s.next_out = reinterpret_cast<Bytef*>(out.data() + have);
    s.avail_out = static_cast<uInt>(chunk);
    const int rc = inflate(&s, Z_NO_FLUSH);
    out.resize(have + chunk - s.avail_out);
    if (rc == Z_STREAM_END) {
      if (s.avail_in != 0)
        return InternalError("inflate: bytes after the end of the stream");
      return out;
    }
    if (rc == Z_BUF_ERROR)  // no progress with room to write: input ended
      return InternalError("inflate: the stream is truncated");
    if (rc != Z_OK)
      return InternalError(std::string("inflate: ") +
                           (s.msg ? s.msg : "corrupt stream"));
    if (out.size() >= kMaxText)
      return InternalError("inflate: more than DeflateWith ever takes");
    chunk = std::min(chunk * 2, kMaxText);
  }
}

}  // namespace certstore
