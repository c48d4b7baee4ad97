// An informer: lists a resource, then watches it, keeping a thread-safe
// cache that converges to the server's state (as client-go's
// SharedInformer). It resumes watches from the last seen resourceVersion
// after a clean end or a broken connection, relists on 410 Gone, and backs
// off with jitter while the server is unreachable.
//
// Handlers run on the informer's thread and must only enqueue work.
#ifndef CERTSTORE_KUBE_INFORMER_H_
#define CERTSTORE_KUBE_INFORMER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "operator/common/lean_string.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"
#include "operator/kube/sorted_views.h"
#include "operator/kube/watch.h"

namespace certstore::kube {

// What an informer's decoder made of an object as it entered the cache (a
// parsed CertStore, say): built once per event on the informer thread, then
// shared read-only by the index functions, the handlers and every reader.
// Subclass it per kind.
struct TypedObject {
  virtual ~TypedObject() = default;
};

struct CachedObject {
  ObjectMeta meta;
  // The object as sent (minus what object_decode drops). Empty when the
  // informer's decoder made `typed` and InformerOptions::drop_json is set
  // (then it costs one pointer).
  LeanString json;
  // The informer's PayloadFilter dropped fields from `json`: read the
  // object from the API server if you need them.
  bool partial = false;
  // The decoder's result (null without a decoder).
  std::shared_ptr<const TypedObject> typed;

  // `typed` as a T, or null when it is absent or another type.
  template <class T>
  const T* As() const {
    return dynamic_cast<const T*>(typed.get());
  }
};
using ObjectPtr = std::shared_ptr<const CachedObject>;

struct InformerOptions {
  std::string ns;              // "" = all namespaces
  std::string label_selector;  // cache only matching objects
  int64_t page_size = 500;
  // Objects whose payload is not cached (see PayloadFilter). With large
  // foreign objects possible, keep page_size small too: a list page is held
  // whole in memory while it is decoded.
  PayloadFilter payload_filter;
  // Decodes every object once as it enters the cache, before the index
  // functions and handlers see it (informer thread; must not block). With
  // `drop_json` the JSON text is released once `decode` returned non-null:
  // readers then use `typed` only.
  std::function<std::shared_ptr<const TypedObject>(const CachedObject&)> decode;
  bool drop_json = false;
  int watch_timeout_seconds = 240;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{std::chrono::seconds(30)};
  // Test seam: called on the informer thread before every watch except the
  // first one after a list (lets a test make the resume point stale).
  std::function<void()> before_rewatch;
  // Test seam: called on the informer thread, under the cache's lock,
  // before each index entry is added (lets a test fail an event's index
  // change part way, as an allocation failure would).
  std::function<void()> before_index_insert;
};

struct InformerStats {
  int lists = 0;           // full lists (1 + relists)
  int watch_restarts = 0;  // watches started after the first
  int gone = 0;            // 410 Gone seen
  int errors = 0;          // list/watch failures
  std::string last_error;  // message of the latest failure ("" if none)
  // Monotonic time of the last sign of life: a list, an event, a bookmark
  // or a watch the server ended (for a group: the oldest member's).
  std::chrono::steady_clock::time_point last_progress{};
};

// Read access to a cache of objects (one informer, or one per namespace).
// Thread-safe.
class ObjectCache {
 public:
  virtual ~ObjectCache() = default;
  virtual ObjectPtr Get(const std::string& ns,
                        const std::string& name) const = 0;
  virtual std::vector<ObjectPtr> List() const = 0;
  virtual std::vector<ObjectPtr> ByIndex(const std::string& index,
                                         const std::string& value) const = 0;
  virtual size_t Size() const = 0;
};

class Informer : public ObjectCache {
 public:
  // `old_obj` is null for an add, `new_obj` null for a delete.
  using Handler =
      std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)>;
  using IndexFunc =
      std::function<std::vector<std::string>(const CachedObject&)>;

  // Owns `transport` (Stop() cancels its requests).
  Informer(TransportPtr transport, Resource resource, InformerOptions options);
  ~Informer();

  // REQUIRES: before Start().
  void AddHandler(Handler h);
  // REQUIRES: before Start(). `f` returns the same values for the same
  // object every time (an entry is removed by what `f` says of the object
  // leaving; the index holds views of the cache's keys).
  void AddIndex(const std::string& name, IndexFunc f);

  void Start();
  // Stops the loop and joins the thread. Idempotent.
  void Stop();

  bool HasSynced() const { return synced_.load(); }
  // Waits for the first successful list; false after `timeout`.
  bool WaitForSync(std::chrono::milliseconds timeout);

  ObjectPtr Get(const std::string& ns, const std::string& name) const override;
  std::vector<ObjectPtr> List() const override;
  std::vector<ObjectPtr> ByIndex(const std::string& index,
                                 const std::string& value) const override;
  size_t Size() const override;
  InformerStats Stats() const;
  // The resourceVersion the cache reflects.
  std::string LastResourceVersion() const;

  // The namespace index, always present.
  static constexpr char kNamespaceIndex[] = "namespace";

 private:
  void Run();
  Status ListAndReplace();
  Status WatchLoop();
  void Apply(WatchEvent::Type type, ObjectPtr obj);
  // Runs the decoder on a new object (before it is shared).
  void Decode(CachedObject& obj) const;
  // The values of every index for `obj`, in index_funcs_ order. Runs the
  // index functions (which may decode) without holding mu_: only the
  // informer's own thread changes items_ and indexes_.
  using IndexValues = std::vector<std::vector<std::string>>;
  IndexValues IndexValuesOf(const CachedObject& obj) const;
  // `key`: the items_ node's own key when adding (the index keeps a view).
  void IndexLocked(const std::string& key, const IndexValues& values, bool add);
  bool SleepFor(std::chrono::milliseconds d);  // false when stopping
  std::chrono::milliseconds NextBackoff(int attempt);

  TransportPtr transport_;
  Client client_;
  Resource resource_;
  InformerOptions options_;
  std::vector<Handler> handlers_;
  std::map<std::string, IndexFunc> index_funcs_;

  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr, std::less<>>
      items_;  // GUARDED_BY(mu_) "ns/name"
  // index name -> value -> keys. A key is a view of its items_ node's key
  // (stable while the item is cached; entries leave before their item).
  std::map<std::string, std::map<std::string, SortedViews>>
      indexes_;          // GUARDED_BY(mu_)
  std::string rv_;       // GUARDED_BY(mu_)
  InformerStats stats_;  // GUARDED_BY(mu_)
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  // An event's change to items_ / indexes_ failed part way (an exception:
  // no memory): the indexes may miss or hold stale entries (every view is
  // still of a cached key) and handlers may not have seen the event. The
  // watch ends and a relist rebuilds both and reports every object.
  bool rebuild_ = false;  // GUARDED_BY(mu_)

  std::atomic<bool> synced_{false};
  std::thread thread_;
};

// "ns/name" (or "name" for cluster-scoped objects).
std::string ObjectKey(const std::string& ns, const std::string& name);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_INFORMER_H_
