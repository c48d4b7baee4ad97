// Leader election rounds against an in-memory Lease (a fake transport that
// keeps one Lease and answers GET, POST and PUT with resourceVersion
// preconditions like the API server) and a fake clock.
#include "operator/kube/leader_election.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>

namespace certstore::kube {
namespace {

std::string Field(const std::string& json, const std::string& name) {
  std::smatch m;
  std::regex quoted("\"" + name + "\":\"([^\"]*)\"");
  if (std::regex_search(json, m, quoted)) return m[1];
  std::regex number("\"" + name + "\":([0-9]+)");
  if (std::regex_search(json, m, number)) return m[1];
  return "";
}

class LeaseServer : public Transport {
 public:
  StatusOr<HttpResponse> Do(const HttpRequest& req) override {
    if (req.method == "GET") {
      if (on_get) on_get();
      if (!exists)
        return HttpResponse{404, R"({"kind":"Status","code":404})", {}};
      return HttpResponse{200, Body(), {}};
    }
    if (req.method == "POST") {
      if (exists)
        return HttpResponse{
            409,
            R"({"kind":"Status","reason":"AlreadyExists","code":409})",
            {}};
      exists = true;
      Store(req.body);
      return HttpResponse{201, Body(), {}};
    }
    if (req.method == "PUT") {
      if (on_put) on_put();
      ++puts;
      if (!exists)
        return HttpResponse{404, R"({"kind":"Status","code":404})", {}};
      if (Field(req.body, "resourceVersion") != std::to_string(rv))
        return HttpResponse{
            409, R"({"kind":"Status","reason":"Conflict","code":409})", {}};
      Store(req.body);
      return HttpResponse{200, Body(), {}};
    }
    return HttpResponse{405, "{}", {}};
  }
  Status Stream(const HttpRequest&, const std::function<void(int)>&,
                const std::function<bool(const std::string&)>&) override {
    return UnimplementedError("no streams");
  }
  void Cancel() override {}

  // Another candidate writes the Lease (a renewal when it already holds it).
  void WriteAs(const std::string& who, const std::string& renew_time) {
    exists = true;
    holder = who;
    renew = renew_time;
    duration = "15";
    ++rv;
  }

  bool exists = false;
  std::string holder, renew, duration = "15", transitions = "0";
  int rv = 0, puts = 0;
  std::function<void()> on_get, on_put;  // run before the request

 private:
  void Store(const std::string& body) {
    holder = Field(body, "holderIdentity");
    renew = Field(body, "renewTime");
    duration = Field(body, "leaseDurationSeconds");
    transitions = Field(body, "leaseTransitions");
    ++rv;
  }
  std::string Body() const {
    return R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"certstore-operator","namespace":"ops","resourceVersion":")" +
           std::to_string(rv) + R"("},"spec":{"holderIdentity":")" + holder +
           R"(","leaseDurationSeconds":)" + duration + R"(,"renewTime":")" +
           renew + R"(","leaseTransitions":)" + transitions + "}}";
  }
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  LeaderElectionTest() : clock_(TimePoint(std::chrono::seconds(1800000000))) {}
  LeaderElector Candidate(const std::string& id) {
    LeaderElectionConfig c;
    c.ns = "ops";
    c.identity = id;
    return LeaderElector(client_, c, clock_);
  }
  LeaseServer server_;
  Client client_{server_};
  FakeClock clock_;
};

TEST_F(LeaderElectionTest, CreatesAMissingLeaseAndRenewsIt) {
  LeaderElector a = Candidate("a");
  auto r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  EXPECT_TRUE(a.IsLeader());
  EXPECT_EQ(server_.holder, "a");
  std::string first = server_.renew;
  clock_.Advance(std::chrono::seconds(2));
  r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_NE(server_.renew, first) << "a renewal moves renewTime";
  EXPECT_EQ(server_.transitions, "0");
}

TEST_F(LeaderElectionTest, TakesOverOnlyAfterALeaseDurationWithoutRenewal) {
  server_.WriteAs("b", "t0");
  LeaderElector a = Candidate("a");
  auto r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  // b keeps renewing: a never takes over, however long it watches.
  for (int i = 1; i <= 20; ++i) {
    clock_.Advance(std::chrono::seconds(2));
    server_.WriteAs("b", "t" + std::to_string(i));
    r = a.TryAcquireOrRenew();
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r) << "round " << i;
  }
  EXPECT_EQ(server_.puts, 0);
  // b dies: 14 s without a change is not enough, 15 s is.
  clock_.Advance(std::chrono::seconds(14));
  r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  clock_.Advance(std::chrono::seconds(1));
  r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(server_.holder, "a");
  EXPECT_EQ(server_.transitions, "1");
}

TEST_F(LeaderElectionTest, ASlowReadDoesNotAgeAnotherHoldersLease) {
  server_.WriteAs("b", "t0");
  LeaderElector a = Candidate("a");
  ASSERT_TRUE(a.TryAcquireOrRenew().ok());
  // a's next read takes 20 s (a starved process); b renewed during it. The
  // renewal a sees is fresh: a must not count the time before its read.
  server_.on_get = [&] {
    clock_.Advance(std::chrono::seconds(20));
    server_.WriteAs("b", "t1");
  };
  auto r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  server_.on_get = nullptr;
  clock_.Advance(std::chrono::seconds(10));
  r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r) << "10 s after seeing b's renewal, b still holds the Lease";
  EXPECT_EQ(server_.holder, "b");
}

TEST_F(LeaderElectionTest, LosingTheWriteRaceIsAbortedNotLeadership) {
  server_.WriteAs("", "t0");  // released: free for anyone
  LeaderElector a = Candidate("a");
  // b writes between a's read and a's write: a's write carries the version
  // it read and is refused.
  server_.on_put = [&] {
    server_.on_put = nullptr;
    server_.WriteAs("b", "t1");
  };
  auto r = a.TryAcquireOrRenew();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(server_.holder, "b");
  // Next round a sees b's fresh Lease and stays a candidate.
  r = a.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST_F(LeaderElectionTest, ReleaseHandsTheLeaseOverAtOnce) {
  LeaderElector a = Candidate("a");
  LeaderElector b = Candidate("b");
  ASSERT_TRUE(*a.TryAcquireOrRenew());
  ASSERT_FALSE(*b.TryAcquireOrRenew());
  ASSERT_TRUE(a.Release().ok());
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(server_.holder, "");
  // No lease duration to wait for.
  auto r = b.TryAcquireOrRenew();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(server_.holder, "b");
}

// Fencing: the right to write runs out at the renew deadline, counted from
// the start of the last successful renewal on the monotonic clock, even
// while the next renewal hangs; a wall-clock step changes nothing.
TEST_F(LeaderElectionTest, WritesStopAtTheRenewDeadlineWhileARenewalHangs) {
  LeaderElector a = Candidate("a");
  ASSERT_TRUE(a.TryAcquireOrRenew().ok());
  EXPECT_TRUE(a.MayWrite());
  EXPECT_EQ(a.WriteWindow(), std::chrono::seconds(10));
  // A wall-clock step backwards or forwards: the window is unchanged.
  clock_.Set(clock_.Now() + std::chrono::hours(3));
  EXPECT_EQ(a.WriteWindow(), std::chrono::seconds(10));
  clock_.Set(clock_.Now() - std::chrono::hours(6));
  EXPECT_TRUE(a.MayWrite());

  // A second later the next renewal starts, and hangs in its GET.
  clock_.Advance(std::chrono::seconds(1));
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  server_.on_get = [&] {
    std::unique_lock<std::mutex> l(mu);
    entered = true;
    cv.notify_all();
    cv.wait(l, [&] { return release; });
  };
  std::thread renewal([&] { (void)a.TryAcquireOrRenew(); });
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return entered; });
  }
  clock_.Advance(std::chrono::milliseconds(8900));
  EXPECT_TRUE(a.MayWrite());
  EXPECT_TRUE(a.IsLeader());
  clock_.Advance(std::chrono::milliseconds(100));
  EXPECT_FALSE(a.MayWrite())
      << "the renew deadline passed while the renewal hung";
  EXPECT_EQ(a.WriteWindow().count(), 0);
  {
    std::lock_guard<std::mutex> l(mu);
    release = true;
    cv.notify_all();
  }
  renewal.join();
  // The late renewal succeeded (no one else took the Lease): writes resume,
  // but only until 10 s after that renewal *started*.
  EXPECT_TRUE(a.MayWrite());
  EXPECT_EQ(a.WriteWindow(), std::chrono::milliseconds(1000));
}

TEST(LeaseClientOptionsTest, LeaseCallsAreShortAndNeverSleepOnThrottling) {
  LeaderElectionConfig c;
  ClientOptions o = LeaseClientOptions(c);
  EXPECT_EQ(o.timeout,
            std::chrono::seconds(5));  // half the 10 s renew deadline
  EXPECT_EQ(o.max_throttle_retries, 0);
  c.renew_deadline = std::chrono::seconds(1);
  EXPECT_EQ(LeaseClientOptions(c).timeout, std::chrono::seconds(1));
}

}  // namespace
}  // namespace certstore::kube
