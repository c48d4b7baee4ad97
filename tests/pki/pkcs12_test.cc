#include "operator/pki/pkcs12.h"

#include <gtest/gtest.h>
#include <openssl/pkcs12.h>

#include "operator/pki/certificate.h"
#include "operator/pki/pbe_description.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::pki {
namespace {
using testing::MustKey;
using testing::MustLeaf;
using testing::MustRoot;
using testing::ServerSpec;
using testing::TestNow;
using testing::WithMacIterations;

class Pkcs12Test : public ::testing::Test {
 protected:
  Pkcs12Test()
      : clock_(TestNow()),
        root_(MustRoot(clock_)),
        other_(MustRoot(clock_, "Partner CA")),
        key_(MustKey()),
        leaf_(MustLeaf(root_, ServerSpec(), key_.get(), clock_)) {}
  std::vector<X509*> Chain() { return {leaf_.get(), root_.cert.get()}; }
  FakeClock clock_;
  CaMaterial root_, other_;
  EvpPkeyPtr key_;
  X509Ptr leaf_;
  SecretBytes pw_{"s3cret-Pässword"};
};

TEST_F(Pkcs12Test, KeystoreRoundTripsInBothProfiles) {
  for (Pkcs12Profile p :
       {Pkcs12Profile::kModern2023, Pkcs12Profile::kLegacyDES}) {
    auto bytes = EncodePkcs12Keystore(key_.get(), Chain(), "server", pw_, p);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto c = ParsePkcs12(*bytes, pw_);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_EQ(c->entries.size(), 1u);
    const StoreEntry& e = c->entries[0];
    EXPECT_EQ(e.type, EntryType::kPrivateKey);
    EXPECT_EQ(e.alias, "server");
    EXPECT_EQ(EVP_PKEY_eq(e.key.get(), key_.get()), 1);
    ASSERT_EQ(e.chain.size(), 2u);
    EXPECT_EQ(FingerprintSha256(e.chain[0].get()),
              FingerprintSha256(leaf_.get()));
    EXPECT_EQ(FingerprintSha256(e.chain[1].get()),
              FingerprintSha256(root_.cert.get()));
    if (p == Pkcs12Profile::kModern2023) {
      EXPECT_NE(c->protection.find(
                    "AES-256-CBC, PBKDF2-HMAC-SHA256, 10000 iterations"),
                std::string::npos)
          << c->protection;
      EXPECT_NE(c->protection.find("MAC SHA256, 10000 iterations"),
                std::string::npos)
          << c->protection;
    } else {
      EXPECT_NE(c->protection.find("PBE-SHA1-3DES, 2048 iterations"),
                std::string::npos)
          << c->protection;
      EXPECT_NE(c->protection.find("MAC SHA1"), std::string::npos)
          << c->protection;
    }
  }
}

TEST_F(Pkcs12Test, TruststoreHoldsOnlyJavaTrustedCertsDeduplicated) {
  auto bytes = EncodePkcs12Truststore(
      {root_.cert.get(), other_.cert.get(), root_.cert.get()}, pw_,
      Pkcs12Profile::kModern2023);
  ASSERT_TRUE(bytes.ok());
  auto c = ParsePkcs12(*bytes, pw_);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->entries.size(), 2u);
  for (const auto& e : c->entries) {
    EXPECT_EQ(e.type, EntryType::kTrustedCert);
    EXPECT_FALSE(e.key);
    EXPECT_EQ(e.alias, TrustedCertAlias(e.chain[0].get()));
  }
  EXPECT_EQ(c->entries[0].alias.rfind("test-root-ca-", 0), 0u)
      << c->entries[0].alias;
  EXPECT_EQ(c->entries[1].alias.rfind("partner-ca-", 0), 0u)
      << c->entries[1].alias;
}

// A PKCS12 written without the trust attribute (as OpenSSL 3.0's CLI does)
// is what Java lists as "0 entries": the parser must say so.
TEST_F(Pkcs12Test, CertificateWithoutJavaTrustAttributeIsFlagged) {
  STACK_OF(X509)* cas = sk_X509_new_null();
  sk_X509_push(cas, root_.cert.get());
  PKCS12* p12 = PKCS12_create(pw_.reveal().c_str(), nullptr, nullptr, nullptr,
                              cas, 0, 0, 0, 0, 0);
  ASSERT_NE(p12, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PKCS12(p12, &der);
  std::string bytes(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  PKCS12_free(p12);
  sk_X509_free(cas);
  auto c = ParsePkcs12(bytes, pw_);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->entries.size(), 1u);
  EXPECT_EQ(c->entries[0].type, EntryType::kCertOnly);
}

TEST_F(Pkcs12Test, BadInputsAreRefusedClearly) {
  auto good = EncodePkcs12Keystore(key_.get(), Chain(), "server", pw_,
                                   Pkcs12Profile::kModern2023);
  ASSERT_TRUE(good.ok());
  std::string flipped = *good;
  flipped[flipped.size() / 2] ^= 0x01;
  struct Case {
    const char* name;
    std::string bytes;
    SecretBytes pw;
    StatusCode code;
    const char* want;
  } cases[] = {
      {"wrong password", *good, SecretBytes("nope"),
       StatusCode::kPermissionDenied, "wrong password"},
      {"garbage", "hello", pw_.Clone(), StatusCode::kInvalidArgument,
       "not a PKCS#12"},
      {"empty", "", pw_.Clone(), StatusCode::kInvalidArgument, "not a PKCS#12"},
      {"truncated", good->substr(0, good->size() / 2), pw_.Clone(),
       StatusCode::kInvalidArgument, "not a PKCS#12"},
  };
  for (auto& c : cases) {
    auto r = ParsePkcs12(c.bytes, c.pw);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << c.name << ": " << r.status();
    EXPECT_EQ(r.status().message().find(pw_.reveal()), std::string::npos);
  }
  EXPECT_FALSE(ParsePkcs12(flipped, pw_).ok());
}

// A tenant's store cannot make the parser derive keys for minutes: counts
// above the limit are refused before any key derivation, naming which part.
TEST_F(Pkcs12Test, HostileIterationCountsAreRefusedBeforeDeriving) {
  auto good = EncodePkcs12Keystore(key_.get(), Chain(), "server", pw_,
                                   Pkcs12Profile::kModern2023);
  ASSERT_TRUE(good.ok());
  for (int64_t n : {int64_t{kMaxPkcs12Iterations + 1}, int64_t{2147483647},
                    int64_t{9000000000000}}) {
    auto r = ParsePkcs12(WithMacIterations(*good, n), pw_);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
    EXPECT_NE(
        r.status().message().find("PKCS#12 MAC asks for " + std::to_string(n)),
        std::string::npos)
        << r.status();
  }
  for (int64_t n : {int64_t{0}, int64_t{-5}}) {
    auto r = ParsePkcs12(WithMacIterations(*good, n), pw_);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.status().message().find("MAC: unreadable"), std::string::npos)
        << r.status();
  }
  // A count within the limit passes the check (the MAC is then merely wrong).
  auto at_limit =
      ParsePkcs12(WithMacIterations(*good, kMaxPkcs12Iterations), pw_);
  EXPECT_EQ(at_limit.status().code(), StatusCode::kPermissionDenied)
      << at_limit.status();
}

// Many derivations each within the cap: the file's total is bounded too
// (a tenant who knows the password could pack thousands of key bags).
// Shown with small limits: MAC + four key bags of 2,048 iterations each.
TEST_F(Pkcs12Test, ManyDerivationsAreBoundedPerFile) {
  STACK_OF(PKCS12_SAFEBAG)* bags = nullptr;
  for (int i = 0; i < 4; ++i)
    ASSERT_NE(PKCS12_add_key(&bags, key_.get(), 0, 2048, NID_aes_256_cbc, "pw"),
              nullptr);
  STACK_OF(PKCS7)* safes = nullptr;
  ASSERT_NE(PKCS12_add_safe(&safes, bags, -1, 0, nullptr), 0);
  Pkcs12Ptr p12(PKCS12_add_safes(safes, 0));
  sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
  sk_PKCS7_pop_free(safes, PKCS7_free);
  ASSERT_TRUE(p12);
  ASSERT_EQ(PKCS12_set_mac(p12.get(), "pw", -1, nullptr, 0, 2048, nullptr), 1);
  unsigned char* der = nullptr;
  int len = i2d_PKCS12(p12.get(), &der);
  ASSERT_GT(len, 0);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  // 5 x 2,048 = 10,240 iterations in all.
  auto refused =
      ParsePkcs12(bytes, SecretBytes("pw"), Pkcs12Limits{4096, 8192});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find(
                "PKCS#12 key bag would take the file to 10240 key-derivation "
                "iterations in "
                "all, more than the limit of 8192 per file"),
            std::string::npos)
      << refused.status();
  auto read = ParsePkcs12(bytes, SecretBytes("pw"), Pkcs12Limits{4096, 10240});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->entries.size(), 4u);
  // Derivation also costs password length: a long one is refused, reading
  // and writing.
  auto long_pw = ParsePkcs12(bytes, SecretBytes(std::string(1025, 'p')));
  EXPECT_NE(long_pw.status().message().find("password is 1025 bytes"),
            std::string::npos)
      << long_pw.status();
  auto encode_long =
      EncodePkcs12Truststore({Chain()[0]}, SecretBytes(std::string(1025, 'p')),
                             Pkcs12Profile::kModern2023);
  EXPECT_EQ(encode_long.status().code(), StatusCode::kInvalidArgument);
  // The defaults allow three derivations at the cap.
  EXPECT_EQ(kMaxPkcs12FileIterations, 3 * kMaxPkcs12Iterations);
}

TEST(PbeIterationsTest, ReadsTheCountWithoutDeriving) {
  using AlgPtr = std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)>;
  AlgPtr pbes2(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 5000000, nullptr, 0,
                                 nullptr, NID_hmacWithSHA256),
               X509_ALGOR_free);
  ASSERT_TRUE(pbes2);
  EXPECT_EQ(PbeIterations(pbes2.get()), 5000000);
  AlgPtr pbe1(PKCS5_pbe_set(NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 3000000,
                            nullptr, 0),
              X509_ALGOR_free);
  ASSERT_TRUE(pbe1);
  EXPECT_EQ(PbeIterations(pbe1.get()), 3000000);
  // scrypt's cost is not an iteration count: unsupported, hence refused.
  AlgPtr scrypt(PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                      1 << 14, 8, 1),
                X509_ALGOR_free);
  ASSERT_TRUE(scrypt);
  EXPECT_FALSE(PbeIterations(scrypt.get()).has_value());
  EXPECT_FALSE(PbeIterations(nullptr).has_value());
}

TEST_F(Pkcs12Test, EncoderRefusesWrongInputs) {
  EvpPkeyPtr other_key = MustKey();
  auto mismatch = EncodePkcs12Keystore(other_key.get(), Chain(), "a", pw_,
                                       Pkcs12Profile::kModern2023);
  EXPECT_EQ(mismatch.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.status().message().find("does not match"),
            std::string::npos);
  EXPECT_EQ(
      EncodePkcs12Keystore(key_.get(), {}, "a", pw_, Pkcs12Profile::kModern2023)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePkcs12Truststore({}, pw_, Pkcs12Profile::kModern2023)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(TrustedCertAliasTest, IsStableAndSanitized) {
  FakeClock clock(TestNow());
  CaMaterial a = MustRoot(clock, "Corp Root CA (2024) / EU");
  std::string alias = TrustedCertAlias(a.cert.get());
  EXPECT_EQ(alias, TrustedCertAlias(a.cert.get()));
  EXPECT_EQ(alias.rfind("corp-root-ca-2024-eu-", 0), 0u) << alias;
  EXPECT_EQ(alias.size(), std::string("corp-root-ca-2024-eu-").size() + 8);
}

}  // namespace
}  // namespace certstore::pki
