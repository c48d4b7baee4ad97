// What /healthz calls stuck (health.h): each condition alone fails the
// verdict with a line naming it, and an idle, quiet operator is healthy.
#include "operator/controller/health.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace certstore::controller {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const SteadyTime kStart = SteadyTime() + std::chrono::hours(1000);

HealthOptions Options() {
  HealthOptions o;
  o.api_silence = seconds(60);
  o.reconcile_budget = minutes(2);
  o.watch_silence = minutes(10);
  return o;
}

TEST(HealthMonitorTest, AnIdleQuietOperatorIsHealthy) {
  HealthMonitor h(Options(), kStart);
  // Hours without a reconcile or an event, heartbeats answered.
  SteadyTime now = kStart + std::chrono::hours(5);
  h.Heartbeat(OkStatus(), now - seconds(5));
  HealthReport r = h.Check(now, 0, {{"certstores", now - minutes(4)}});
  EXPECT_TRUE(r.healthy);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.longest_reconcile_seconds, 0);
}

TEST(HealthMonitorTest, EachStallFailsWithALineNamingIt) {
  struct Case {
    const char* name;
    std::function<HealthReport(HealthMonitor&, SteadyTime)> run;
    const char* expect;  // a substring of the one problem line
  };
  std::vector<Case> cases = {
      {"api server silent",
       [](HealthMonitor& h, SteadyTime now) {
         h.Heartbeat(OkStatus(), now - seconds(61));
         h.Heartbeat(UnavailableError("connection timed out"),
                     now - seconds(1));
         return h.Check(now, 0, {});
       },
       "API server silent for 61s (limit 60s): connection timed out"},
      {"reconcile over budget",
       [](HealthMonitor& h, SteadyTime now) {
         h.Heartbeat(OkStatus(), now);
         h.Begin(0, "cs:demo/app", now - seconds(121));
         return h.Check(now, 0, {});
       },
       "reconcile of cs:demo/app running for 121s (budget 120s)"},
      {"queue not draining",
       [](HealthMonitor& h, SteadyTime now) {
         h.Heartbeat(OkStatus(), now);
         h.Begin(1, "cs:demo/a", now - minutes(10));
         h.End(1, now - minutes(3));
         return h.Check(now, 4, {});
       },
       "work queue not draining: 4 keys ready"},
      {"cache without progress",
       [](HealthMonitor& h, SteadyTime now) {
         h.Heartbeat(OkStatus(), now);
         return h.Check(now, 0,
                        {{"secrets", now - minutes(11)}, {"certstores", now}});
       },
       "cache of secrets made no progress for 660s"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    HealthMonitor h(Options(), kStart);
    HealthReport r = c.run(h, kStart + std::chrono::hours(1));
    EXPECT_FALSE(r.healthy);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find(c.expect), std::string::npos) << r.problems[0];
  }
}

TEST(HealthMonitorTest, ARecoveredConditionClearsTheVerdict) {
  HealthMonitor h(Options(), kStart);
  SteadyTime now = kStart + minutes(5);
  h.Begin(0, "cs:demo/app", now - minutes(3));
  h.Heartbeat(OkStatus(), now);
  HealthReport stuck = h.Check(now, 0, {});
  EXPECT_FALSE(stuck.healthy);
  EXPECT_NEAR(stuck.longest_reconcile_seconds, 180, 0.01);
  h.End(0, now + seconds(1));
  HealthReport r = h.Check(now + seconds(2), 0, {});
  EXPECT_TRUE(r.healthy);
  EXPECT_EQ(r.longest_reconcile_seconds, 0);
  // A busy queue is fine while reconciles keep starting.
  h.Begin(0, "cs:demo/b", now + seconds(3));
  EXPECT_TRUE(h.Check(now + seconds(4), 50, {}).healthy);
}

}  // namespace
}  // namespace certstore::controller
