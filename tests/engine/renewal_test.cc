// RenewalTime: default one third, renewBefore, renewBeforePercentage, and
// the fallbacks when the spec asks for the impossible.
#include "operator/engine/renewal.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/pki/pki_fixture.h"

namespace certstore::engine {
namespace {
using std::chrono::hours;
using std::chrono::minutes;

struct RenewalCase {
  const char* name;
  std::optional<std::string> renew_before;
  std::optional<int> percentage;
  hours lifetime;
  std::chrono::seconds want_before_not_after;
};

std::vector<RenewalCase> Cases() {
  return {
      {"DefaultOneThird", std::nullopt, std::nullopt, hours(2160), hours(720)},
      {"DefaultShort", std::nullopt, std::nullopt, hours(3), hours(1)},
      {"RenewBefore", "720h", std::nullopt, hours(2160), hours(720)},
      {"RenewBeforeMinutes", "90m", std::nullopt, hours(24), minutes(90)},
      {"RenewBeforeFraction", "1.5h", std::nullopt, hours(24), minutes(90)},
      {"Percentage", std::nullopt, 25, hours(2160), hours(540)},
      {"Percentage1", std::nullopt, 1, hours(100), hours(1)},
      {"Percentage99", std::nullopt, 99, hours(100), hours(99)},
      // A renewBefore as long as the (possibly clamped) lifetime would renew
      // forever: the default applies.
      {"RenewBeforeEqualLifetime", "24h", std::nullopt, hours(24), hours(8)},
      {"RenewBeforeLongerThanLifetime", "720h", std::nullopt, hours(24),
       hours(8)},
  };
}

class RenewalTimeTest : public ::testing::TestWithParam<RenewalCase> {};

TEST_P(RenewalTimeTest, IsNotAfterMinusTheRightAmount) {
  const RenewalCase& c = GetParam();
  api::KeystoreSpec spec;
  spec.renew_before = c.renew_before;
  spec.renew_before_percentage = c.percentage;
  TimePoint nb = pki::testing::TestNow();
  TimePoint na = nb + c.lifetime;
  EXPECT_EQ(RenewalTime(nb, na, spec), na - c.want_before_not_after);
}

INSTANTIATE_TEST_SUITE_P(Cases, RenewalTimeTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST(RenewalTimeTest, NeverBeforeNotBefore) {
  api::KeystoreSpec spec;
  TimePoint nb = pki::testing::TestNow();
  EXPECT_EQ(RenewalTime(nb, nb, spec), nb);
  spec.renew_before_percentage = 99;
  EXPECT_GE(RenewalTime(nb, nb + std::chrono::seconds(1), spec), nb);
}

// Jitter: never later than RenewalTime, never more than 10% of the
// issue-to-renewal interval (or an hour) earlier, the same for the same
// certificate, and spread over the window for many certificates.
TEST(JitteredRenewalTimeTest, SpreadsWithinTheWindowAndIsStable) {
  struct Case {
    const char* name;
    hours lifetime;
    std::chrono::seconds window;
  };
  // Short: renewal 2 h after notBefore, issued 5 min after it (backdating):
  // 10% of 1 h 55 min.
  for (const Case& c : {Case{"Short", hours(3), std::chrono::seconds(690)},
                        Case{"Long", hours(2160), hours(1)}}) {
    api::KeystoreSpec spec;
    TimePoint nb = pki::testing::TestNow();
    TimePoint na = nb + c.lifetime;
    TimePoint plain = RenewalTime(nb, na, spec);
    std::set<TimePoint> seen;
    TimePoint earliest = plain, latest = plain - c.window;
    for (int i = 0; i < 1000; ++i) {
      std::string seed = "AB:CD:" + std::to_string(i);
      TimePoint t = JitteredRenewalTime(nb, na, spec, seed);
      EXPECT_EQ(t, JitteredRenewalTime(nb, na, spec, seed)) << c.name;
      ASSERT_LE(t, plain) << c.name;
      ASSERT_GT(t, plain - c.window) << c.name;
      seen.insert(t);
      earliest = std::min(earliest, t);
      latest = std::max(latest, t);
    }
    // Whole seconds: 720 or 3600 possible values.
    EXPECT_GT(seen.size(), 500u) << c.name;
    // Spread over most of the window, not bunched.
    EXPECT_GT(latest - earliest, c.window * 9 / 10) << c.name;
  }
}

TEST(JitteredRenewalTimeTest, NoSeedOrNoIntervalMeansNoJitter) {
  api::KeystoreSpec spec;
  TimePoint nb = pki::testing::TestNow();
  EXPECT_EQ(JitteredRenewalTime(nb, nb + hours(3), spec, ""),
            RenewalTime(nb, nb + hours(3), spec));
  EXPECT_EQ(JitteredRenewalTime(nb, nb, spec, "AB"), nb);
  // Renewal due 10 s after issue: a window under a second, no jitter, and
  // never a renewal time before the certificate was issued.
  api::KeystoreSpec soon;
  soon.renew_before = "59m50s";
  TimePoint na = nb + std::chrono::minutes(65);
  EXPECT_EQ(JitteredRenewalTime(nb, na, soon, "AB:CD"),
            RenewalTime(nb, na, soon));
}

}  // namespace
}  // namespace certstore::engine
