#include "operator/common/base64.h"

#include <gtest/gtest.h>

namespace certstore {
namespace {

TEST(Base64Test, RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    auto back = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, data);
    data += static_cast<char>(i * 37);
  }
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
}

TEST(Base64Test, IgnoresWhitespace) {
  auto d = Base64Decode("Zm9v\nYmFy\r\n");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, "foobar");
}

TEST(Base64Test, RejectsBadInputWithoutEchoingIt) {
  const char* bad[] = {"Zm9", "Zm9v!", "Zg==Zg==", "Z===", "secret-ish$$"};
  for (const char* in : bad) {
    auto d = Base64Decode(in);
    ASSERT_FALSE(d.ok()) << in;
    EXPECT_EQ(d.status().message().find(in), std::string::npos);
  }
}

}  // namespace
}  // namespace certstore
