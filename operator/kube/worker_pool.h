// The threads that take keys from a WorkQueue, as many as the work needs up
// to a maximum: all `max` start at Start() (a start-up queues every object);
// a thread that has waited `idle_exit` with nothing to take ends while more
// than `min` remain and another waits; and one starts again as soon as work
// has no thread waiting for it (WorkQueue::SetDemandObserver: a ready key,
// or delayed keys with no waiter to see them come due). The queue wakes
// its last waiter first, so a trickle of keys keeps few threads busy and
// lets the rest end. An idle operator keeps `min` threads, not `max`; an
// ended thread's stack goes, but its allocator cache mostly stays as free
// heap between live objects (docs/benchmarks.md: 0.7-2 MiB of RSS back).
//
// Each thread runs in a slot 0..max-1 that no other live thread holds, and
// is named "<name>-<slot>" (for `top -H` and /proc/PID/task/*/comm). The
// handler is called with the slot and a key from Get(); it must call
// queue.Done(key). Thread-safe.
#ifndef CERTSTORE_KUBE_WORKER_POOL_H_
#define CERTSTORE_KUBE_WORKER_POOL_H_

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/work_queue.h"

namespace certstore::kube {

struct WorkerPoolOptions {
  int max = 2;  // at least 1
  int min = 2;  // kept however idle; capped at max, at least 1 (a waiting
                // thread is what makes delayed keys due)
  std::chrono::milliseconds idle_exit{std::chrono::seconds(30)};
  std::string name = "worker";  // thread names: up to 15 bytes are kept
};

class WorkerPool {
 public:
  using Handler = std::function<void(int slot, const std::string& key)>;
  // Registers itself as `queue`'s demand observer (one pool per queue; the
  // queue outlives the pool, which removes itself when destroyed).
  WorkerPool(WorkQueue& queue, WorkerPoolOptions options, Handler handler);
  // Join()s: shut the queue down first.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `max` threads. Once only.
  void Start();
  // Waits for every thread to end: call after queue.ShutDown() (a thread
  // ends when its Get() returns nullopt: keys still ready are handled
  // first). No thread starts after this. Idempotent.
  void Join();

  // Threads running now, and the most that ever ran at once.
  int Live() const;
  int Peak() const;
  // Called (on the ending thread, before it ends) each time an idle thread
  // ends; must not call the pool. Set before Start().
  void SetOnIdleExit(std::function<void()> fn) {
    on_idle_exit_ = std::move(fn);
  }

 private:
  void Grow();
  void Run(int slot);
  bool TryEnd(int slot);
  void StartLocked(int slot);
  void JoinEndedLocked();

  WorkQueue& queue_;
  const WorkerPoolOptions options_;
  const Handler handler_;
  std::function<void()> on_idle_exit_;
  mutable std::mutex mu_;
  std::vector<std::thread> slots_;  // GUARDED_BY(mu_) joinable = live
  std::vector<std::thread> ended_;  // GUARDED_BY(mu_) to join
  int live_ = 0;                    // GUARDED_BY(mu_)
  int peak_ = 0;                    // GUARDED_BY(mu_)
  bool started_ = false;            // GUARDED_BY(mu_)
  bool joining_ = false;            // GUARDED_BY(mu_)
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_WORKER_POOL_H_
