// The write fence (fenced_transport.h): reads always pass; a write is not
// sent once the write window is closed, and carries a timeout no longer
// than the window while it is open.
#include "operator/kube/fenced_transport.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/fake_transport.h"

namespace certstore::kube {
namespace {

using certstore::testing::FakeTransport;

// A FakeTransport whose requests `*sent` sees after FencedTransport took
// ownership of it.
std::unique_ptr<FakeTransport> Recorder(FakeTransport** sent) {
  auto t = std::make_unique<FakeTransport>();
  t->stream_result = OkStatus();
  *sent = t.get();
  return t;
}

TEST(FencedTransportTest, WritesStopWhenTheWindowClosesReadsGoOn) {
  struct Case {
    const char* method;
    std::chrono::milliseconds window;
    bool sent;
    std::chrono::seconds timeout;  // as sent
  };
  const std::vector<Case> cases = {
      {"GET", std::chrono::milliseconds(0), true, std::chrono::seconds(30)},
      {"POST", std::chrono::milliseconds(0), false, {}},
      {"PUT", std::chrono::milliseconds(-5), false, {}},
      {"PATCH", std::chrono::milliseconds(0), false, {}},
      {"DELETE", std::chrono::milliseconds(0), false, {}},
      {"PUT", std::chrono::milliseconds(3500), true, std::chrono::seconds(3)},
      {"PATCH", std::chrono::milliseconds(200), true, std::chrono::seconds(1)},
      {"POST", std::chrono::hours(24), true, std::chrono::seconds(30)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " window " +
                 std::to_string(c.window.count()) + "ms");
    FakeTransport* sent = nullptr;
    auto t = FencedTransport(Recorder(&sent), [&] { return c.window; });
    HttpRequest req;
    req.method = c.method;
    req.path = "/api/v1/namespaces/demo/secrets/app?fieldManager=x";
    auto r = t->Do(req);
    if (!c.sent) {
      EXPECT_EQ(sent->Sent(), 0u);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
      EXPECT_NE(r.status().message().find("not the leader"), std::string::npos);
      EXPECT_NE(
          r.status().message().find("/api/v1/namespaces/demo/secrets/app"),
          std::string::npos);
      EXPECT_EQ(r.status().message().find("fieldManager"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(sent->Sent(), 1u);
    EXPECT_EQ(sent->Requests()[0].timeout, c.timeout);
  }
  // Watches (reads) stream whatever the window.
  FakeTransport* sent = nullptr;
  auto t = FencedTransport(Recorder(&sent),
                           [] { return std::chrono::milliseconds(0); });
  HttpRequest watch;
  watch.verb = "WATCH";
  EXPECT_TRUE(t->Stream(
                   watch, [](int) {}, [](const std::string&) { return true; })
                  .ok());
  EXPECT_EQ(sent->Sent(), 1u);
}

}  // namespace
}  // namespace certstore::kube
