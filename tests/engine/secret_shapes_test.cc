// The shapes of the Secrets a CertStore writes: their type, labels and
// annotations (spec.secretType, spec.secretTemplate), the files of
// spec.additionalFormats, the separate truststore Secret's own password,
// and the rule that we own exactly our keys (a user's key survives repairs
// and renewals).
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "operator/common/compact_map.h"
#include "operator/engine/reasons.h"
#include "operator/engine/secret_layout.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

constexpr char kUserKey[] = "application.properties";
constexpr char kUserValue[] = "server.ssl.key-store=/etc/tls/keystore.p12\n";

std::string Trust(const api::SecretObject& s) {
  return s.data.count("truststore.p12") ? s.data.at("truststore.p12") : "";
}

class SecretShapesTest : public ::testing::Test {
 protected:
  FakeClock clock_{TestNow()};
  pki::CaMaterial ca_ = MustRoot(clock_);
  MapObjectSource objects_;
};

TEST_F(SecretShapesTest, TypeFollowsWhatTheSecretHolds) {
  struct Case {
    const char* name;
    std::string spec;
    const char* want;
  } cases[] = {
      {"KeystoreWithPem", Spec(KeystoreYaml()), "kubernetes.io/tls"},
      {"KeystoreWithoutPem",
       Spec(KeystoreYaml() + "  formats: [PKCS12, JKS]\n"), "Opaque"},
      {"TruststoreOnlyPem", Spec("  truststore: {}\n  formats: [PEM]\n"),
       "Opaque"},
      {"OpaqueKept", Spec(KeystoreYaml() + "  secretType: Opaque\n"), "Opaque"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(TestNow());
    pki::CaMaterial ca = MustRoot(clock);
    MapObjectSource objects;
    RenderResult r = MustRender(MakeCertStore(c.spec), ca, objects, clock);
    ASSERT_FALSE(r.secrets.empty());
    EXPECT_EQ(r.secrets[0].type, c.want);
  }
}

// The informer caches hold the label and annotation keys the operator
// writes as codes (common/compact_map.h): a key added here and not there
// costs every managed Secret its bytes again.
TEST_F(SecretShapesTest, EveryKeyTheOperatorWritesIsHeldAsACode) {
  RenderResult r =
      MustRender(MakeCertStore(Spec(KeystoreYaml() + "  truststore: {}\n")),
                 ca_, objects_, clock_);
  ASSERT_FALSE(r.secrets.empty());
  for (const api::SecretObject& s : r.secrets) {
    for (const auto& [k, v] : s.metadata.labels)
      EXPECT_TRUE(CompactStringMap::IsWellKnownKey(k)) << "label " << k;
    for (const auto& [k, v] : s.metadata.annotations)
      EXPECT_TRUE(CompactStringMap::IsWellKnownKey(k)) << "annotation " << k;
  }
  for (const char* k :
       {kTrustBundleLabel, kTrustBundleUidLabel, kBundleContentAnnotation,
        kCertStoreAnnotation, kCertStoreLabel, kIssuerAnnotation,
        kIdentityHashAnnotation, kRenderHashAnnotation, kRevisionAnnotation,
        kPasswordRefAnnotation, kSealAnnotation, kIssuerUidAnnotation,
        kRenewRequestAnnotation, kRestartOnChangeAnnotation,
        api::kManagedByLabel})
    EXPECT_TRUE(CompactStringMap::IsWellKnownKey(k)) << k;
}

TEST_F(SecretShapesTest, TlsTypeWithoutPemIsRefused) {
  std::string errs = ValidationErrors(Spec(
      KeystoreYaml() + "  formats: [JKS]\n  secretType: kubernetes.io/tls\n"));
  EXPECT_NE(errs.find("spec.secretType"), std::string::npos) << errs;
  EXPECT_NE(errs.find("PEM in spec.formats"), std::string::npos) << errs;
}

TEST_F(SecretShapesTest, TemplateLabelsAndAnnotationsOursWin) {
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() +
           "  truststore: {secretName: app-trust}\n"
           "  secretTemplate:\n"
           "    labels: {team: payments, app.kubernetes.io/managed-by: helm}\n"
           "    annotations: {reloader.stakater.com/match: \"true\"}\n"));
  RenderResult r = MustRender(cs, ca_, objects_, clock_);
  ASSERT_EQ(r.secrets.size(), 2u);
  for (const auto& s : r.secrets) {
    SCOPED_TRACE(s.metadata.name);
    EXPECT_EQ(s.metadata.labels.at("team"), "payments");
    EXPECT_EQ(s.metadata.labels.at(api::kManagedByLabel), api::kManagedByValue);
    EXPECT_EQ(s.metadata.labels.at(kCertStoreLabel), "app");
    EXPECT_EQ(s.metadata.annotations.at("reloader.stakater.com/match"), "true");
    EXPECT_EQ(s.metadata.annotations.at(kCertStoreAnnotation), "app");
  }
  EXPECT_EQ(r.secrets[1].type, "Opaque");  // the truststore Secret
}

TEST_F(SecretShapesTest, LongCertStoreNameHasNoLabel) {
  EXPECT_EQ(CertStoreLabelValue(std::string(63, 'a')), std::string(63, 'a'));
  EXPECT_EQ(CertStoreLabelValue(std::string(64, 'a')), "");
}

TEST_F(SecretShapesTest, TemplateKeysAreValidated) {
  struct Case {
    const char* name;
    const char* tmpl;
    const char* want;
  } cases[] = {
      {"ReservedAnnotation",
       "{annotations: {certstore.dev/renew-request: \"1\"}}",
       "keys under certstore.dev/ are the operator's own"},
      {"ReservedLabel", "{labels: {certstore.dev/certstore: other}}",
       "keys under certstore.dev/ are the operator's own"},
      {"BadKey", "{labels: {\"a b\": x}}", "is not a valid key"},
      {"BadPrefix", "{labels: {\"Example.com/x\": x}}", "is not a valid key"},
      {"LongValue",
       "{labels: {team: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaa}}",
       "spec.secretTemplate.labels.team"},
      {"ValueWithSpace", "{labels: {team: \"a b\"}}",
       "spec.secretTemplate.labels.team"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string errs = ValidationErrors(
        Spec(KeystoreYaml() + "  secretTemplate: " + c.tmpl + "\n"));
    EXPECT_NE(errs.find(c.want), std::string::npos) << errs;
  }
}

// We own exactly our keys: a user's key survives a tamper repair and a
// renewal; one of ours that the CertStore does not ask for is removed.
TEST_F(SecretShapesTest, UserKeysSurviveRepairAndRenewal) {
  api::CertStore cs =
      MakeCertStore(Spec(KeystoreYaml() + "  truststore: {}\n"));
  RenderResult first = MustRender(cs, ca_, objects_, clock_);
  api::SecretObject edited = first.secrets[0];
  edited.data[kUserKey] = kUserValue;
  objects_.PutSecret(edited);

  // Only the user's key changed: the stores are kept byte for byte.
  RenderResult kept = MustRender(cs, ca_, objects_, clock_);
  EXPECT_FALSE(kept.reencoded) << kept.reencode_reason;
  EXPECT_EQ(kept.secrets[0].data.at(kUserKey), kUserValue);

  // Tampered: repaired, the user's key kept.
  edited.data["keystore.p12"][40] ^= 0x55;
  edited.data["tls.der"] = "stray";  // ours, not asked for
  objects_.PutSecret(edited);
  RenderResult repaired = MustRender(cs, ca_, objects_, clock_);
  EXPECT_TRUE(repaired.reencoded);
  EXPECT_FALSE(repaired.decision.issue);
  EXPECT_EQ(repaired.secrets[0].data.at(kUserKey), kUserValue);
  EXPECT_EQ(repaired.secrets[0].data.count("tls.der"), 0u);
  objects_.PutSecret(repaired.secrets[0]);

  // Renewed: a new certificate, the user's key kept.
  clock_.Advance(std::chrono::hours(24 * 80));
  RenderResult renewed = MustRender(cs, ca_, objects_, clock_);
  EXPECT_TRUE(renewed.decision.issue) << renewed.decision.reason;
  EXPECT_NE(renewed.summary.serial_hex, first.summary.serial_hex);
  EXPECT_EQ(renewed.secrets[0].data.at(kUserKey), kUserValue);
}

TEST_F(SecretShapesTest, AdditionalFormatsHoldTheKeyAndCertificate) {
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustIntermediate(MustRoot(clock), clock);
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() + "  additionalFormats: [CombinedPEM, DER]\n"));
  RenderResult r = MustRender(cs, ca, objects, clock);
  const api::SecretObject& s = r.secrets[0];
  pki::X509Ptr leaf = LeafOf(s, PasswordOf(s));
  ASSERT_TRUE(leaf);

  // tls-combined.pem: the key, then the leaf and the intermediate.
  const std::string& combined = s.data.at("tls-combined.pem");
  EXPECT_EQ(combined.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto key = pki::ParsePrivateKeyPem(SecretBytes(combined));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(pki::KeyMatchesCertificate(key->get(), leaf.get()));
  auto certs = pki::ParseCertificatesPem(combined);
  ASSERT_TRUE(certs.ok()) << certs.status();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_TRUE(pki::SameCertificate((*certs)[0].get(), leaf.get()));
  EXPECT_TRUE(pki::SameCertificate((*certs)[1].get(), ca.cert.get()));

  // tls.der: the leaf; key.der: its PKCS#8 key.
  auto der = pki::ParseCertificateDer(s.data.at("tls.der"));
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_TRUE(pki::SameCertificate(der->get(), leaf.get()));
  const std::string& key_der = s.data.at("key.der");
  const unsigned char* p =
      reinterpret_cast<const unsigned char*>(key_der.data());
  pki::EvpPkeyPtr k(d2i_AutoPrivateKey(nullptr, &p, key_der.size()));
  ASSERT_TRUE(k);
  EXPECT_TRUE(pki::KeyMatchesCertificate(k.get(), leaf.get()));

  // Edited: repaired without a new certificate.
  for (const char* f : {"tls-combined.pem", "tls.der", "key.der"}) {
    SCOPED_TRACE(f);
    api::SecretObject edited = s;
    edited.data[f] += "x";
    objects.PutSecret(edited);
    RenderResult again = MustRender(cs, ca, objects, clock);
    EXPECT_TRUE(again.reencoded);
    EXPECT_NE(again.reencode_reason.find(f), std::string::npos)
        << again.reencode_reason;
    EXPECT_FALSE(again.decision.issue);
    EXPECT_EQ(again.secrets[0].data.at(f), s.data.at(f));
  }
}

TEST_F(SecretShapesTest, SeparateTruststoreHasItsOwnGeneratedPassword) {
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() + "  truststore: {secretName: app-trust}\n"));
  RenderResult r = MustRender(cs, ca_, objects_, clock_);
  ASSERT_EQ(r.secrets.size(), 2u);
  const api::SecretObject& main = r.secrets[0];
  const api::SecretObject& trust = r.secrets[1];
  std::string trust_pw = PasswordOf(trust);
  ASSERT_FALSE(trust_pw.empty());
  EXPECT_NE(trust_pw, PasswordOf(main));
  MustOpen("truststore.p12", Trust(trust), trust_pw);
  EXPECT_FALSE(
      pki::ParsePkcs12(Trust(trust), SecretBytes(PasswordOf(main))).ok());

  // Stable: the next render keeps both.
  Store(r, &objects_);
  RenderResult again = MustRender(cs, ca_, objects_, clock_);
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;
  EXPECT_EQ(PasswordOf(again.secrets[1]), trust_pw);

  // A truststore Secret written by an earlier version, with the keystore's
  // password: given a password of its own.
  api::SecretObject legacy = trust;
  legacy.data["password"] = PasswordOf(main);
  auto reencoded = pki::EncodePkcs12Truststore({ca_.cert.get()},
                                               SecretBytes(PasswordOf(main)),
                                               pki::Pkcs12Profile::kModern2023);
  ASSERT_TRUE(reencoded.ok());
  legacy.data["truststore.p12"] = *reencoded;
  objects_.PutSecret(legacy);
  RenderResult migrated = MustRender(cs, ca_, objects_, clock_);
  EXPECT_TRUE(migrated.reencoded);
  std::string new_pw = PasswordOf(migrated.secrets[1]);
  EXPECT_NE(new_pw, PasswordOf(main));
  MustOpen("truststore.p12", Trust(migrated.secrets[1]), new_pw);
  EXPECT_EQ(PasswordOf(migrated.secrets[0]), PasswordOf(main));
}

TEST_F(SecretShapesTest, TruststorePasswordValueAndReference) {
  objects_.PutSecret(
      MakeSecret("trust-pass", {{"password", "trust-secret\n"}}));
  struct Case {
    const char* name;
    const char* password;
    const char* want;
  } cases[] = {
      {"Changeit", "{value: changeit}", "changeit"},
      {"SecretKeyRef", "{secretKeyRef: {name: trust-pass}}", "trust-secret"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    api::CertStore cs = MakeCertStore(Spec(
        KeystoreYaml() + "  truststore: {secretName: app-trust, password: " +
        c.password + "}\n  formats: [PKCS12, JKS]\n"));
    RenderResult r = MustRender(cs, ca_, objects_, clock_);
    ASSERT_EQ(r.secrets.size(), 2u);
    const api::SecretObject& trust = r.secrets[1];
    EXPECT_EQ(trust.data.count("password"), 0u);
    MustOpen("truststore.p12", Trust(trust), c.want);
    MustOpen("truststore.jks", trust.data.at("truststore.jks"), c.want);
    MustOpen("keystore.p12", r.secrets[0].data.at("keystore.p12"),
             PasswordOf(r.secrets[0]));
  }
}

TEST_F(SecretShapesTest, MissingTruststorePasswordSecretNamesTheField) {
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() +
           "  truststore: {secretName: app-trust, password: {secretKeyRef: "
           "{name: nope}}}\n"));
  auto r = RenderCertStore(cs, ca_, objects_, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("spec.truststore.password.secretKeyRef"),
            std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace certstore::engine
