#include "operator/common/lean_string.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace certstore {
namespace {

std::string Json() {
  return R"({"kind":"Secret","data":{"tls.key":"c2VjcmV0"}})";
}

TEST(LeanStringTest, ReadsLikeTheStringItHolds) {
  LeanString s = Json();
  const std::string& ref = s;
  EXPECT_EQ(ref, Json());
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s.size(), Json().size());
  EXPECT_EQ(std::string(s.data(), s.size()), Json());
  EXPECT_EQ(s.find("tls.key"), Json().find("tls.key"));
  EXPECT_EQ(s.find('"', 2), Json().find('"', 2));
  EXPECT_EQ(s.substr(2, 4), "kind");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), Json());
}

TEST(LeanStringTest, EmptyHoldsNothing) {
  LeanString s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.str(), "");
  EXPECT_EQ(s.find("x"), std::string::npos);
  s = std::string();
  EXPECT_TRUE(s.empty());
  s = "text";
  EXPECT_EQ(s.str(), "text");
  s.clear();
  EXPECT_TRUE(s.empty());
  // The reason for the type: an informer's cached object keeps this field
  // empty once decoded, and pays one pointer for it.
  EXPECT_EQ(sizeof(LeanString), sizeof(void*));
}

TEST(LeanStringTest, CopiesAreIndependent) {
  LeanString a = Json();
  LeanString b = a;
  b = "other";
  EXPECT_EQ(a.str(), Json());
  a = b;
  EXPECT_EQ(a.str(), "other");
  b.WipeAndClear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(a.str(), "other");
  LeanString moved = std::move(a);
  EXPECT_EQ(moved.str(), "other");
}

}  // namespace
}  // namespace certstore
