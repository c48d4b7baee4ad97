#include "operator/kube/resource_version.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace certstore::kube {
namespace {

// Whatever a server sends reads back exactly: a canonical decimal is held
// as a number, anything else as text, and neither turns into the other
// (a watch resumes from, and a precondition sends, the exact text).
TEST(ResourceVersionTest, ReadsBackExactlyAsSet) {
  for (const char* text :
       {"0", "1", "42", "1234567", "18446744073709551614",
        // Not a canonical decimal below 2^64 - 1: kept as text.
        "18446744073709551615", "99999999999999999999", "123456789012345678901",
        "007", "00", "-1", "+1", "1a", " 1", "1 ", "abc", ""}) {
    const ResourceVersion v(text);
    EXPECT_EQ(v.str(), text);
    EXPECT_EQ(v.empty(), std::string(text).empty()) << text;
    EXPECT_TRUE(v == text) << text;
    EXPECT_TRUE(v == std::string(text)) << text;
    EXPECT_FALSE(v != ResourceVersion(text)) << text;
    std::ostringstream os;
    os << v;
    EXPECT_EQ(os.str(), text);
  }
}

TEST(ResourceVersionTest, DifferentTextsAreDifferentVersions) {
  EXPECT_TRUE(ResourceVersion("1") != "01");
  EXPECT_TRUE(ResourceVersion("1") != "2");
  EXPECT_TRUE(ResourceVersion("0") != "");
  EXPECT_TRUE(ResourceVersion("18446744073709551614") !=
              std::string("18446744073709551615"));
  EXPECT_TRUE(ResourceVersion("abc") != "abd");
  EXPECT_TRUE(ResourceVersion() == "");
}

// The reason for the type: 16 bytes in every cached object, where a
// std::string takes 32.
TEST(ResourceVersionTest, TakesHalfTheRoomOfAString) {
  EXPECT_EQ(sizeof(ResourceVersion), 16u);
}

}  // namespace
}  // namespace certstore::kube
