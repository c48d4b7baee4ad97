#include "operator/kube/worker_pool.h"

#include <pthread.h>

#include <algorithm>
#include <system_error>

#include "operator/common/log.h"

namespace certstore::kube {

WorkerPool::WorkerPool(WorkQueue& queue, WorkerPoolOptions options,
                       Handler handler)
    : queue_(queue),
      options_([&] {
        options.max = std::max(1, options.max);
        options.min = std::clamp(options.min, 1, options.max);
        return options;
      }()),
      handler_(std::move(handler)),
      slots_(options_.max) {
  queue_.SetDemandObserver([this] { Grow(); });
}

WorkerPool::~WorkerPool() {
  queue_.SetDemandObserver(nullptr);
  Join();
}

void WorkerPool::StartLocked(int slot) {
  try {
    slots_[slot] = std::thread([this, slot] { Run(slot); });
  } catch (const std::system_error& e) {
    // Out of threads (a pids limit): the running ones carry on, and the
    // next key that finds none free tries again.
    Log(LogLevel::kWarn, "could not start a worker thread",
        {{"pool", options_.name},
         {"live", std::to_string(live_)},
         {"error", e.what()}});
    return;
  }
  ++live_;
  peak_ = std::max(peak_, live_);
}

void WorkerPool::JoinEndedLocked() {
  // Each has returned from Run() or is about to (on_idle_exit_ does not
  // take this lock): the join waits at most for its exit.
  for (auto& t : ended_) t.join();
  ended_.clear();
}

void WorkerPool::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_ || joining_) return;
  started_ = true;
  for (int i = 0; i < options_.max; ++i) StartLocked(i);
}

// Work waits with no thread for it: start one in a free slot.
void WorkerPool::Grow() {
  std::lock_guard<std::mutex> l(mu_);
  if (!started_ || joining_ || live_ >= options_.max) return;
  JoinEndedLocked();
  for (int i = 0; i < options_.max; ++i) {
    if (!slots_[i].joinable()) {
      StartLocked(i);
      return;
    }
  }
}

// An idle thread ends only while more than `min` remain, no key is ready,
// and another thread waits in Get() (it takes the next key and watches the
// delayed ones). A key added since this thread's Get() gave up found it
// no longer waiting and asked Grow(), which waits for this lock and then
// sees the freed slot.
bool WorkerPool::TryEnd(int slot) {
  std::lock_guard<std::mutex> l(mu_);
  if (joining_ || live_ <= options_.min || queue_.Len() > 0 ||
      queue_.Waiting() == 0)
    return false;
  --live_;
  JoinEndedLocked();
  ended_.push_back(std::move(slots_[slot]));
  slots_[slot] = std::thread();
  return true;
}

void WorkerPool::Run(int slot) {
  std::string name = options_.name + "-" + std::to_string(slot);
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  while (true) {
    auto key = queue_.Get(options_.idle_exit);
    if (key) {
      handler_(slot, *key);
      continue;
    }
    if (queue_.shutting_down()) return;
    if (TryEnd(slot)) {
      if (on_idle_exit_) on_idle_exit_();
      return;
    }
  }
}

void WorkerPool::Join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(mu_);
    joining_ = true;
    JoinEndedLocked();
    for (auto& t : slots_) {
      if (t.joinable()) threads.push_back(std::move(t));
    }
    live_ = 0;
  }
  // Outside the lock: a running thread may be in TryEnd().
  for (auto& t : threads) t.join();
}

int WorkerPool::Live() const {
  std::lock_guard<std::mutex> l(mu_);
  return live_;
}

int WorkerPool::Peak() const {
  std::lock_guard<std::mutex> l(mu_);
  return peak_;
}

}  // namespace certstore::kube
