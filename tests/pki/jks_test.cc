#include "operator/pki/jks.h"

#include <gtest/gtest.h>

#include "operator/pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::pki {
namespace {
using testing::MustKey;
using testing::MustLeaf;
using testing::MustRoot;
using testing::ServerSpec;
using testing::TestNow;

class JksTest : public ::testing::Test {
 protected:
  JksTest()
      : clock_(TestNow()),
        root_(MustRoot(clock_)),
        key_(MustKey({KeyAlgorithm::kRsa, 2048})),
        leaf_(MustLeaf(root_, ServerSpec(), key_.get(), clock_)) {}
  std::vector<X509*> Chain() { return {leaf_.get(), root_.cert.get()}; }
  FakeClock clock_;
  CaMaterial root_;
  EvpPkeyPtr key_;
  X509Ptr leaf_;
  SecretBytes pw_{"changeit-ü€𝄞"};  // non-ASCII, incl. a surrogate pair
};

TEST_F(JksTest, KeystoreRoundTrips) {
  auto bytes = EncodeJksKeystore(key_.get(), Chain(), "server", pw_, TestNow());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(static_cast<unsigned char>((*bytes)[0]), 0xFE);
  auto c = ParseJks(*bytes, pw_);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->entries.size(), 1u);
  EXPECT_EQ(c->entries[0].type, EntryType::kPrivateKey);
  EXPECT_EQ(c->entries[0].alias, "server");
  EXPECT_EQ(EVP_PKEY_eq(c->entries[0].key.get(), key_.get()), 1);
  ASSERT_EQ(c->entries[0].chain.size(), 2u);
  EXPECT_EQ(FingerprintSha256(c->entries[0].chain[1].get()),
            FingerprintSha256(root_.cert.get()));
}

TEST_F(JksTest, TruststoreRoundTripsDeduplicated) {
  auto bytes =
      EncodeJksTruststore({root_.cert.get(), root_.cert.get()}, pw_, TestNow());
  ASSERT_TRUE(bytes.ok());
  auto c = ParseJks(*bytes, pw_);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->entries.size(), 1u);
  EXPECT_EQ(c->entries[0].type, EntryType::kTrustedCert);
  EXPECT_EQ(c->entries[0].alias, TrustedCertAlias(root_.cert.get()));
}

TEST_F(JksTest, BadInputsAreRefusedClearly) {
  auto good = EncodeJksKeystore(key_.get(), Chain(), "server", pw_, TestNow());
  ASSERT_TRUE(good.ok());
  std::string tampered = *good;
  tampered[40] ^= 0x01;
  std::string jceks = *good;
  jceks[0] = jceks[1] = jceks[2] = jceks[3] = static_cast<char>(0xCE);
  struct Case {
    const char* name;
    std::string bytes;
    SecretBytes pw;
    StatusCode code;
    const char* want;
  } cases[] = {
      {"wrong password", *good, SecretBytes("changeit"),
       StatusCode::kPermissionDenied, "wrong password"},
      {"tampered", tampered, pw_.Clone(), StatusCode::kPermissionDenied,
       "integrity"},
      {"truncated", good->substr(0, 30), pw_.Clone(),
       StatusCode::kInvalidArgument, "truncated"},
      {"not jks", "PK\x03\x04 a zip file", pw_.Clone(),
       StatusCode::kInvalidArgument, "bad magic"},
      {"jceks", jceks, pw_.Clone(), StatusCode::kInvalidArgument, "JCEKS"},
      {"empty", "", pw_.Clone(), StatusCode::kInvalidArgument, "too short"},
      // Key recovery costs password length x key length: a tenant's 1 MiB
      // password is refused before any work.
      {"password too long", *good, SecretBytes(std::string(1025, 'p')),
       StatusCode::kInvalidArgument,
       "password is 1025 bytes, more than the limit of 1024"},
      // A header claiming 5,000 entries: refused before the digest is
      // computed or anything is decoded.
      {"too many entries",
       std::string("\xFE\xED\xFE\xED\x00\x00\x00\x02\x00\x00\x13\x88", 12) +
           std::string(40, '\0'),
       pw_.Clone(), StatusCode::kInvalidArgument,
       "5000 entries, more than the limit of 1000"},
  };
  for (auto& c : cases) {
    auto r = ParseJks(c.bytes, c.pw);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << c.name << ": " << r.status();
  }
}

TEST_F(JksTest, EncoderRefusesWhatKeytoolCannotRead) {
  EXPECT_NE(EncodeJksKeystore(key_.get(), Chain(), "Server", pw_, TestNow())
                .status()
                .message()
                .find("lower-case"),
            std::string::npos);
  EXPECT_NE(EncodeJksKeystore(key_.get(), Chain(), "server", SecretBytes(""),
                              TestNow())
                .status()
                .message()
                .find("non-empty password"),
            std::string::npos);
  EvpPkeyPtr other = MustKey();
  EXPECT_NE(EncodeJksKeystore(other.get(), Chain(), "server", pw_, TestNow())
                .status()
                .message()
                .find("does not match"),
            std::string::npos);
  EXPECT_EQ(EncodeJksTruststore({}, pw_, TestNow()).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace certstore::pki
