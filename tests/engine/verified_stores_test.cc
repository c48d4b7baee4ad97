// VerifiedStores: the renderer trusts a remembered Secret only when its
// bytes are exactly the remembered ones; anything else is checked in full.
#include "operator/engine/verified_stores.h"

#include <gtest/gtest.h>

#include "operator/engine/render.h"
#include "operator/pki/certificate.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

class VerifiedStoresTest : public ::testing::Test {
 protected:
  VerifiedStoresTest() : clock_(TestNow()), ca_(MustRoot(clock_)) {}
  RenderResult RenderRememberStore(const api::CertStore& cs) {
    RenderOptions o;
    o.verified = &verified_;
    RenderResult r = MustRender(cs, ca_, objects_, clock_, o);
    Store(r, &objects_);
    for (auto& [k, e] : r.verified) verified_.Remember(k, std::move(e));
    return r;
  }
  FakeClock clock_;
  pki::CaMaterial ca_;
  MapObjectSource objects_;
  VerifiedStores verified_;
};

TEST_F(VerifiedStoresTest, RemembersWhatWasWrittenAndReusesIt) {
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() + "  truststore: {secretName: app-trust}\n"));
  RenderResult first = RenderRememberStore(cs);
  EXPECT_EQ(verified_.size(), 2u);  // main and truststore Secret
  RenderResult again = RenderRememberStore(cs);
  EXPECT_FALSE(again.decision.issue);
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;
  EXPECT_EQ(again.summary.serial_hex, first.summary.serial_hex);
}

// The remembered certificate is used without opening the stores: an entry
// that (wrongly) names another certificate for the same bytes shows up in
// the summary. Proves the fast path is taken.
TEST_F(VerifiedStoresTest, MatchingBytesAreNotDecryptedAgain) {
  api::CertStore cs = MakeCertStore(Spec(KeystoreYaml()));
  RenderResult first = RenderRememberStore(cs);
  const auto& main = first.secrets[0];
  VerifiedEntry fake;
  fake.data_digest = DataDigest(main.data);
  fake.desired_digest = "other";
  pki::EvpPkeyPtr key = MustKey();
  fake.cert = pki::testing::MustLeaf(ca_, pki::testing::ServerSpec(), key.get(),
                                     clock_);
  fake.key = std::move(key);
  std::string fake_serial = pki::SerialHex(fake.cert.get());
  verified_.Remember("demo/app-stores", std::move(fake));
  RenderOptions o;
  o.verified = &verified_;
  RenderResult r = MustRender(cs, ca_, objects_, clock_, o);
  EXPECT_EQ(r.summary.serial_hex, fake_serial);
}

// A tampered Secret (other bytes) is a miss: checked in full and repaired.
TEST_F(VerifiedStoresTest, TamperedBytesAreCheckedInFull) {
  api::CertStore cs =
      MakeCertStore(Spec(KeystoreYaml() + "  truststore: {}\n"));
  RenderResult first = RenderRememberStore(cs);
  api::SecretObject tampered = first.secrets[0];
  tampered.data["truststore.p12"] = first.secrets[0].data.at("keystore.p12");
  objects_.PutSecret(tampered);
  RenderOptions o;
  o.verified = &verified_;
  RenderResult r = MustRender(cs, ca_, objects_, clock_, o);
  EXPECT_FALSE(r.decision.issue);
  EXPECT_TRUE(r.reencoded);
  EXPECT_NE(r.reencode_reason.find("truststore.p12"), std::string::npos)
      << r.reencode_reason;
}

TEST(VerifiedStoresLruTest, KeepsAtMostCapacityEntriesOldestOut) {
  VerifiedStores v(2);
  for (const char* k : {"a", "b", "c"}) {
    VerifiedEntry e;
    e.data_digest = std::string("d-") + k;
    v.Remember(k, std::move(e));
  }
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.Find("a", "d-a"), nullptr);
  EXPECT_NE(v.Find("c", "d-c"), nullptr);
  EXPECT_EQ(v.Find("c", "other bytes"), nullptr);
  v.Forget("c");
  EXPECT_EQ(v.Find("c", "d-c"), nullptr);
}

TEST(VerifiedStoresLruTest, AnIdleOperatorLetsOldEntriesGo) {
  FakeClock clock(TestNow());
  VerifiedStores v(10, clock);
  auto remember = [&](const char* k) {
    VerifiedEntry e;
    e.data_digest = std::string("d-") + k;
    v.Remember(k, std::move(e));
  };
  remember("old");
  clock.Advance(VerifiedStores::kMaxAge - std::chrono::seconds(30));
  remember("recent");
  EXPECT_EQ(v.Expire(), 0u);  // nothing is older than kMaxAge yet
  EXPECT_NE(v.Find("old", "d-old"), nullptr);
  clock.Advance(std::chrono::seconds(31));
  EXPECT_EQ(v.Expire(), 1u);
  EXPECT_EQ(v.Find("old", "d-old"), nullptr);  // a miss: checked in full
  EXPECT_NE(v.Find("recent", "d-recent"), nullptr);
  remember("old");  // remembered anew: young again
  clock.Advance(VerifiedStores::kMaxAge - std::chrono::seconds(30));
  EXPECT_EQ(v.Expire(), 1u);  // "recent" only
  EXPECT_EQ(v.size(), 1u);
  EXPECT_NE(v.Find("old", "d-old"), nullptr);
}

TEST(VerifiedStoresLruTest, AConfirmedEntryStaysWithWhatItWasMadeFrom) {
  FakeClock clock(TestNow());
  VerifiedStores v(10, clock);
  VerifiedEntry written;
  written.data_digest = "d";
  written.desired_digest = "made-from";
  v.Remember("s", std::move(written));
  clock.Advance(VerifiedStores::kMaxAge - std::chrono::seconds(10));
  VerifiedEntry sealed;  // a sealed check of the same bytes
  sealed.data_digest = "d";
  v.Remember("s", std::move(sealed));
  clock.Advance(std::chrono::seconds(20));  // past the write's own age
  EXPECT_EQ(v.Expire(), 0u);
  auto kept = v.Find("s", "d");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->desired_digest, "made-from");
  clock.Advance(VerifiedStores::kMaxAge);
  EXPECT_EQ(v.Expire(), 1u);
}

TEST(DesiredDigestTest, ChangesWithThePassword) {
  DesiredStores d;
  d.alias = "app";
  std::set<std::string> keys{"keystore.p12"};
  EXPECT_NE(DesiredDigest(d, keys, SecretBytes("one"),
                          pki::Pkcs12Profile::kModern2023, true),
            DesiredDigest(d, keys, SecretBytes("two"),
                          pki::Pkcs12Profile::kModern2023, true));
  EXPECT_NE(DesiredDigest(d, keys, SecretBytes("one"),
                          pki::Pkcs12Profile::kModern2023, true),
            DesiredDigest(d, keys, SecretBytes("one"),
                          pki::Pkcs12Profile::kModern2023, false));
}

}  // namespace
}  // namespace certstore::engine
