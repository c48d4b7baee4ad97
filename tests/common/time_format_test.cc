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

}  // namespace
}  // namespace certstore
