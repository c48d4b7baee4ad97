#include "operator/pki/key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

namespace certstore::pki {
namespace {

TEST(KeyTest, GeneratesEverySupportedAlgorithm) {
  struct Case {
    KeySpec spec;
    const char* desc;
  } cases[] = {
      {{KeyAlgorithm::kRsa, 2048}, "RSA 2048"},
      {{KeyAlgorithm::kRsa, 3072}, "RSA 3072"},
      {{KeyAlgorithm::kEcdsa, 256}, "ECDSA P-256"},
      {{KeyAlgorithm::kEcdsa, 384}, "ECDSA P-384"},
      {{KeyAlgorithm::kEd25519, 0}, "Ed25519"},
  };
  for (const auto& c : cases) {
    auto k = GenerateKey(c.spec);
    ASSERT_TRUE(k.ok()) << c.desc << ": " << k.status();
    EXPECT_EQ(KeyDescription(k->get()), c.desc);
    auto back = DescribeKey(k->get());
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(*back == c.spec) << c.desc;
  }
}

TEST(KeyTest, RejectsUnsupportedSpecs) {
  struct Case {
    KeySpec spec;
    const char* want;
  } cases[] = {
      {{KeyAlgorithm::kRsa, 1024}, "RSA key size 1024"},
      {{KeyAlgorithm::kEcdsa, 521}, "ECDSA key size 521"},
      {{KeyAlgorithm::kEd25519, 256}, "Ed25519 keys have no size"},
  };
  for (const auto& c : cases) {
    auto k = GenerateKey(c.spec);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(k.status().message().find(c.want), std::string::npos)
        << k.status();
  }
}

TEST(KeyTest, PemRoundTripAllEncodings) {
  for (KeySpec spec :
       {KeySpec{KeyAlgorithm::kRsa, 2048}, KeySpec{KeyAlgorithm::kEcdsa, 384},
        KeySpec{KeyAlgorithm::kEd25519, 0}}) {
    auto k = GenerateKey(spec);
    ASSERT_TRUE(k.ok());
    auto pem = EncodePrivateKeyPem(k->get());
    ASSERT_TRUE(pem.ok());
    EXPECT_NE(pem->reveal().find("-----BEGIN PRIVATE KEY-----"),
              std::string::npos);
    auto back = ParsePrivateKeyPem(*pem);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(EVP_PKEY_eq(k->get(), back->get()), 1);
  }
}

// PKCS#1 and SEC1 keys as older tools (openssl genrsa, ecparam) write them.
TEST(KeyTest, ParsesPkcs1AndSec1) {
  auto rsa = GenerateKey({KeyAlgorithm::kRsa, 2048});
  auto ec = GenerateKey({KeyAlgorithm::kEcdsa, 256});
  ASSERT_TRUE(rsa.ok() && ec.ok());
  for (EVP_PKEY* k : {rsa->get(), ec->get()}) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    ASSERT_TRUE(PEM_write_bio_PrivateKey_traditional(
        bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr));
    char* d = nullptr;
    long n = BIO_get_mem_data(bio.get(), &d);
    std::string pem(d, n);
    EXPECT_TRUE(pem.find("RSA PRIVATE KEY") != std::string::npos ||
                pem.find("EC PRIVATE KEY") != std::string::npos);
    auto back = ParsePrivateKeyPem(SecretBytes(pem));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(EVP_PKEY_eq(k, back->get()), 1);
  }
}

TEST(KeyTest, BadPemGivesClearErrorWithoutEchoingIt) {
  struct Case {
    std::string pem;
    const char* want;
  } cases[] = {
      {"", "no private key found"},
      {"hello world", "no private key found"},
      {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
       "no private key found"},
      {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED "
       "PRIVATE "
       "KEY-----\n",
       "encrypted private keys are not supported"},
      {"-----BEGIN PRIVATE KEY-----\nc2VjcmV0c2VjcmV0\n-----END PRIVATE "
       "KEY-----\n",
       "malformed"},
  };
  for (const auto& c : cases) {
    auto k = ParsePrivateKeyPem(SecretBytes(c.pem));
    ASSERT_FALSE(k.ok()) << c.pem;
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(k.status().message().find(c.want), std::string::npos)
        << k.status();
    EXPECT_EQ(k.status().message().find("c2VjcmV0"), std::string::npos);
  }
}

}  // namespace
}  // namespace certstore::pki
