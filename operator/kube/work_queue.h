// A work queue of object keys ("namespace/name") for reconcilers, with the
// semantics of client-go's rate-limited delaying queue:
//   - a key waiting in the queue is held once, however often it is added;
//   - a key being processed is never handed to a second worker; if it is
//     added meanwhile it is queued again when Done() is called;
//   - AddAfter() delays a key (renewal times); the earliest time wins;
//   - AddRateLimited() delays by a per-key exponential backoff
//     (base * 2^failures, capped), reset by Forget();
//   - ShutDown() wakes every waiting Get(), which then returns nullopt;
//   - the Get() that began waiting last is woken first (a stack, as a
//     cached thread pool's hand-off is): under a trickle of keys the same
//     few threads take them, and the others stay idle long enough for a
//     WorkerPool to end them.
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
#include <vector>

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

  // Called, without the queue's lock, when work has no Get() waiting for
  // it: ready keys outnumber the waiting Get() calls (a key added, re-queued
  // by Done() or due while every worker is busy; one handed out with more
  // left), or delayed keys exist and no Get() waits to see them come due.
  // A worker pool starts a thread on it (worker_pool.h). It must not call
  // the queue's setters. Replacing it (nullptr removes it) waits for calls
  // of the old one in flight on other threads: after it returns, the old
  // one is not called again.
  void SetDemandObserver(std::function<void()> observer);

  // Keys queued and ready (not delayed, not processing).
  size_t Len() const;
  // Keys waiting for their delay.
  size_t DelayedLen() const;
  // Get() calls blocked, waiting for a key.
  size_t Waiting() const;

 private:
  void PromoteDueLocked();
  void EraseDelayedLocked(const std::string& key);
  void EnqueueLocked(const std::string& key);
  // Wakes the Get() that began waiting last / every waiting Get().
  void NotifyOneLocked();
  void NotifyAllLocked();
  // The demand observer when work has no Get() waiting for it (above), else
  // empty; pass it to NotifyDemand once the lock is released.
  std::function<void()> DemandLocked();
  void NotifyDemand(const std::function<void()>& observer);

  const Clock& clock_;
  BackoffPolicy backoff_;
  mutable std::mutex mu_;
  // One per blocked Get(), in the order they began waiting (each on its
  // caller's stack); `woken` once notified, until it runs again.
  struct Waiter {
    std::condition_variable cv;
    bool woken = false;  // GUARDED_BY(mu_)
  };
  std::vector<Waiter*> waiters_;      // GUARDED_BY(mu_)
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
  std::function<void()> demand_observer_;         // GUARDED_BY(mu_)
  int notifying_ = 0;  // GUARDED_BY(mu_) observer calls in flight
  std::condition_variable notified_;  // notifying_ reached 0
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_WORK_QUEUE_H_
