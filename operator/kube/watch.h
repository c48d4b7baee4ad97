// Watching a resource: the newline-delimited JSON event stream of
// `?watch=true`, decoded into events.
#ifndef CERTSTORE_KUBE_WATCH_H_
#define CERTSTORE_KUBE_WATCH_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "operator/common/compact_map.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"
#include "operator/kube/owner_list.h"
#include "operator/kube/resource_version.h"
#include "operator/kube/uid.h"

namespace certstore::kube {

struct ObjectMeta {
  std::string ns, name;
  Uid uid;                           // a UUID held as its 16 bytes
  ResourceVersion resource_version;  // a revision held as a number
  int64_t generation = 0;
  // Held compactly (one buffer each): a cache keeps one ObjectMeta per
  // object, and a managed Secret has half a dozen annotations.
  CompactStringMap labels;
  CompactStringMap annotations;
  // Held in one buffer too (a managed Secret's controller reference).
  OwnerList owners;
};

// Keeps bytes the operator does not own out of its memory. For an object
// whose metadata `keep` refuses, the top-level `fields` (a Secret's "data"
// and "stringData") are dropped as the object is decoded, before it is
// cached or handed to anyone, and the object is marked partial. `keep` runs
// on the decoding thread: cheap, non-blocking checks only.
//
// The refused object's metadata is cut to a skeleton as well (a tenant's
// labels and annotations can fill an object too): name, namespace, uid,
// resourceVersion, generation, the controller ownerReference, and only the
// `labels` and `annotations` named here, each up to 1 KiB.
struct PayloadFilter {
  std::vector<std::string> fields;
  std::function<bool(const ObjectMeta&)> keep;
  std::vector<std::string> labels, annotations;
  // Objects whose `fields` hold more bytes than this (as sent, base64 for
  // a Secret's data) are refused whatever `keep` says; 0 = no limit.
  size_t max_kept_bytes = 0;
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  std::string object;  // the object's JSON (for kError: the Status object)
  ObjectMeta meta;     // parsed from object.metadata
  int error_code = 0;  // kError: the Status code (410 = Gone)
  std::string error_message;
  bool partial = false;  // a PayloadFilter dropped fields of `object`
};

// Extracts metadata from an object's JSON. InvalidArgument if not an object.
StatusOr<ObjectMeta> ParseObjectMeta(const std::string& object_json);

// Splits a byte stream into events. Chunks may end mid-line and may carry
// many events; a partial line waits for the next chunk. Not thread-safe.
class WatchDecoder {
 public:
  // `filter` (optional) must outlive the decoder.
  explicit WatchDecoder(const PayloadFilter* filter = nullptr)
      : filter_(filter) {}
  // Appends every complete event in `chunk` to `out`. InvalidArgument for a
  // line that is not a watch event (the stream is then unusable).
  Status Feed(const std::string& chunk, std::vector<WatchEvent>* out);
  // Bytes held back waiting for a newline.
  size_t pending() const { return buffer_.size(); }

 private:
  const PayloadFilter* filter_;
  std::string buffer_;
};

// The media type that asks the API server for metadata only.
inline constexpr char kPartialObjectMetadataJson[] =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

struct WatchOptions {
  std::string resource_version;  // resume point; "" = from now
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  // Events carry only metadata (PartialObjectMetadata), never data: for
  // watching objects the operator must not hold, such as users' Secrets.
  bool metadata_only = false;
  // Asked of the server; kept below the client's idle timeout so that a
  // quiet watch ends cleanly instead of timing out (DESIGN.md).
  int timeout_seconds = 240;
  // Applied to every event's object (optional; must outlive the call).
  const PayloadFilter* payload_filter = nullptr;
};

// Runs one watch request until the server ends it (OK), `on_event` returns
// false (OK), an error event arrives (OutOfRange for 410 Gone, else the
// mapped Status), or the connection fails (Unavailable / DeadlineExceeded).
Status WatchOnce(Client& client, const Resource& r, const std::string& ns,
                 const WatchOptions& opts,
                 const std::function<bool(const WatchEvent&)>& on_event);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_WATCH_H_
