#include "operator/kube/worker_pool.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "tests/support/eventually.h"

namespace certstore::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Threads of this process whose name starts with `prefix`.
int ThreadsNamed(const std::string& prefix) {
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name.rfind(prefix, 0) == 0) ++n;
  }
  closedir(d);
  return n;
}

// A handler that holds each key until Release(), recording what ran where.
class Gate {
 public:
  void Handle(WorkQueue& q, int slot, const std::string& key) {
    std::unique_lock<std::mutex> l(mu_);
    if (!busy_slots_.insert(slot).second) slot_shared_ = true;
    ++running_;
    peak_running_ = std::max(peak_running_, running_);
    ++handled_[key];
    cv_.wait(l, [&] { return open_; });
    --running_;
    busy_slots_.erase(slot);
    l.unlock();
    q.Done(key);
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int Running() {
    std::lock_guard<std::mutex> l(mu_);
    return running_;
  }
  int PeakRunning() {
    std::lock_guard<std::mutex> l(mu_);
    return peak_running_;
  }
  bool SlotShared() {
    std::lock_guard<std::mutex> l(mu_);
    return slot_shared_;
  }
  std::map<std::string, int> Handled() {
    std::lock_guard<std::mutex> l(mu_);
    return handled_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int running_ = 0, peak_running_ = 0;
  bool slot_shared_ = false;
  std::set<int> busy_slots_;
  std::map<std::string, int> handled_;
};

struct PoolHarness {
  explicit PoolHarness(WorkerPoolOptions o) : queue(clock) {
    pool = std::make_unique<WorkerPool>(
        queue, o, [this](int slot, const std::string& key) {
          gate.Handle(queue, slot, key);
        });
    pool->SetOnIdleExit([this] { ++idle_exits; });
  }
  ~PoolHarness() {
    gate.Release();
    queue.ShutDown();
    pool->Join();
  }
  SystemClock clock;
  WorkQueue queue;
  Gate gate;
  std::atomic<int> idle_exits{0};
  std::unique_ptr<WorkerPool> pool;
};

WorkerPoolOptions Options(int max, int min, milliseconds idle,
                          const std::string& name) {
  WorkerPoolOptions o;
  o.max = max;
  o.min = min;
  o.idle_exit = idle;
  o.name = name;
  return o;
}

TEST(WorkerPoolTest, StartsEveryThreadThenEndsIdleOnesDownToTheMinimum) {
  PoolHarness h(Options(5, 2, milliseconds(1000), "shrink"));
  h.pool->Start();
  EXPECT_EQ(h.pool->Live(), 5);
  EXPECT_TRUE(Eventually([] { return ThreadsNamed("shrink-") == 5; },
                         milliseconds(900), milliseconds(10)));
  // Idle: three end (and say so), two stay however long it lasts.
  EXPECT_TRUE(Eventually([&] { return h.pool->Live() == 2; }, seconds(5),
                         milliseconds(10)));
  EXPECT_TRUE(Eventually([] { return ThreadsNamed("shrink-") == 2; },
                         seconds(5), milliseconds(10)))
      << "ended threads must really exit";
  EXPECT_EQ(h.idle_exits.load(), 3);
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(h.pool->Live(), 2);
  EXPECT_EQ(ThreadsNamed("shrink-"), 2);
}

TEST(WorkerPoolTest, UnderATrickleOfKeysTheSpareThreadsStillEnd) {
  // A key every 40 ms, each done at once, with threads ending after 300 ms
  // idle: the queue hands keys to the thread that waited last, so one or
  // two do the work and the others end (woken in turn, each would take a
  // key every 160 ms and none would ever be idle for 300 ms).
  SystemClock clock;
  WorkQueue q(clock);
  std::atomic<int> handled{0};
  WorkerPool pool(q, Options(4, 1, milliseconds(300), "trickle"),
                  [&](int, const std::string& key) {
                    ++handled;
                    q.Done(key);
                  });
  pool.Start();
  auto until = std::chrono::steady_clock::now() + seconds(3);
  for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
    q.Add("t" + std::to_string(i));
    std::this_thread::sleep_for(milliseconds(40));
  }
  EXPECT_LE(pool.Live(), 2);
  EXPECT_GE(handled.load(), 40);
  q.ShutDown();
  pool.Join();
}

TEST(WorkerPoolTest, DelayedKeysComeDueWhileTheKeptThreadsAreBusy) {
  // One thread kept; it is held by a key. A delayed key added before or
  // after that must not wait for it: a thread starts to watch the clock.
  for (bool delayed_first : {true, false}) {
    SystemClock clock;
    WorkQueue q(clock);
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    std::atomic<bool> later{false};
    WorkerPool pool(q, Options(3, 1, milliseconds(50), "due"),
                    [&](int, const std::string& key) {
                      if (key == "held") {
                        std::unique_lock<std::mutex> l(mu);
                        cv.wait(l, [&] { return release; });
                      } else {
                        later = true;
                      }
                      q.Done(key);
                    });
    pool.Start();
    ASSERT_TRUE(Eventually([&] { return pool.Live() == 1; }, seconds(5),
                           milliseconds(10)));
    if (delayed_first) q.AddAfter("later", milliseconds(300));
    q.Add("held");
    if (!delayed_first) {
      std::this_thread::sleep_for(milliseconds(100));  // "held" is taken
      q.AddAfter("later", milliseconds(300));
    }
    EXPECT_TRUE(
        Eventually([&] { return later.load(); }, seconds(3), milliseconds(10)))
        << (delayed_first ? "delayed first" : "delayed second");
    {
      std::lock_guard<std::mutex> l(mu);
      release = true;
    }
    cv.notify_all();
    q.ShutDown();
    pool.Join();
  }
}

TEST(WorkerPoolTest, GrowsBackToTheMaximumWhenWorkWaitsAndNeverBeyond) {
  PoolHarness h(Options(4, 2, milliseconds(50), "grow"));
  h.pool->Start();
  ASSERT_TRUE(Eventually([&] { return h.pool->Live() == 2; }, seconds(5),
                         milliseconds(10)));
  // Twenty keys that each hold their thread: the two idle threads take
  // two, and the pool starts two more for the rest, no more.
  for (int i = 0; i < 20; ++i) h.queue.Add("k" + std::to_string(i));
  EXPECT_TRUE(Eventually([&] { return h.gate.Running() == 4; }, seconds(5),
                         milliseconds(5)));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(h.gate.Running(), 4);
  EXPECT_EQ(h.pool->Live(), 4);
  EXPECT_EQ(ThreadsNamed("grow-"), 4);
  h.gate.Release();
  // Every key once; the busy threads were never idle long enough to end.
  EXPECT_TRUE(Eventually([&] { return h.gate.Handled().size() == 20; },
                         seconds(5), milliseconds(5)));
  for (const auto& [key, times] : h.gate.Handled()) EXPECT_EQ(times, 1) << key;
  EXPECT_EQ(h.gate.PeakRunning(), 4);
  EXPECT_LE(h.pool->Peak(), 4);
  EXPECT_FALSE(h.gate.SlotShared()) << "two live threads in one slot";
  // And idle again: back to two.
  EXPECT_TRUE(Eventually([&] { return h.pool->Live() == 2; }, seconds(5),
                         milliseconds(10)));
}

TEST(WorkerPoolTest, AKeyAddedWhileEveryThreadIsBusyStartsOneAtOnce) {
  // One thread kept (min 1), two at most: a key added while the kept one is
  // held must not wait for it.
  PoolHarness h(Options(2, 1, milliseconds(50), "busy"));
  h.pool->Start();
  ASSERT_TRUE(Eventually([&] { return h.pool->Live() == 1; }, seconds(5),
                         milliseconds(10)));
  h.queue.Add("held");
  ASSERT_TRUE(Eventually([&] { return h.gate.Running() == 1; }, seconds(5),
                         milliseconds(5)));
  h.queue.Add("second");
  EXPECT_TRUE(Eventually([&] { return h.gate.Running() == 2; }, seconds(2),
                         milliseconds(5)))
      << "the second key waited for the busy thread";
}

TEST(WorkerPoolTest, DelayedKeysStillComeDueWithTheMinimumLeft) {
  SystemClock clock;
  WorkQueue q(clock);
  std::atomic<int> handled{0};
  WorkerPool pool(q, Options(3, 1, milliseconds(50), "delay"),
                  [&](int, const std::string& key) {
                    ++handled;
                    q.Done(key);
                  });
  pool.Start();
  ASSERT_TRUE(Eventually([&] { return pool.Live() == 1; }, seconds(5),
                         milliseconds(10)));
  q.AddAfter("later", milliseconds(300));
  EXPECT_TRUE(Eventually([&] { return handled.load() == 1; }, seconds(5),
                         milliseconds(10)));
  q.ShutDown();
  pool.Join();
  EXPECT_EQ(pool.Live(), 0);
  EXPECT_EQ(ThreadsNamed("delay-"), 0);
}

TEST(WorkerPoolTest, AMinimumAboveTheMaximumKeepsEveryThread) {
  PoolHarness h(Options(2, 8, milliseconds(20), "fixed"));
  h.pool->Start();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(h.pool->Live(), 2);
  EXPECT_EQ(h.idle_exits.load(), 0);
}

TEST(WorkerPoolTest, NoThreadStartsAfterJoin) {
  SystemClock clock;
  WorkQueue q(clock);
  WorkerPool pool(q, Options(2, 1, milliseconds(20), "joined"),
                  [&](int, const std::string& key) { q.Done(key); });
  pool.Start();
  q.ShutDown();
  pool.Join();
  q.Add("late");  // ignored by a shut-down queue; no thread either
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(pool.Live(), 0);
  EXPECT_EQ(ThreadsNamed("joined-"), 0);
}

}  // namespace
}  // namespace certstore::kube
