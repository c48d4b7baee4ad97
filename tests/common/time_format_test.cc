#include "operator/common/time_format.h"

#include <gtest/gtest.h>

namespace certstore {
namespace {

TEST(TimeFormatTest, FormatsUtc) {
  EXPECT_EQ(FormatRfc3339(FromUtc(2026, 11, 23, 17, 53, 0)),
            "2026-11-23T17:53:00Z");
  EXPECT_EQ(FormatRfc3339(FromUtc(2000, 2, 29, 0, 0, 0)),
            "2000-02-29T00:00:00Z");
}

TEST(TimeFormatTest, ParsesZuluOffsetsAndFractions) {
  TimePoint want = FromUtc(2026, 11, 23, 17, 53, 0);
  for (const char* in :
       {"2026-11-23T17:53:00Z", "2026-11-23T18:53:00+01:00",
        "2026-11-23T17:53:00.123456Z", "2026-11-23T12:53:00-05:00"}) {
    auto t = ParseRfc3339(in);
    ASSERT_TRUE(t.ok()) << in << t.status();
    EXPECT_EQ(*t, want) << in;
  }
}

TEST(TimeFormatTest, RejectsGarbage) {
  for (const char* in : {"", "2026-11-23", "2026-13-01T00:00:00Z",
                         "2026-11-23T17:53:00", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339(in).ok()) << in;
  }
}

TEST(TimeFormatTest, RelativeTimesAsKubectlPrintsAges) {
  using std::chrono::seconds;
  TimePoint now = FromUtc(2026, 12, 1, 0, 0, 0);
  const struct {
    int64_t offset;
    const char* want;
  } cases[] = {
      {0, "now"},
      {1, "in 1s"},
      {-1, "1s ago"},
      {119, "in 119s"},
      {120, "in 2m"},
      {-7199, "119m ago"},
      {7200, "in 2h"},
      {2 * 86400 - 1, "in 47h"},
      {61 * 86400 + 3600, "in 61d"},
      {-3 * 86400, "3d ago"},
      {2 * 365 * 86400 - 1, "in 729d"},
      {10 * 365 * 86400, "in 10y"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(FormatRelative(now + seconds(c.offset), now), c.want) << c.offset;
}

}  // namespace
}  // namespace certstore
