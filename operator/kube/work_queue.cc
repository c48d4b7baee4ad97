#include "operator/kube/work_queue.h"

#include <algorithm>

#include "operator/common/backoff.h"

namespace certstore::kube {

WorkQueue::WorkQueue(const Clock& clock, BackoffPolicy backoff)
    : clock_(clock), backoff_(backoff) {}

void WorkQueue::EnqueueLocked(const std::string& key) {
  if (shutdown_ || dirty_.count(key)) return;
  dirty_.insert(key);
  EraseDelayedLocked(key);
  if (processing_.count(key)) return;  // re-queued by Done()
  queue_.push_back(key);
  ready_since_[key] = clock_.Now();
  NotifyOneLocked();
}

// The last waiter not yet woken: two keys added at once wake two threads.
void WorkQueue::NotifyOneLocked() {
  for (auto it = waiters_.rbegin(); it != waiters_.rend(); ++it) {
    if (!(*it)->woken) {
      (*it)->woken = true;
      (*it)->cv.notify_one();
      return;
    }
  }
}

void WorkQueue::NotifyAllLocked() {
  for (auto* w : waiters_) {
    w->woken = true;
    w->cv.notify_one();
  }
}

std::function<void()> WorkQueue::DemandLocked() {
  bool demand = queue_.size() > waiters_.size() ||
                (waiters_.empty() && !due_order_.empty());
  if (!demand || !demand_observer_ || shutdown_) return nullptr;
  ++notifying_;
  return demand_observer_;
}

void WorkQueue::NotifyDemand(const std::function<void()>& observer) {
  if (!observer) return;
  observer();
  std::lock_guard<std::mutex> l(mu_);
  if (--notifying_ == 0) notified_.notify_all();
}

void WorkQueue::Add(const std::string& key) {
  std::function<void()> demand;
  {
    std::lock_guard<std::mutex> l(mu_);
    EnqueueLocked(key);
    demand = DemandLocked();
  }
  NotifyDemand(demand);
}

void WorkQueue::AddAfter(const std::string& key,
                         std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    Add(key);
    return;
  }
  std::function<void()> demand;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutdown_) return;
    if (dirty_.count(key)) return;  // already due sooner
    TimePoint at = clock_.Now() + delay;
    auto it = delayed_.find(key);
    if (it != delayed_.end() && it->second <= at) return;  // due sooner
    EraseDelayedLocked(key);
    auto node = delayed_.emplace(key, at).first;
    auto due = due_order_.emplace(at, std::string_view(node->first)).first;
    // Waiting Get() calls sleep until the earliest key they knew of: one
    // wakes to see a new earliest; a later key wakes nobody (a renewal
    // requeued after each reconcile of a burst would wake them all).
    if (due == due_order_.begin()) NotifyOneLocked();
    demand = DemandLocked();
  }
  NotifyDemand(demand);
}

void WorkQueue::AddRateLimited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard<std::mutex> l(mu_);
    delay = ExponentialBackoff(backoff_.base, backoff_.cap, failures_[key]++);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  failures_.erase(key);
}

int WorkQueue::Failures(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::EraseDelayedLocked(const std::string& key) {
  auto it = delayed_.find(key);
  if (it == delayed_.end()) return;
  due_order_.erase({it->second, std::string_view(it->first)});
  delayed_.erase(it);
}

// O(keys due): the earliest are first in due_order_.
void WorkQueue::PromoteDueLocked() {
  TimePoint now = clock_.Now();
  while (!due_order_.empty() && due_order_.begin()->first <= now) {
    std::string key(due_order_.begin()->second);
    due_order_.erase(due_order_.begin());
    delayed_.erase(key);  // the view is not used after this
    EnqueueLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get(
    std::optional<std::chrono::milliseconds> max_wait) {
  std::unique_lock<std::mutex> l(mu_);
  auto give_up = std::chrono::steady_clock::now() +
                 max_wait.value_or(std::chrono::hours(24 * 365));
  // On the waiter stack from the first wait to the return, so its place is
  // when this call began waiting.
  Waiter w;
  bool stacked = false;
  auto leave = [&] {
    if (!stacked) return;
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
    // This call may have been the one sleeping toward a key due within the
    // others' 1 s tick: hand the watch on.
    if (!due_order_.empty() &&
        due_order_.begin()->first - clock_.Now() < std::chrono::seconds(1))
      NotifyOneLocked();
  };
  while (true) {
    PromoteDueLocked();
    if (!queue_.empty()) {
      std::string key = queue_.front();
      queue_.pop_front();
      processing_.insert(key);
      dirty_.erase(key);
      auto since = ready_since_.find(key);
      if (since != ready_since_.end()) {
        if (wait_observer_)
          wait_observer_(
              std::chrono::duration<double>(clock_.Now() - since->second)
                  .count());
        ready_since_.erase(since);
      }
      leave();
      // Keys made due (or found ready) beyond this one: the next waiter
      // takes one, and the pool hears of any without a waiter (or of
      // delayed keys that no waiter now watches).
      if (!queue_.empty()) NotifyOneLocked();
      auto demand = DemandLocked();
      l.unlock();
      NotifyDemand(demand);
      return key;
    }
    auto now = std::chrono::steady_clock::now();
    if (shutdown_ || now >= give_up) {
      leave();
      return std::nullopt;
    }
    // Sleep until the earliest delayed key is due (by the injected clock),
    // or a change wakes us; never longer than a second so a clock that is
    // moved without Wake() is still noticed.
    auto wait = std::chrono::milliseconds(1000);
    if (!due_order_.empty()) {
      TimePoint next = due_order_.begin()->first;
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
          next - clock_.Now());
      wait = std::clamp(until, std::chrono::milliseconds(1), wait);
    }
    auto deadline = std::min(give_up, now + wait);
    if (!stacked) {
      waiters_.push_back(&w);
      stacked = true;
    }
    w.woken = false;
    w.cv.wait_until(l, deadline);
  }
}

void WorkQueue::Done(const std::string& key) {
  std::function<void()> demand;
  {
    std::lock_guard<std::mutex> l(mu_);
    processing_.erase(key);
    if (dirty_.count(key) && !shutdown_) {
      queue_.push_back(key);
      ready_since_[key] = clock_.Now();
      NotifyOneLocked();
      demand = DemandLocked();
    }
  }
  NotifyDemand(demand);
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> l(mu_);
  shutdown_ = true;
  NotifyAllLocked();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard<std::mutex> l(mu_);
  return shutdown_;
}

void WorkQueue::Wake() {
  std::function<void()> demand;
  {
    std::lock_guard<std::mutex> l(mu_);
    PromoteDueLocked();
    NotifyAllLocked();
    demand = DemandLocked();
  }
  NotifyDemand(demand);
}

void WorkQueue::SetDemandObserver(std::function<void()> observer) {
  std::unique_lock<std::mutex> l(mu_);
  demand_observer_ = std::move(observer);
  notified_.wait(l, [this] { return notifying_ == 0; });
}

void WorkQueue::SetWaitObserver(std::function<void(double)> observer) {
  std::lock_guard<std::mutex> l(mu_);
  wait_observer_ = std::move(observer);
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

size_t WorkQueue::Waiting() const {
  std::lock_guard<std::mutex> l(mu_);
  return waiters_.size();
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard<std::mutex> l(mu_);
  return delayed_.size();
}

}  // namespace certstore::kube
