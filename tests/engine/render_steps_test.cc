// The named steps RenderCertStore is made of, each on its own: the store
// password, reading the stored certificate, the Secret layout and the
// re-encode policy chain.
#include <gtest/gtest.h>

#include "operator/api/hash.h"
#include "operator/engine/reasons.h"
#include "operator/engine/reencode_policy.h"
#include "operator/engine/secret_layout.h"
#include "operator/engine/store_password.h"
#include "operator/engine/stored_certificate.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

// ---- Store password ----------------------------------------------------

TEST(StorePasswordTest, ComesFromTheReferencedSecretWithoutTrailingNewlines) {
  api::CertStore cs = MakeCertStore(Spec(
      KeystoreYaml() + "  password: {secretKeyRef: {name: pw, key: p}}\n"));
  MapObjectSource objects;
  objects.PutSecret(MakeSecret("pw", {{"p", "s3cret\r\n"}}));
  auto pw = ResolveStorePassword(cs, std::nullopt, objects);
  ASSERT_TRUE(pw.ok()) << pw.status();
  EXPECT_EQ(pw->reveal(), "s3cret");
}

TEST(StorePasswordTest, KeepsTheGeneratedOneAndMakesOneOnlyWhenNoneIsStored) {
  api::CertStore cs = MakeCertStore(Spec(KeystoreYaml()));
  MapObjectSource objects;
  api::SecretObject stored =
      MakeSecret("app-stores", {{"password", "generated-before"}});
  auto kept = ResolveStorePassword(cs, stored, objects);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->reveal(), "generated-before");
  auto a = ResolveStorePassword(cs, std::nullopt, objects);
  auto b = ResolveStorePassword(cs, std::nullopt, objects);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a->size(), 16u);
  EXPECT_NE(a->reveal(), b->reveal());
}

TEST(StorePasswordTest, BadReferencesNameTheFieldAndNeverThePassword) {
  struct Case {
    const char* what;
    std::map<std::string, std::string> data;  // of Secret "pw"; empty: none
    StatusCode code;
    const char* message;
  };
  const std::string huge(2000, 'x');
  const Case cases[] = {
      {"missing Secret", {}, StatusCode::kNotFound, "Secret demo/pw not found"},
      {"missing key",
       {{"other", "x"}},
       StatusCode::kNotFound,
       "has no non-empty key p"},
      {"empty key",
       {{"p", ""}},
       StatusCode::kNotFound,
       "has no non-empty key p"},
      {"too long",
       {{"p", huge}},
       StatusCode::kInvalidArgument,
       "more than the limit of 1024"},
  };
  api::CertStore cs = MakeCertStore(Spec(
      KeystoreYaml() + "  password: {secretKeyRef: {name: pw, key: p}}\n"));
  for (const Case& c : cases) {
    MapObjectSource objects;
    if (!c.data.empty()) objects.PutSecret(MakeSecret("pw", c.data));
    auto pw = ResolveStorePassword(cs, std::nullopt, objects);
    ASSERT_FALSE(pw.ok()) << c.what;
    EXPECT_EQ(pw.status().code(), c.code) << c.what;
    EXPECT_NE(pw.status().message().find("spec.password.secretKeyRef"),
              std::string::npos)
        << c.what << ": " << pw.status();
    EXPECT_NE(pw.status().message().find(c.message), std::string::npos)
        << c.what << ": " << pw.status();
    EXPECT_EQ(pw.status().message().find(huge), std::string::npos) << c.what;
  }
}

TEST(StorePasswordTest, PreviousPasswordsAreTheOwnAndTheRecordedReference) {
  MapObjectSource objects;
  objects.PutSecret(MakeSecret("old-pw", {{"k", "before\n"}}));
  api::SecretObject s = MakeSecret("app-stores", {{"password", "own"}});
  s.metadata.annotations[kPasswordRefAnnotation] = "old-pw/k";
  std::vector<SecretBytes> got = PreviousStorePasswords(s, objects);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].reveal(), "own");
  EXPECT_EQ(got[1].reveal(), "before");
}

// ---- Stored certificate ------------------------------------------------

class StoredCertificateTest : public ::testing::Test {
 protected:
  StoredCertificateTest() : clock_(TestNow()), ca_(MustRoot(clock_)) {}
  RenderResult Render(const std::string& formats) {
    api::CertStore cs =
        MakeCertStore(Spec(KeystoreYaml() + "  formats: " + formats + "\n"));
    return MustRender(cs, ca_, objects_, clock_);
  }
  FakeClock clock_;
  pki::CaMaterial ca_;
  MapObjectSource objects_;
};

TEST_F(StoredCertificateTest, ReadsEachKeystoreFormatWithItsPassword) {
  for (const char* formats : {"[PEM]", "[PKCS12]", "[JKS]"}) {
    RenderResult r = Render(formats);
    ASSERT_FALSE(r.secrets.empty()) << formats;
    const api::SecretObject& s = r.secrets[0];
    SecretBytes pw(PasswordOf(s));
    auto cur = ReadStoredCertificate(s, pw, objects_, nullptr);
    ASSERT_TRUE(cur.has_value()) << formats;
    EXPECT_EQ(pki::SerialHex(cur->cert.get()), r.summary.serial_hex) << formats;
    EXPECT_TRUE(pki::KeyMatchesCertificate(cur->key.get(), cur->cert.get()));
    EXPECT_EQ(cur->identity_hash,
              s.metadata.annotations.at(kIdentityHashAnnotation));
  }
}

TEST_F(StoredCertificateTest, AWrongPasswordOrGarbageIsNoCertificate) {
  RenderResult r = Render("[PKCS12]");
  api::SecretObject s = r.secrets[0];
  s.data.erase("password");  // no previous password to fall back on
  EXPECT_FALSE(ReadStoredCertificate(s, SecretBytes("wrong"), objects_, nullptr)
                   .has_value());
  s.data["keystore.p12"] = "not a keystore";
  EXPECT_FALSE(ReadStoredCertificate(s, SecretBytes(PasswordOf(r.secrets[0])),
                                     objects_, nullptr)
                   .has_value());
}

TEST_F(StoredCertificateTest, FallsBackToThePasswordTheStoresWereWrittenWith) {
  RenderResult r = Render("[PKCS12]");
  // The generated password is still in the Secret while the spec now points
  // at another one: the stores open with the old one.
  auto cur = ReadStoredCertificate(r.secrets[0], SecretBytes("new-password"),
                                   objects_, nullptr);
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(pki::SerialHex(cur->cert.get()), r.summary.serial_hex);
}

TEST_F(StoredCertificateTest, ARememberedWriteIsReadWithoutDecrypting) {
  api::CertStore cs =
      MakeCertStore(Spec(KeystoreYaml() + "  formats: [PKCS12]\n"));
  VerifiedStores verified;
  RenderOptions opts;
  opts.verified = &verified;
  RenderResult r = MustRender(cs, ca_, objects_, clock_, opts);
  ASSERT_EQ(r.verified.size(), 1u);
  // A Secret no password opens (its generated password removed), remembered
  // for exactly these bytes: the remembered certificate answers.
  api::SecretObject s = r.secrets[0];
  s.data.erase("password");
  VerifiedEntry e = std::move(r.verified[0].second);
  e.data_digest = DataDigest(s.data);
  verified.Remember(r.verified[0].first, std::move(e));
  EXPECT_FALSE(ReadStoredCertificate(s, SecretBytes("wrong"), objects_, nullptr)
                   .has_value());
  auto cur =
      ReadStoredCertificate(s, SecretBytes("wrong"), objects_, &verified);
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(pki::SerialHex(cur->cert.get()), r.summary.serial_hex);
  // One byte changed: a miss, and nothing opens.
  s.data["keystore.p12"][10] ^= 1;
  EXPECT_FALSE(
      ReadStoredCertificate(s, SecretBytes("wrong"), objects_, &verified)
          .has_value());
}

// ---- Secret layout -----------------------------------------------------

TEST(SecretLayoutTest, FilesPerFormatAndWhereTheTruststoreGoes) {
  struct Case {
    std::string spec;
    Keys main, trust;
  };
  const Case cases[] = {
      {KeystoreYaml() + "  formats: [PKCS12, JKS, PEM]\n",
       {"keystore.p12", "keystore.jks", "tls.crt", "tls.key", "ca.crt",
        "password"},
       {}},
      {KeystoreYaml() + "  formats: [PEM]\n",
       {"tls.crt", "tls.key", "ca.crt"},
       {}},
      {KeystoreYaml() +
           "  truststore: {sources: [{issuer: {}}]}\n  formats: [PKCS12]\n",
       {"keystore.p12", "truststore.p12", "password"},
       {}},
      {KeystoreYaml() +
           "  truststore: {secretName: app-trust, sources: [{issuer: {}}]}\n"
           "  formats: [JKS, PEM]\n",
       {"keystore.jks", "tls.crt", "tls.key", "ca.crt", "password"},
       {"truststore.jks", "ca.crt", "password"}},
      {KeystoreYaml() + "  password: {secretKeyRef: {name: pw, key: p}}\n"
                        "  formats: [PKCS12]\n",
       {"keystore.p12"},
       {}},
  };
  for (const Case& c : cases) {
    api::CertStore cs = MakeCertStore(Spec(c.spec));
    SecretLayout l = LayoutFor(cs);
    EXPECT_EQ(l.main_keys, c.main) << c.spec;
    EXPECT_EQ(l.trust_keys, c.trust) << c.spec;
    EXPECT_EQ(HasSeparateTruststore(cs), !c.trust.empty()) << c.spec;
  }
}

TEST(SecretLayoutTest, EveryManagedSecretNamesItsCertStoreAndIssuer) {
  api::CertStore cs = MakeCertStore(Spec(KeystoreYaml()));
  api::SecretObject s = NewManagedSecret(cs, "app-stores");
  EXPECT_EQ(s.metadata.namespace_, "demo");
  EXPECT_EQ(s.metadata.labels.at(api::kManagedByLabel), api::kManagedByValue);
  EXPECT_EQ(s.metadata.annotations.at(kCertStoreAnnotation), "app");
  EXPECT_EQ(s.metadata.annotations.at(kIssuerAnnotation), "CertIssuer/team-ca");
  EXPECT_TRUE(s.data.empty());
}

// ---- Re-encode policy --------------------------------------------------

class ReencodePolicyTest : public StoredCertificateTest {
 protected:
  // Renders once, then builds the input for the main Secret as stored.
  void SetUp() override {
    cs_ = MakeCertStore(Spec(KeystoreYaml() + "  formats: [PKCS12, PEM]\n"));
    RenderOptions opts;
    opts.verified = &verified_;
    RenderResult r = MustRender(cs_, ca_, objects_, clock_, opts);
    stored_ = r.secrets[0];
    password_ = SecretBytes(PasswordOf(stored_));
    auto cur = ReadStoredCertificate(stored_, password_, objects_, nullptr);
    ASSERT_TRUE(cur.has_value());
    desired_.alias = cs_.spec.keystore->alias;
    desired_.key = std::move(cur->key);
    desired_.leaf = std::move(cur->cert);
    desired_.root = pki::ShareCert(ca_.Root());
    desired_.main_keys = LayoutFor(cs_).main_keys;
    for (auto& [k, e] : r.verified) verified_.Remember(k, std::move(e));
  }
  ReencodeInput Input() {
    ReencodeInput in;
    in.stored = &stored_;
    in.keys = &desired_.main_keys;
    in.desired = &desired_;
    in.password = &password_;
    in.render_hash = api::RenderHash(cs_);
    return in;
  }
  api::CertStore cs_;
  api::SecretObject stored_;
  SecretBytes password_;
  DesiredStores desired_;
  VerifiedStores verified_;
};

TEST_F(ReencodePolicyTest, KeepsExactlyWhatTheSpecMakes) {
  EXPECT_EQ(ReencodeReason(Input()), "");
  ReencodeInput in = Input();
  in.verified = &verified_;  // remembered: kept without opening the stores
  EXPECT_EQ(ReencodeReason(in), "");
}

TEST_F(ReencodePolicyTest, TheFirstCheckThatFiresGivesTheReason) {
  struct Case {
    const char* what;
    std::function<void(ReencodeInput*, api::SecretObject*)> change;
    const char* reason;
  };
  const Case cases[] = {
      {"new certificate",
       [](ReencodeInput* in, api::SecretObject*) {
         in->new_certificate = true;
       },
       "new certificate"},
      {"new certificate wins over a missing Secret",
       [](ReencodeInput* in, api::SecretObject*) {
         in->new_certificate = true;
         in->stored = nullptr;
       },
       "new certificate"},
      {"missing Secret",
       [](ReencodeInput* in, api::SecretObject*) { in->stored = nullptr; },
       "Secret missing"},
      {"settings changed",
       [](ReencodeInput* in, api::SecretObject*) { in->render_hash = "other"; },
       "store settings changed"},
      {"render hash annotation removed",
       [](ReencodeInput*, api::SecretObject* s) {
         s->metadata.annotations.erase(kRenderHashAnnotation);
       },
       "store settings changed"},
      {"a file removed",
       [](ReencodeInput*, api::SecretObject* s) { s->data.erase("tls.key"); },
       "tls.key"},
      {"a file modified",
       [](ReencodeInput*, api::SecretObject* s) {
         s->data["keystore.p12"][20] ^= 1;
       },
       "keystore.p12"},
  };
  for (const Case& c : cases) {
    api::SecretObject copy = stored_;
    ReencodeInput in = Input();
    in.stored = &copy;
    in.verified = &verified_;  // a changed Secret is never a remembered one
    c.change(&in, &copy);
    std::string why = ReencodeReason(in);
    EXPECT_NE(why.find(c.reason), std::string::npos)
        << c.what << ": got \"" << why << "\"";
  }
}

}  // namespace
}  // namespace certstore::engine
