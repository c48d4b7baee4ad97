// Posting Events off the reconcile path: order kept, a bounded queue, a
// flush on Stop, inline sends before Start. (Aggregation against the real
// API server: kube_client_it_test EventRecorderAggregatesRepeats.)
#include "operator/kube/event_recorder.h"

#include <gtest/gtest.h>

#include "tests/support/fake_transport.h"

namespace certstore::kube {
namespace {

using certstore::testing::FakeTransport;

// A recorder whose sender is running against a server that holds every
// request until Release().
class StartedRecorderTest : public ::testing::Test {
 protected:
  StartedRecorderTest() {
    t_.Hold();
    rec_.Start(nullptr);
  }
  FakeTransport t_;
  Client c_{t_};
  EventRecorder rec_{c_, "certstore-operator", "pod-a", "ops",
                     SystemClock::Get()};
};

ObjectReference Ref(const std::string& name) {
  return ObjectReference{"certstore.dev/v1alpha1", "CertStore", "team", name,
                         "uid-" + name};
}

TEST(EventRecorderTest, BeforeStartPostSendsInline) {
  FakeTransport t;
  Client c(t);
  EventRecorder rec(c, "certstore-operator", "pod-a", "ops",
                    SystemClock::Get());
  rec.Post(Ref("a"), "Normal", "Issued", "issued");
  EXPECT_EQ(t.Sent(), 1u);
}

TEST_F(StartedRecorderTest, PostReturnsAtOnceAndStopSendsEverythingInOrder) {
  for (int i = 0; i < 5; ++i)
    rec_.Post(Ref("cs" + std::to_string(i)), "Normal", "Issued", "issued");
  // Nothing waited for the (held) server.
  EXPECT_EQ(t_.Sent(), 0u);
  t_.Release();
  rec_.Stop(std::chrono::seconds(10));
  ASSERT_EQ(t_.Sent(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(
        t_.Requests()[i].body.find("\"name\":\"cs" + std::to_string(i) + "\""),
        std::string::npos)
        << "Event " << i << " out of order: " << t_.Requests()[i].body;
  EXPECT_EQ(rec_.dropped(), 0);
  // After Stop, Post records inline again.
  rec_.Post(Ref("late"), "Normal", "Issued", "issued");
  EXPECT_EQ(t_.Sent(), 6u);
}

TEST_F(StartedRecorderTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  const size_t n = EventRecorder::kMaxPending + 50;
  for (size_t i = 0; i < n; ++i)
    rec_.Post(Ref("cs" + std::to_string(i)), "Normal", "Issued", "issued");
  // One may be in flight (off the queue) when the queue filled.
  EXPECT_GE(rec_.dropped(), 49);
  EXPECT_LE(rec_.dropped(), 50);
  t_.Release();
  rec_.Stop(std::chrono::seconds(30));
  EXPECT_EQ(t_.Sent() + static_cast<size_t>(rec_.dropped()), n);
}

TEST_F(StartedRecorderTest, StopGivesUpAfterItsDeadline) {
  for (int i = 0; i < 3; ++i)
    rec_.Post(Ref("cs" + std::to_string(i)), "Normal", "Issued", "issued");
  std::thread unblock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    t_.Release();
  });
  // The first send is stuck past the deadline: the rest are dropped.
  rec_.Stop(std::chrono::milliseconds(100));
  unblock.join();
  EXPECT_EQ(t_.Sent(), 1u);
  EXPECT_EQ(rec_.dropped(), 2);
}

}  // namespace
}  // namespace certstore::kube
