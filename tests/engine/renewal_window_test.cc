// Maintenance windows (engine/renewal_window.h): when a due renewal waits,
// and when it goes on regardless. Every time is an injected UTC instant.
#include "operator/engine/renewal_window.h"

#include <gtest/gtest.h>

#include <set>

#include "operator/common/time_format.h"

namespace certstore::engine {
namespace {

TimePoint At(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : TimePoint();
}

api::RenewalWindow Window(const std::string& start, const std::string& d,
                          std::vector<std::string> days = {}) {
  return {start, d, std::move(days)};
}

TEST(RenewalWindowTest, KnowsWhetherAWindowIsOpenAndWhenTheNextOneOpens) {
  // 2026-12-02 is a Wednesday.
  struct Case {
    const char* name;
    std::vector<api::RenewalWindow> windows;
    std::string now;
    bool open;
    std::string next;  // "" for none
  } cases[] = {
      {"inside a daily window",
       {Window("02:00", "4h")},
       "2026-12-02T03:00:00Z",
       true,
       "2026-12-03T02:00:00Z"},
      {"before today's window",
       {Window("02:00", "4h")},
       "2026-12-02T01:00:00Z",
       false,
       "2026-12-02T02:00:00Z"},
      {"after today's window",
       {Window("02:00", "4h")},
       "2026-12-02T06:00:00Z",
       false,
       "2026-12-03T02:00:00Z"},
      {"yesterday's window running past midnight",
       {Window("22:00", "4h")},
       "2026-12-02T01:30:00Z",
       true,
       "2026-12-02T22:00:00Z"},
      {"weekend only, on a Wednesday",
       {Window("01:00", "2h", {"Sat", "Sun"})},
       "2026-12-02T01:30:00Z",
       false,
       "2026-12-05T01:00:00Z"},
      {"the earliest of two windows",
       {Window("20:00", "1h"), Window("09:00", "1h")},
       "2026-12-02T08:00:00Z",
       false,
       "2026-12-02T09:00:00Z"},
      {"no windows", {}, "2026-12-02T08:00:00Z", false, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    WindowState w = WindowAt(c.windows, At(c.now));
    EXPECT_EQ(w.open, c.open);
    EXPECT_EQ(w.next_open ? FormatRfc3339(*w.next_open) : "", c.next);
  }
}

TEST(RenewalWindowTest, ADueRenewalWaitsUntilAWindowOrUntilItIsUrgent) {
  api::RenewalSpec spec;
  spec.windows = {Window("02:00", "1h", {"Sat"})};
  TimePoint renewal = At("2026-12-01T00:00:00Z");
  TimePoint not_after = At("2026-12-31T00:00:00Z");

  // Wednesday, outside: waits for Saturday 02:00.
  RenewalGate g =
      GateRenewal(&spec, renewal, not_after, At("2026-12-02T12:00:00Z"));
  EXPECT_TRUE(g.wait);
  ASSERT_TRUE(g.until);
  EXPECT_EQ(FormatRfc3339(*g.until), "2026-12-05T02:00:00Z");
  EXPECT_NE(g.message.find("waits for the next maintenance window (opens at "
                           "2026-12-05T02:00:00Z): renews at "
                           "2026-12-05T02:00:00Z"),
            std::string::npos)
      << g.message;
  // Default urgency: halfway between the renewal time and notAfter.
  EXPECT_NE(g.message.find("from 2026-12-16T00:00:00Z"), std::string::npos)
      << g.message;

  // Saturday, inside: goes on.
  g = GateRenewal(&spec, renewal, not_after, At("2026-12-05T02:30:00Z"));
  EXPECT_FALSE(g.wait);
  EXPECT_NE(g.message.find("inside a maintenance window"), std::string::npos);

  // Urgent (explicit urgentBefore): goes on outside a window and says so.
  spec.urgent_before = "720h";  // 30 days: urgent from 2026-12-01
  g = GateRenewal(&spec, renewal, not_after, At("2026-12-02T12:00:00Z"));
  EXPECT_FALSE(g.wait);
  EXPECT_NE(g.message.find("urgent"), std::string::npos) << g.message;

  // Urgency comes before the next window: the wait ends then.
  spec.urgent_before = "673h";  // urgent at 2026-12-02T23:00:00Z
  g = GateRenewal(&spec, renewal, not_after, At("2026-12-02T12:00:00Z"));
  EXPECT_TRUE(g.wait);
  EXPECT_EQ(FormatRfc3339(*g.until), "2026-12-02T23:00:00Z");

  // Certificates waiting for the same window are spread over its first
  // half (by fingerprint), not all woken in its first second.
  spec.urgent_before.reset();
  std::set<std::string> wake;
  for (const char* fp : {"AA:01", "BB:02", "CC:03", "DD:04"}) {
    g = GateRenewal(&spec, renewal, not_after, At("2026-12-02T12:00:00Z"), fp);
    ASSERT_TRUE(g.wait && g.until);
    EXPECT_GE(*g.until, At("2026-12-05T02:00:00Z")) << fp;
    EXPECT_LT(*g.until, At("2026-12-05T02:30:00Z")) << fp;
    EXPECT_EQ(g.until, GateRenewal(&spec, renewal, not_after,
                                   At("2026-12-03T12:00:00Z"), fp)
                           .until)
        << "the same time on every look";
    wake.insert(FormatRfc3339(*g.until));
  }
  EXPECT_GT(wake.size(), 1u);

  // Without windows nothing waits and nothing is said.
  g = GateRenewal(nullptr, renewal, not_after, At("2026-12-02T12:00:00Z"));
  EXPECT_FALSE(g.wait);
  EXPECT_EQ(g.message, "");
}

}  // namespace
}  // namespace certstore::engine
