#include "operator/pki/ca.h"

#include <gtest/gtest.h>

#include "operator/pki/cert_builder.h"
#include "operator/pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace certstore::pki {
namespace {
using testing::MustIntermediate;
using testing::MustKey;
using testing::MustLeaf;
using testing::MustRoot;
using testing::ServerSpec;
using testing::TestNow;

std::string KeyPem(EVP_PKEY* k) { return EncodePrivateKeyPem(k)->reveal(); }

TEST(LoadCaTest, LoadsRootAndIntermediateWithChain) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  auto loaded = LoadCa(EncodeCertificatePem(root.cert.get()),
                       SecretBytes(KeyPem(root.key.get())), clock);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Root(), loaded->cert.get());

  CaMaterial inter = MustIntermediate(root, clock);
  auto chained =
      LoadCa(EncodeCertificatesPem({inter.cert.get(), root.cert.get()}),
             SecretBytes(KeyPem(inter.key.get())), clock);
  ASSERT_TRUE(chained.ok()) << chained.status();
  EXPECT_EQ(CommonName(chained->Root()), "Test Root CA");
  ASSERT_EQ(chained->Intermediates().size(), 1u);
  EXPECT_EQ(CommonName(chained->Intermediates()[0]), "Test Intermediate CA");
}

TEST(LoadCaTest, RefusesBadMaterialWithClearMessages) {
  FakeClock clock(TestNow());
  CaMaterial root = MustRoot(clock);
  CaMaterial other = MustRoot(clock, "Other CA");
  CaMaterial inter = MustIntermediate(root, clock);
  EvpPkeyPtr leaf_key = MustKey();
  X509Ptr leaf = MustLeaf(root, ServerSpec(), leaf_key.get(), clock);
  std::string root_pem = EncodeCertificatePem(root.cert.get());
  std::string root_key = KeyPem(root.key.get());

  struct Case {
    const char* name;
    std::string cert, key;
    TimePoint now;
    StatusCode code;
    const char* want;
  } cases[] = {
      {"garbage cert", "not pem", root_key, TestNow(),
       StatusCode::kInvalidArgument, "CA certificate: no certificate found"},
      {"garbage key", root_pem, "garbage", TestNow(),
       StatusCode::kInvalidArgument, "CA private key: no private key found"},
      {"truncated cert",
       root_pem.substr(0, 100) + "\n-----END CERTIFICATE-----\n", root_key,
       TestNow(), StatusCode::kInvalidArgument, "malformed"},
      {"not a ca", EncodeCertificatePem(leaf.get()), KeyPem(leaf_key.get()),
       TestNow(), StatusCode::kInvalidArgument, "is not a CA"},
      {"wrong key", root_pem, KeyPem(other.key.get()), TestNow(),
       StatusCode::kInvalidArgument, "does not match"},
      {"expired", root_pem, root_key, TestNow() + std::chrono::hours(87700),
       StatusCode::kFailedPrecondition, "expired at"},
      {"not yet valid", root_pem, root_key, TestNow() - std::chrono::hours(1),
       StatusCode::kFailedPrecondition, "not valid until"},
      {"chain out of order",
       EncodeCertificatesPem({inter.cert.get(), other.cert.get()}),
       KeyPem(inter.key.get()), TestNow(), StatusCode::kInvalidArgument,
       "out of order"},
  };
  for (const auto& c : cases) {
    clock.Set(c.now);
    auto ca = LoadCa(c.cert, SecretBytes(c.key), clock);
    ASSERT_FALSE(ca.ok()) << c.name;
    EXPECT_EQ(ca.status().code(), c.code) << c.name << ": " << ca.status();
    EXPECT_NE(ca.status().message().find(c.want), std::string::npos)
        << c.name << ": " << ca.status();
    // Never echo key material: the first base64 line of every key used here.
    for (const std::string& k : {root_key, c.key}) {
      size_t nl = k.find('\n');
      if (nl == std::string::npos || k.size() < nl + 20) continue;
      EXPECT_EQ(ca.status().message().find(k.substr(nl + 1, 20)),
                std::string::npos)
          << c.name;
    }
  }
}

}  // namespace
}  // namespace certstore::pki
