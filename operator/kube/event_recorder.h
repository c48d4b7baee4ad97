// Kubernetes Events about our objects, aggregated: repeats of the same
// (object, type, reason, message) update one Event's count and
// lastTimestamp instead of creating an object per occurrence. The Event's
// name is derived from those four, so repeats after a restart land on the
// same Event too. Thread-safe. Callers must never put keys or passwords in
// a message.
#ifndef CERTSTORE_KUBE_EVENT_RECORDER_H_
#define CERTSTORE_KUBE_EVENT_RECORDER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"

namespace certstore::kube {

struct ObjectReference {
  std::string api_version;  // "certstore.dev/v1alpha1"
  std::string kind;         // "CertStore"
  std::string ns;           // empty for cluster-scoped objects
  std::string name;
  std::string uid;
};

class EventRecorder {
 public:
  // Events about cluster-scoped objects go to "default", the only namespace
  // the API server accepts them in (so a namespaced install grants Events
  // there with a Role of their own: deploy/rbac/namespaced.yaml);
  // `events_ns` (the operator's namespace) is no longer used for them and is
  // kept for callers' compatibility.
  EventRecorder(Client& client, std::string component, std::string instance,
                std::string events_ns, const Clock& clock);
  ~EventRecorder();  // Stop() with no time to send what is queued

  // type: "Normal" or "Warning"; reason: CamelCase; message: one line (cut
  // at 1024 bytes). Returns the API error, if any; Events are best effort.
  Status Record(const ObjectReference& obj, const std::string& type,
                const std::string& reason, const std::string& message);

  // Like Record, but returns at once: a sender thread makes the API calls,
  // so a reconcile does not wait for an Event's round trip. Events are sent
  // in the order posted. At most kMaxPending wait; beyond that new ones are
  // dropped, counted and reported to `on_error` (once per 100 drops).
  // Before Start() (and after Stop()) it records inline.
  void Post(const ObjectReference& obj, const std::string& type,
            const std::string& reason, const std::string& message);
  static constexpr size_t kMaxPending = 1000;

  // Starts the sender; `on_error` (may be empty) hears of each failed send
  // on the sender's thread.
  void Start(std::function<void(const Status&)> on_error);
  // Sends what is still queued, for at most `deadline`, then stops the
  // sender; whatever is left is dropped. Idempotent.
  void Stop(std::chrono::milliseconds deadline);
  int64_t dropped() const;

 private:
  struct Pending {
    ObjectReference obj;
    std::string type, reason, message;
  };
  void Send();

  Client& client_;
  std::string component_, instance_;
  const Clock& clock_;
  std::mutex mu_;
  // Event name -> count, so repeats are PATCHed without a read. Bounded: it
  // is forgotten past kMaxCounts names (a repeat then costs one extra read).
  std::map<std::string, int> counts_;  // GUARDED_BY(mu_)
  static constexpr size_t kMaxCounts = 10000;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;                      // GUARDED_BY(queue_mu_)
  bool running_ = false;                           // GUARDED_BY(queue_mu_)
  bool stopping_ = false;                          // GUARDED_BY(queue_mu_)
  std::chrono::steady_clock::time_point stop_by_;  // GUARDED_BY(queue_mu_)
  int64_t dropped_ = 0;                            // GUARDED_BY(queue_mu_)
  std::function<void(const Status&)> on_error_;
  std::thread sender_;
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_EVENT_RECORDER_H_
