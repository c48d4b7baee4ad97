// A work queue of object keys ("namespace/name") for reconcilers, with the
// semantics of client-go's rate-limited delaying queue:
//   - a key waiting in the queue is held once, however often it is added;
//   - a key being processed is never handed to a second worker; if it is
//     added meanwhile it is queued again when Done() is called;
//   - AddAfter() delays a key (renewal times); the earliest time wins;
//   - AddRateLimited() delays by a per-key exponential backoff
//     (base * 2^failures, capped), reset by Forget();
//   - ShutDown() wakes every waiting Get(), which then returns nullopt.
// Time comes from the injected clock; tests call Wake() after moving a
// FakeClock. Thread-safe.
#ifndef CERTSTORE_KUBE_WORK_QUEUE_H_
#define CERTSTORE_KUBE_WORK_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "operator/common/clock.h"

namespace certstore::kube {

struct BackoffPolicy {
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{std::chrono::minutes(5)};
};

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock,
                     BackoffPolicy backoff = BackoffPolicy());

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  void AddRateLimited(const std::string& key);
  // Clears the key's failure count.
  void Forget(const std::string& key);
  int Failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt). With
  // `max_wait`, returns nullopt after that much real time too.
  std::optional<std::string> Get(
      std::optional<std::chrono::milliseconds> max_wait = std::nullopt);
  // Marks a key returned by Get() as finished.
  void Done(const std::string& key);

  void ShutDown();
  bool shutting_down() const;
  // Re-evaluates delayed keys against the clock and wakes waiters.
  void Wake();

  // Called (under the queue's lock: keep it cheap) with the seconds each key
  // waited between becoming ready and being handed to a worker.
  void SetWaitObserver(std::function<void(double seconds)> observer);

  // Keys queued and ready (not delayed, not processing).
  size_t Len() const;
  // Keys waiting for their delay.
  size_t DelayedLen() const;

 private:
  void PromoteDueLocked();
  void EraseDelayedLocked(const std::string& key);
  void EnqueueLocked(const std::string& key);

  const Clock& clock_;
  BackoffPolicy backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;     // GUARDED_BY(mu_)
  std::set<std::string> dirty_;       // GUARDED_BY(mu_) queued or re-added
  std::set<std::string> processing_;  // GUARDED_BY(mu_)
  std::map<std::string, TimePoint>
      delayed_;  // GUARDED_BY(mu_) key -> ready time
  // The same, by time; each key a view of its delayed_ node's key (a
  // thousand renewals waiting hold each key once).
  std::set<std::pair<TimePoint, std::string_view>>
      due_order_;                                 // GUARDED_BY(mu_)
  std::map<std::string, int> failures_;           // GUARDED_BY(mu_)
  std::map<std::string, TimePoint> ready_since_;  // GUARDED_BY(mu_)
  std::function<void(double)> wait_observer_;     // GUARDED_BY(mu_)
  bool shutdown_ = false;                         // GUARDED_BY(mu_)
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_WORK_QUEUE_H_
