#include "operator/kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "operator/common/time_format.h"

namespace certstore::kube {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kNoWait{0};

TEST(WorkQueueTest, CollapsesDuplicates) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock);
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(kNoWait), "a");
  EXPECT_EQ(q.Get(kNoWait), "b");
  EXPECT_EQ(q.Get(kNoWait), std::nullopt);
}

TEST(WorkQueueTest, NeverHandsOneKeyToTwoWorkers) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock);
  q.Add("a");
  ASSERT_EQ(q.Get(kNoWait), "a");
  q.Add("a");  // re-added while processing
  EXPECT_EQ(q.Get(kNoWait), std::nullopt) << "second worker must not get a";
  q.Done("a");
  EXPECT_EQ(q.Get(kNoWait), "a") << "re-added key comes back after Done";
  q.Done("a");
  EXPECT_EQ(q.Get(kNoWait), std::nullopt);
}

TEST(WorkQueueTest, DelayedAddsFollowTheInjectedClock) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock);
  q.AddAfter("late", std::chrono::hours(1));
  q.AddAfter("soon", std::chrono::minutes(1));
  q.AddAfter("soon", std::chrono::hours(2));  // earliest wins
  EXPECT_EQ(q.Get(kNoWait), std::nullopt);
  EXPECT_EQ(q.DelayedLen(), 2u);
  clock.Advance(std::chrono::minutes(1));
  q.Wake();
  EXPECT_EQ(q.Get(kNoWait), "soon");
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(q.Get(kNoWait), "late");
  // A plain Add of a delayed key makes it due now.
  q.AddAfter("x", std::chrono::hours(5));
  q.Add("x");
  EXPECT_EQ(q.Get(kNoWait), "x");
  EXPECT_EQ(q.DelayedLen(), 0u);
}

TEST(WorkQueueTest, ManyDelayedKeysComeOutOnceEachInTheOrderTheyAreDue) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock);
  // Keys as long as real ones ("cs:namespace/name"), each delayed, then
  // half of them moved sooner and some made due at once.
  auto key = [](int i) {
    return "cs:a-namespace-long-enough-for-the-heap/certstore-" +
           std::to_string(i);
  };
  for (int i = 0; i < 200; ++i)
    q.AddAfter(key(i), std::chrono::minutes(1000 - i));
  for (int i = 0; i < 200; i += 2)
    q.AddAfter(key(i), std::chrono::minutes(1 + i));  // sooner: wins
  for (int i = 1; i < 10; i += 2) q.Add(key(i));      // due now
  EXPECT_EQ(q.DelayedLen(), 195u);
  std::vector<std::string> out;
  for (auto k = q.Get(kNoWait); k; k = q.Get(kNoWait)) {
    out.push_back(*k);
    q.Done(*k);
  }
  EXPECT_EQ(out,
            (std::vector<std::string>{key(1), key(3), key(5), key(7), key(9)}));
  clock.Advance(std::chrono::minutes(1000));
  q.Wake();
  out.clear();
  for (auto k = q.Get(kNoWait); k; k = q.Get(kNoWait)) {
    out.push_back(*k);
    q.Done(*k);
  }
  ASSERT_EQ(out.size(), 195u);
  // The even keys first (due at 1, 3, 5, ... minutes), then the odd ones
  // from the latest-added (due soonest) on.
  EXPECT_EQ(out[0], key(0));
  EXPECT_EQ(out[99], key(198));
  EXPECT_EQ(out[100], key(199));
  EXPECT_EQ(out.back(), key(11));
  EXPECT_EQ(q.DelayedLen(), 0u);
}

TEST(WorkQueueTest, RateLimitedBackoffDoublesUpToTheCapAndForgetResets) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock, {milliseconds(100), milliseconds(1000)});
  milliseconds expected[] = {milliseconds(100),  milliseconds(200),
                             milliseconds(400),  milliseconds(800),
                             milliseconds(1000), milliseconds(1000)};
  for (milliseconds want : expected) {
    q.AddRateLimited("k");
    clock.Advance(want - milliseconds(1));
    EXPECT_EQ(q.Get(kNoWait), std::nullopt) << want.count();
    clock.Advance(milliseconds(1));
    ASSERT_EQ(q.Get(kNoWait), "k") << want.count();
    q.Done("k");
  }
  EXPECT_EQ(q.Failures("k"), 6);
  q.Forget("k");
  EXPECT_EQ(q.Failures("k"), 0);
}

TEST(WorkQueueTest, ShutDownWakesBlockedWorkers) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock);
  std::atomic<int> finished{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i)
    workers.emplace_back([&] {
      EXPECT_EQ(q.Get(), std::nullopt);
      ++finished;
    });
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(finished.load(), 3);
  q.Add("after");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, ConcurrentWorkersProcessEachKeyOnceAtATime) {
  FakeClock clock(FromUtc(2026, 1, 1, 0, 0, 0));
  WorkQueue q(clock);
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<int> processed{0}, overlaps{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i)
    workers.emplace_back([&] {
      while (auto k = q.Get()) {
        {
          std::lock_guard<std::mutex> l(mu);
          if (!in_flight.insert(*k).second) ++overlaps;
        }
        std::this_thread::yield();
        {
          std::lock_guard<std::mutex> l(mu);
          in_flight.erase(*k);
        }
        ++processed;
        q.Done(*k);
      }
    });
  for (int round = 0; round < 200; ++round)
    for (int k = 0; k < 10; ++k) q.Add("key" + std::to_string(k));
  while (q.Len() > 0) std::this_thread::yield();
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), 10);
}

TEST(WorkQueueTest, AsksForAWorkerOnlyWhenReadyKeysOutnumberWaitingOnes) {
  SystemClock clock;
  WorkQueue q(clock);
  std::atomic<int> asked{0};
  q.SetDemandObserver([&] { ++asked; });
  q.Add("nobody-waits");
  EXPECT_EQ(asked.load(), 1);
  ASSERT_EQ(q.Get(kNoWait), "nobody-waits");
  q.Done("nobody-waits");
  // One Get() waiting: the first key is its; a second one asks.
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = q.Get(std::chrono::seconds(5)).has_value(); });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (q.Waiting() == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(1));
  ASSERT_EQ(q.Waiting(), 1u);
  q.Add("for-the-waiter");
  EXPECT_EQ(asked.load(), 1) << "a waiting Get() was there to take it";
  waiter.join();
  EXPECT_TRUE(got.load());
  // A key re-added while processing is not ready until Done(), which
  // finds no one waiting: that asks.
  q.Add("for-the-waiter");
  EXPECT_EQ(asked.load(), 1);
  q.Done("for-the-waiter");
  EXPECT_EQ(asked.load(), 2);
  // A Get() that leaves keys behind with no other waiter asks.
  q.Add("x");
  asked = 0;
  ASSERT_TRUE(q.Get(kNoWait).has_value());
  EXPECT_EQ(asked.load(), 1) << "two ready, one taken, none waiting";
  q.SetDemandObserver(nullptr);
  q.Add("y");  // no observer: nothing called
  EXPECT_EQ(asked.load(), 1);
}

TEST(WorkQueueTest, ANewEarliestDelayedKeyWakesAWaiterToWatchIt) {
  SystemClock clock;
  WorkQueue q(clock);
  q.AddAfter("far", std::chrono::hours(1));
  std::optional<std::string> got;
  std::thread waiter([&] { got = q.Get(std::chrono::seconds(5)); });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (q.Waiting() == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(1));
  ASSERT_EQ(q.Waiting(), 1u);
  // The waiter sleeps toward "far" (at most a second at a time); a key due
  // in 50 ms must not wait for that second.
  auto added = std::chrono::steady_clock::now();
  q.AddAfter("soon", milliseconds(50));
  waiter.join();
  EXPECT_EQ(got, "soon");
  EXPECT_LT(std::chrono::steady_clock::now() - added, milliseconds(700));
}

TEST(WorkQueueTest, AWaiterTakingAKeyHandsOnTheWatchOfOneDueSoon) {
  // Two waiting Get() calls. A delayed key wakes the last to wait, which
  // sleeps toward it; a ready key then takes that same waiter away: the
  // other must be told, not find the delayed key at its next 1 s tick.
  SystemClock clock;
  WorkQueue q(clock);
  std::optional<std::string> got[2];
  std::chrono::steady_clock::time_point at[2];
  std::thread waiters[2];
  for (int i = 0; i < 2; ++i) {
    waiters[i] = std::thread([&, i] {
      got[i] = q.Get(std::chrono::seconds(5));
      at[i] = std::chrono::steady_clock::now();
    });
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (q.Waiting() != static_cast<size_t>(i + 1) &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(q.Waiting(), 2u);
  auto added = std::chrono::steady_clock::now();
  q.AddAfter("soon", milliseconds(300));
  std::this_thread::sleep_for(milliseconds(20));
  q.Add("ready");
  for (auto& t : waiters) t.join();
  int soon = got[0] == "soon" ? 0 : 1;
  EXPECT_EQ(got[soon], "soon");
  EXPECT_EQ(got[1 - soon], "ready");
  EXPECT_LT(at[soon] - added, milliseconds(800));
}

}  // namespace
}  // namespace certstore::kube
