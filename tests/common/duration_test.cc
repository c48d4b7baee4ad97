#include "operator/common/duration.h"

#include <gtest/gtest.h>

namespace certstore {
namespace {

TEST(DurationTest, ParsesGoDurations) {
  struct Case {
    const char* in;
    int64_t secs;
  } cases[] = {
      {"2160h", 2160 * 3600}, {"1h30m", 5400}, {"90s", 90},
      {"1.5h", 5400},         {"0", 0},        {"0s", 0},
      {"500ms", 0},           {"1m0.5s", 60},  {"87600h", 315360000},
  };
  for (const auto& c : cases) {
    auto d = ParseGoDuration(c.in);
    ASSERT_TRUE(d.ok()) << c.in << ": " << d.status();
    EXPECT_EQ(d->count(), c.secs) << c.in;
  }
}

TEST(DurationTest, RejectsBadInputWithTheText) {
  const char* bad[] = {"",       "10",  "h",   "-1h", "1d",
                       "1.2.3h", "1 h", "abc", "1hx"};
  for (const char* in : bad) {
    auto d = ParseGoDuration(in);
    ASSERT_FALSE(d.ok()) << in;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(d.status().message().find(std::string("\"") + in + "\""),
              std::string::npos)
        << d.status();
  }
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(std::chrono::hours(2160)), "2160h0m0s");
  EXPECT_EQ(FormatGoDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(std::chrono::seconds(0)), "0s");
}

}  // namespace
}  // namespace certstore
