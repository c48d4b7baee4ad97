// RenewalTime: default one third, renewBefore, renewBeforePercentage, and
// the fallbacks when the spec asks for the impossible.
#include "operator/controller/renewal.h"

#include <gtest/gtest.h>

#include "tests/pki/pki_fixture.h"

namespace certstore::controller {
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

}  // namespace
}  // namespace certstore::controller
