// Drift: someone edits or deletes what the operator wrote; the next render
// puts it right, keeping the certificate whenever it is still usable.
#include <gtest/gtest.h>

#include <functional>

#include "operator/engine/render.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

std::string SpecText() {
  return Spec(KeystoreYaml() +
              "  truststore: {}\n  formats: [PKCS12, JKS, PEM]\n");
}

struct Drift {
  const char* name;
  std::function<void(api::SecretObject&, const pki::CaMaterial&)> edit;
  bool same_certificate;  // false: the certificate had to be re-issued
  const char* reason;     // decision reason when re-issued
};

std::vector<Drift> Drifts() {
  return {
      {"DeletedKeystore", [](auto& s, auto&) { s.data.erase("keystore.p12"); },
       true, ""},
      {"DeletedTruststoreJks",
       [](auto& s, auto&) { s.data.erase("truststore.jks"); }, true, ""},
      {"DeletedTlsCrt", [](auto& s, auto&) { s.data.erase("tls.crt"); }, true,
       ""},
      {"DeletedPemPair",
       [](auto& s, auto&) {
         s.data.erase("tls.crt");
         s.data.erase("tls.key");
       },
       true, ""},
      {"CorruptedKeystore",
       [](auto& s, auto&) { s.data["keystore.p12"][40] ^= 0x55; }, true, ""},
      {"TruncatedJks",
       [](auto& s, auto&) { s.data["keystore.jks"].resize(20); }, true, ""},
      // One of our keys the CertStore does not ask for (a user's own key
      // is kept: secret_shapes_test.cc).
      {"StrayOperatorKey", [](auto& s, auto&) { s.data["tls.der"] = "x"; },
       true, ""},
      {"EditedCaCrt", [](auto& s, auto&) { s.data["ca.crt"] += "\n"; }, true,
       ""},
      {"ChangedPassword",
       [](auto& s, auto&) { s.data["password"] = "changed-by-hand"; }, true,
       ""},
      {"LostRenderHash",
       [](auto& s, auto&) {
         s.metadata.annotations.erase(kRenderHashAnnotation);
       },
       true, ""},
      {"ReplacedTlsKey",
       [](auto& s, auto&) { s.data["tls.key"] = KeyPem(MustKey().get()); },
       false, kReasonKeyMismatch},
      {"EmptiedSecret", [](auto& s, auto&) { s.data.clear(); }, false,
       kReasonMissing},
      {"LostIdentityHash",
       [](auto& s, auto&) {
         s.metadata.annotations.erase(kIdentityHashAnnotation);
       },
       false, kReasonSpecChanged},
  };
}

class StoreDriftTest : public ::testing::TestWithParam<Drift> {};

TEST_P(StoreDriftTest, IsRepaired) {
  const Drift& d = GetParam();
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(SpecText());
  RenderResult first = MustRender(cs, ca, objects, clock);
  api::SecretObject edited = first.secrets[0];
  d.edit(edited, ca);
  objects.PutSecret(edited);

  RenderResult r = MustRender(cs, ca, objects, clock);
  EXPECT_TRUE(r.reencoded);
  EXPECT_NE(r.reencode_reason, "");
  const api::SecretObject& s = r.secrets[0];
  EXPECT_EQ(KeysOf(s), KeysOf(first.secrets[0]));
  if (d.same_certificate) {
    EXPECT_FALSE(r.decision.issue)
        << r.decision.reason << ": " << r.decision.message;
    EXPECT_EQ(r.summary.serial_hex, first.summary.serial_hex);
  } else {
    EXPECT_TRUE(r.decision.issue);
    EXPECT_EQ(r.decision.reason, d.reason);
    EXPECT_NE(r.summary.serial_hex, first.summary.serial_hex);
  }
  // Whatever happened, the result is consistent: every file opens with the
  // stored password and holds the same certificate and a matching key.
  std::string password = PasswordOf(s);
  for (const char* f : {"keystore.p12", "keystore.jks"}) {
    pki::StoreContents ks = MustOpen(f, s.data.at(f), password);
    ASSERT_EQ(ks.entries.size(), 1u);
    EXPECT_EQ(pki::SerialHex(ks.entries[0].chain[0].get()),
              r.summary.serial_hex);
    EXPECT_TRUE(pki::KeyMatchesCertificate(ks.entries[0].key.get(),
                                           ks.entries[0].chain[0].get()));
  }
  for (const char* f : {"truststore.p12", "truststore.jks"})
    MustOpen(f, s.data.at(f), password);
  EXPECT_EQ(SerialOf(s), r.summary.serial_hex);
  EXPECT_EQ(s.data.at("ca.crt"), CertPem(ca.cert.get()));

  // Converged: the next render changes nothing.
  objects.PutSecret(s);
  RenderResult again = MustRender(cs, ca, objects, clock);
  EXPECT_FALSE(again.decision.issue) << again.decision.reason;
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;
}

INSTANTIATE_TEST_SUITE_P(Edits, StoreDriftTest, ::testing::ValuesIn(Drifts()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST(StoreDriftTest, DeletedSecretStartsOver) {
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  MapObjectSource empty;
  api::CertStore cs = MakeCertStore(SpecText());
  RenderResult first = MustRender(cs, ca, empty, clock);
  RenderResult r = MustRender(cs, ca, empty, clock);
  EXPECT_EQ(r.decision.reason, kReasonInitial);
  EXPECT_NE(r.summary.serial_hex, first.summary.serial_hex);
}

TEST(StoreDriftTest, DeletedSeparateTruststoreSecretIsRewritten) {
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() + "  truststore: {secretName: app-trust}\n"));
  RenderResult first = MustRender(cs, ca, objects, clock);
  objects.PutSecret(first.secrets[0]);  // the truststore Secret is gone
  RenderResult r = MustRender(cs, ca, objects, clock);
  EXPECT_FALSE(r.decision.issue);
  EXPECT_TRUE(r.reencoded);
  ASSERT_EQ(r.secrets.size(), 2u);
  EXPECT_EQ(r.secrets[0].data, first.secrets[0].data);  // main Secret untouched
  EXPECT_EQ(KeysOf(r.secrets[1]), KeysOf(first.secrets[1]));
  MustOpen("truststore.p12", r.secrets[1].data.at("truststore.p12"),
           PasswordOf(r.secrets[1]));
}

TEST(StoreDriftTest, NewCaMeansIssuerChanged) {
  FakeClock clock(TestNow());
  pki::CaMaterial old_ca = MustRoot(clock, "Old Root CA");
  pki::CaMaterial new_ca = MustRoot(clock, "New Root CA");
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(SpecText());
  RenderResult first = MustRender(cs, old_ca, objects, clock);
  Store(first, &objects);
  RenderResult r = MustRender(cs, new_ca, objects, clock);
  EXPECT_TRUE(r.decision.issue);
  EXPECT_EQ(r.decision.reason, kReasonIssuerChanged);
  EXPECT_NE(r.decision.message.find("New Root CA"), std::string::npos)
      << r.decision.message;
  EXPECT_NE(r.summary.serial_hex, first.summary.serial_hex);
  pki::X509Ptr leaf = LeafOf(r.secrets[0], PasswordOf(r.secrets[0]));
  EXPECT_EQ(pki::IssuerText(leaf.get()), pki::SubjectText(new_ca.cert.get()));
  EXPECT_EQ(r.secrets[0].data.at("ca.crt"), CertPem(new_ca.cert.get()));
}

}  // namespace
}  // namespace certstore::engine
