// Tells which objects of a kind changed, without holding them: a
// metadata-only watch (PartialObjectMetadata) whose events name the object.
// For objects the operator reads on demand but must never cache, such as
// users' CA, password and trust-source Secrets and ConfigMaps (DESIGN.md:
// "never caches Secrets it does not manage"). Memory is constant in the
// number of watched objects.
//
// Start-up lists one item only, to learn the current resourceVersion, then
// watches from it. After 410 Gone (history compacted) it does the same and
// calls `on_resync`, because changes in the gap are unknown. While the API
// server is unreachable it retries with jittered exponential backoff.
#ifndef CERTSTORE_KUBE_CHANGE_WATCHER_H_
#define CERTSTORE_KUBE_CHANGE_WATCHER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "operator/kube/client.h"
#include "operator/kube/watch.h"

namespace certstore::kube {

struct ChangeWatcherOptions {
  std::string ns;  // "" = all namespaces
  int watch_timeout_seconds = 240;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{std::chrono::seconds(30)};
};

struct ChangeWatcherStats {
  int lists = 0;
  int watch_restarts = 0;
  int gone = 0;
  int errors = 0;
  int64_t events = 0;
  std::string last_error;  // message of the latest failure ("" if none)
};

class ChangeWatcher {
 public:
  // Called on the watcher's thread for every added, modified or deleted
  // object; must only enqueue work.
  using OnChange =
      std::function<void(const std::string& ns, const std::string& name)>;
  // Called on the watcher's thread when changes may have been missed.
  using OnResync = std::function<void()>;

  // Owns `transport` (Stop() cancels its requests).
  ChangeWatcher(TransportPtr transport, Resource resource,
                ChangeWatcherOptions options, OnChange on_change,
                OnResync on_resync);
  ~ChangeWatcher();

  void Start();
  void Stop();  // idempotent; joins the thread
  // True once the first watch position is known (changes from then on are
  // seen).
  bool HasSynced() const { return synced_.load(); }
  bool WaitForSync(std::chrono::milliseconds timeout);
  ChangeWatcherStats Stats() const;

 private:
  void Run();
  StatusOr<std::string> CurrentResourceVersion();
  bool SleepFor(std::chrono::milliseconds d);  // false when stopping
  bool Stopping() const;

  TransportPtr transport_;
  Client client_;
  Resource resource_;
  ChangeWatcherOptions options_;
  OnChange on_change_;
  OnResync on_resync_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;     // GUARDED_BY(mu_)
  ChangeWatcherStats stats_;  // GUARDED_BY(mu_)
  std::atomic<bool> synced_{false};
  std::thread thread_;
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_CHANGE_WATCHER_H_
