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

}  // namespace
}  // namespace certstore
