// PolicyDenied: the renderer keeps the stored certificate and keystore
// files byte for byte (no issuance, no re-encode, no Secret created from
// nothing), while truststore files still follow their sources; and a
// policy that refuses the key about to be certified stops the issuance.
#include <gtest/gtest.h>

#include "operator/engine/render.h"
#include "operator/pki/key.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

std::string WithTrust() {
  return Spec(
      "  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
      "    usages: [serverAuth]\n  truststore:\n    sources:\n    - issuer: "
      "{}\n"
      "    - secret: {name: partner}\n");
}

class StoreFrozenTest : public ::testing::Test {
 protected:
  StoreFrozenTest() : clock_(TestNow()), ca_(MustRoot(clock_)) {
    objects_.PutSecret(MakeSecret(
        "partner",
        {{"ca.crt", CertPem(MustRoot(clock_, "Partner CA").cert.get())}}));
  }
  RenderOptions Frozen() {
    RenderOptions o;
    o.freeze_keystore = true;
    return o;
  }
  FakeClock clock_;
  pki::CaMaterial ca_;
  MapObjectSource objects_;
};

TEST_F(StoreFrozenTest, NothingIsWrittenWhenNothingWasIssuedBefore) {
  RenderResult r =
      MustRender(MakeCertStore(WithTrust()), ca_, objects_, clock_, Frozen());
  EXPECT_FALSE(r.decision.issue);
  EXPECT_TRUE(r.secrets.empty());
}

TEST_F(StoreFrozenTest,
       KeystoreStaysAsStoredEvenPastItsRenewalAndAfterASpecChange) {
  RenderResult first =
      MustRender(MakeCertStore(WithTrust()), ca_, objects_, clock_);
  Store(first, &objects_);
  // Long past the renewal time, with a changed identity (the reason it is
  // denied): still the same bytes.
  clock_.Advance(std::chrono::hours(24 * 80));
  std::string changed = WithTrust();
  changed.replace(changed.find("app.demo.svc"), 12, "other.demo.svc");
  RenderResult again =
      MustRender(MakeCertStore(changed), ca_, objects_, clock_, Frozen());
  EXPECT_FALSE(again.decision.issue);
  ASSERT_EQ(again.secrets.size(), 1u);
  EXPECT_EQ(again.secrets[0].data, first.secrets[0].data);
  EXPECT_EQ(again.summary.serial_hex, first.summary.serial_hex);
}

TEST_F(StoreFrozenTest, TruststoreFilesStillFollowTheirSources) {
  RenderResult first =
      MustRender(MakeCertStore(WithTrust()), ca_, objects_, clock_);
  Store(first, &objects_);
  // The partner rotates its CA: the truststore must learn it even while the
  // CertStore is denied; the keystore files do not change.
  objects_.PutSecret(MakeSecret(
      "partner",
      {{"ca.crt", CertPem(MustRoot(clock_, "Partner CA 2").cert.get())}}));
  RenderResult again =
      MustRender(MakeCertStore(WithTrust()), ca_, objects_, clock_, Frozen());
  ASSERT_EQ(again.secrets.size(), 1u);
  const auto& before = first.secrets[0].data;
  const auto& after = again.secrets[0].data;
  EXPECT_TRUE(again.reencoded);
  EXPECT_NE(after.at("truststore.p12"), before.at("truststore.p12"));
  EXPECT_NE(after.at("ca.crt"), before.at("ca.crt"));
  for (const char* k : {"keystore.p12", "tls.crt", "tls.key", "password"})
    EXPECT_EQ(after.at(k), before.at(k)) << k;
}

TEST_F(StoreFrozenTest, AKeptCertificateFromAnotherRootKeepsItsChain) {
  RenderResult first =
      MustRender(MakeCertStore(WithTrust()), ca_, objects_, clock_);
  Store(first, &objects_);
  pki::CaMaterial other = MustRoot(clock_, "Replaced Root");
  RenderResult again =
      MustRender(MakeCertStore(WithTrust()), other, objects_, clock_, Frozen());
  ASSERT_EQ(again.secrets.size(), 1u);
  EXPECT_EQ(again.secrets[0].data.at("keystore.p12"),
            first.secrets[0].data.at("keystore.p12"));
  // It does not claim to come from the issuer's new root.
  EXPECT_NE(again.summary.issuer_ca_fingerprint,
            pki::FingerprintSha256(other.cert.get()));
}

TEST_F(StoreFrozenTest, APolicyThatRefusesTheKeyStopsTheIssuance) {
  RenderOptions o;
  int asked = 0;
  o.authorize = [&](EVP_PKEY*) {
    ++asked;
    return engine::PolicyVerdict{false, "privateKey",
                                 "the key to certify is not allowed"};
  };
  auto r =
      RenderCertStore(MakeCertStore(WithTrust()), ca_, objects_, clock_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("PolicyDenied: the key to certify"),
            std::string::npos);
  EXPECT_EQ(asked, 1);
}

// rotationPolicy: Never keeps a stored key only while the policy accepts it;
// a refusal that is not about the key (a namespace, a failed re-read) stops
// the render and keeps the key, never trading it for a new one.
TEST_F(StoreFrozenTest, AKeptKeyIsReplacedOnlyWhenThePolicyRefusesTheKey) {
  std::string never = WithTrust();
  never.replace(
      never.find("    usages: [serverAuth]\n"), 25,
      "    usages: [serverAuth]\n    privateKey: {rotationPolicy: Never}\n");
  RenderResult first = MustRender(MakeCertStore(never), ca_, objects_, clock_);
  Store(first, &objects_);
  clock_.Advance(
      std::chrono::hours(24 * 80));  // past renewal: a new certificate is due
  RenderOptions o;
  o.authorize = [](EVP_PKEY*) {
    return engine::PolicyVerdict{false, "issuer",
                                 "the issuer could not be re-read"};
  };
  auto stopped =
      RenderCertStore(MakeCertStore(never), ca_, objects_, clock_, o);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kPermissionDenied);
  // Refused because of the key: a new key is made and certified.
  int asked = 0;
  o.authorize = [&](EVP_PKEY*) {
    return ++asked == 1
               ? engine::PolicyVerdict{false, "privateKey", "key refused"}
               : engine::PolicyVerdict{};
  };
  RenderResult renewed =
      MustRender(MakeCertStore(never), ca_, objects_, clock_, o);
  EXPECT_TRUE(renewed.decision.issue);
  EXPECT_EQ(asked, 2);
  EXPECT_NE(renewed.secrets[0].data.at("tls.key"),
            first.secrets[0].data.at("tls.key"));
}

}  // namespace
}  // namespace certstore::engine
