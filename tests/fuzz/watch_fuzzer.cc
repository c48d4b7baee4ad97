// Fuzzes the watch-stream decoder (WatchDecoder::Feed), which reads what the
// API server streams for `?watch=true`, and ParseObjectMeta.
//
// The input is fed twice: whole, and in chunks of 1-32 bytes (the size
// chosen by the first byte). The decoder promises that chunk boundaries do
// not matter, so both runs must agree on the events and on success; a
// difference is a bug and aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "operator/kube/watch.h"

namespace kube = certstore::kube;

namespace {

struct Decoded {
  bool ok = true;
  std::vector<kube::WatchEvent> events;
};

Decoded Decode(const std::string& stream, size_t chunk) {
  Decoded out;
  kube::WatchDecoder decoder;
  for (size_t pos = 0; pos < stream.size() && out.ok; pos += chunk)
    out.ok = decoder.Feed(stream.substr(pos, chunk), &out.events).ok();
  return out;
}

bool SameEvents(const Decoded& a, const Decoded& b) {
  if (a.ok != b.ok || a.events.size() != b.events.size()) return false;
  for (size_t i = 0; i < a.events.size(); ++i) {
    const kube::WatchEvent& x = a.events[i];
    const kube::WatchEvent& y = b.events[i];
    if (x.type != y.type || x.object != y.object ||
        x.meta.name != y.meta.name ||
        x.meta.resource_version != y.meta.resource_version ||
        x.error_code != y.error_code)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string stream(reinterpret_cast<const char*>(data), size);
  (void)kube::ParseObjectMeta(stream);
  if (stream.empty()) return 0;

  Decoded whole = Decode(stream, stream.size());
  Decoded chunked = Decode(stream, 1 + (data[0] & 0x1F));
  if (!SameEvents(whole, chunked)) std::abort();
  for (const auto& e : whole.events)
    if (e.type != kube::WatchEvent::Type::kError)
      (void)kube::ParseObjectMeta(e.object);
  return 0;
}
