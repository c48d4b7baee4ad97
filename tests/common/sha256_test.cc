// Digests as every seal, data digest and fingerprint comparison reads them:
// lowercase hex of the standard values.
#include "operator/common/sha256.h"

#include <gtest/gtest.h>

namespace certstore {
namespace {

TEST(Sha256Test, HexOfTheStandardTestVectors) {
  // FIPS 180-2 "abc" and the empty message.
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(std::string("\0\xff", 2)).size(), 64u);
}

TEST(Sha256Test, HmacOfTheRfc4231Vector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// A digest kept as bytes reads back as the same hex, and only a whole
// 64-digit digest becomes one.
TEST(Sha256Test, BytesRoundTripAndRefuseWhatIsNotADigest) {
  std::string hex = Sha256Hex("abc");
  Sha256Bytes b = Sha256Bytes::FromHex(hex);
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.Hex(), hex);
  EXPECT_EQ(
      Sha256Bytes::FromHex(
          "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
      b);
  EXPECT_NE(Sha256Bytes::FromHex(Sha256Hex("abd")), b);
  struct Case {
    const char* what;
    std::string hex;
  } bad[] = {
      {"empty (a failed digest)", ""},
      {"one digit short", hex.substr(1)},
      {"one digit long", hex + "0"},
      {"not a hex digit", "g" + hex.substr(1)},
      {"a space inside", hex.substr(0, 10) + " " + hex.substr(11)},
  };
  for (const auto& c : bad) {
    Sha256Bytes d = Sha256Bytes::FromHex(c.hex);
    EXPECT_TRUE(d.empty()) << c.what;
    EXPECT_EQ(d.Hex(), "") << c.what;
    EXPECT_NE(d, b) << c.what;
    EXPECT_EQ(d, Sha256Bytes()) << c.what;
  }
}

}  // namespace
}  // namespace certstore
