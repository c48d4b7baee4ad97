// Initial issuance: which data keys each Secret gets per formats, and what
// each file holds.
#include <gtest/gtest.h>

#include "operator/api/hash.h"
#include "operator/engine/render.h"
#include "operator/engine/renewal.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

struct LayoutCase {
  const char* name;
  std::string spec;
  Keys main;
  Keys trust;  // empty: no separate truststore Secret
};

std::string Trust() { return "  truststore: {}\n"; }
std::string SeparateTrust() {
  return "  truststore: {secretName: app-trust}\n";
}
std::string UserPassword() {
  return "  password: {secretKeyRef: {name: store-pass}}\n";
}

std::vector<LayoutCase> Layouts() {
  return {
      {"DefaultFormats",
       Spec(KeystoreYaml() + Trust()),
       {"keystore.p12", "truststore.p12", "tls.crt", "tls.key", "ca.crt",
        "password"},
       {}},
      {"AllFormats",
       Spec(KeystoreYaml() + Trust() + "  formats: [PKCS12, JKS, PEM]\n"),
       {"keystore.p12", "keystore.jks", "truststore.p12", "truststore.jks",
        "tls.crt", "tls.key", "ca.crt", "password"},
       {}},
      {"KeystoreOnlyPkcs12",
       Spec(KeystoreYaml() + "  formats: [PKCS12]\n"),
       {"keystore.p12", "password"},
       {}},
      {"KeystoreOnlyJks",
       Spec(KeystoreYaml() + "  formats: [JKS]\n"),
       {"keystore.jks", "password"},
       {}},
      {"KeystoreOnlyPemHasNoPassword",
       Spec(KeystoreYaml() + "  formats: [PEM]\n"),
       {"tls.crt", "tls.key", "ca.crt"},
       {}},
      {"KeystoreOnlyDefaultFormats",
       Spec(KeystoreYaml()),
       {"keystore.p12", "tls.crt", "tls.key", "ca.crt", "password"},
       {}},
      {"TruststoreOnlyJks",
       Spec(Trust() + "  formats: [JKS]\n"),
       {"truststore.jks", "password"},
       {}},
      {"TruststoreOnlyPem",
       Spec(Trust() + "  formats: [PEM]\n"),
       {"ca.crt"},
       {}},
      {"TruststoreOnlyPkcs12Pem",
       Spec(Trust()),
       {"truststore.p12", "ca.crt", "password"},
       {}},
      {"SeparateTruststore",
       Spec(KeystoreYaml() + SeparateTrust() +
            "  formats: [PKCS12, JKS, PEM]\n"),
       {"keystore.p12", "keystore.jks", "tls.crt", "tls.key", "ca.crt",
        "password"},
       {"truststore.p12", "truststore.jks", "ca.crt", "password"}},
      {"SeparateTruststorePem",
       Spec(KeystoreYaml() + SeparateTrust() + "  formats: [PEM]\n"),
       {"tls.crt", "tls.key", "ca.crt"},
       {"ca.crt"}},
      {"UserPasswordIsNotStored",
       Spec(KeystoreYaml() + Trust() + UserPassword() +
            "  formats: [PKCS12, JKS]\n"),
       {"keystore.p12", "keystore.jks", "truststore.p12", "truststore.jks"},
       {}},
  };
}

class StoreLayoutTest : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(StoreLayoutTest, WritesExactlyTheExpectedKeys) {
  const LayoutCase& c = GetParam();
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  MapObjectSource objects;
  objects.PutSecret(
      MakeSecret("store-pass", {{"password", "Us3r-Passw0rd\n"}}));
  api::CertStore cs = MakeCertStore(c.spec);
  RenderResult r = MustRender(cs, ca, objects, clock);
  ASSERT_EQ(r.secrets.size(), c.trust.empty() ? 1u : 2u);
  EXPECT_EQ(r.secrets[0].metadata.name, "app-stores");
  EXPECT_EQ(KeysOf(r.secrets[0]), c.main);
  if (!c.trust.empty()) {
    EXPECT_EQ(r.secrets[1].metadata.name, "app-trust");
    EXPECT_EQ(KeysOf(r.secrets[1]), c.trust);
  }
  EXPECT_TRUE(r.reencoded);
  for (const auto& s : r.secrets) {
    EXPECT_EQ(s.metadata.namespace_, "demo");
    EXPECT_EQ(s.metadata.labels.at("app.kubernetes.io/managed-by"),
              "certstore-operator");
    EXPECT_EQ(s.metadata.annotations.at(kCertStoreAnnotation), "app");
    EXPECT_EQ(s.metadata.annotations.at(kRenderHashAnnotation),
              api::RenderHash(cs));
    // A separate truststore Secret has a password of its own.
    if (s.data.count("password") && !c.trust.empty() &&
        s.metadata.name == "app-trust") {
      EXPECT_NE(s.data.at("password"), r.secrets[0].data.at("password"));
    }
  }
  if (cs.spec.keystore) {
    EXPECT_TRUE(r.decision.issue);
    EXPECT_EQ(r.decision.reason, kReasonInitial);
    EXPECT_EQ(r.summary.revision, 1);
    EXPECT_EQ(r.secrets[0].metadata.annotations.at(kRevisionAnnotation), "1");
    EXPECT_EQ(r.secrets[0].metadata.annotations.at(kIdentityHashAnnotation),
              api::IdentityHash(cs));
  } else {
    EXPECT_FALSE(r.decision.issue);
    EXPECT_EQ(r.summary.serial_hex, "");
    EXPECT_EQ(r.summary.truststore_certificates, 1);
  }
  // Every store opens with the password (generated or the user's, without
  // its trailing newline).
  // A separate truststore Secret's stores open with its own password.
  std::string password =
      cs.spec.password ? "Us3r-Passw0rd" : PasswordOf(r.secrets[0]);
  for (const auto& s : r.secrets)
    for (const auto& [k, v] : s.data)
      if (k.find("store.") != std::string::npos)
        MustOpen(k, v,
                 s.metadata.name == "app-trust" ? PasswordOf(s) : password);
}

INSTANTIATE_TEST_SUITE_P(Formats, StoreLayoutTest,
                         ::testing::ValuesIn(Layouts()), [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST(StoreContentTest, FilesHoldTheRightEntries) {
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(Spec(
      "  keystore: {alias: server, commonName: app, dnsNames: [app.demo.svc],\n"
      "             ipAddresses: [10.0.0.1], usages: [serverAuth]}\n" +
      Trust() + "  formats: [PKCS12, JKS, PEM]\n"));
  RenderResult r = MustRender(cs, ca, objects, clock);
  const auto& d = r.secrets[0].data;
  std::string password = d.at("password");
  EXPECT_EQ(password.size(), 32u);
  EXPECT_EQ(
      password.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
      std::string::npos);

  std::string root_fp = pki::FingerprintSha256Hex(ca.cert.get());
  for (const char* f : {"keystore.p12", "keystore.jks"}) {
    SCOPED_TRACE(f);
    pki::StoreContents ks = MustOpen(f, d.at(f), password);
    ASSERT_EQ(ks.entries.size(), 1u);
    EXPECT_EQ(ks.entries[0].type, pki::EntryType::kPrivateKey);
    EXPECT_EQ(ks.entries[0].alias, "server");
    ASSERT_EQ(ks.entries[0].chain.size(), 2u);  // leaf, root
    EXPECT_EQ(pki::FingerprintSha256Hex(ks.entries[0].chain[1].get()), root_fp);
    EXPECT_TRUE(pki::KeyMatchesCertificate(ks.entries[0].key.get(),
                                           ks.entries[0].chain[0].get()));
    EXPECT_EQ(pki::SerialHex(ks.entries[0].chain[0].get()),
              r.summary.serial_hex);
  }
  for (const char* f : {"truststore.p12", "truststore.jks"}) {
    SCOPED_TRACE(f);
    pki::StoreContents ts = MustOpen(f, d.at(f), password);
    ASSERT_EQ(ts.entries.size(), 1u);
    EXPECT_EQ(ts.entries[0].type, pki::EntryType::kTrustedCert);
    EXPECT_FALSE(ts.entries[0].key);
    EXPECT_EQ(pki::FingerprintSha256Hex(ts.entries[0].chain[0].get()), root_fp);
  }
  auto leaf = pki::ParseCertificatesPem(d.at("tls.crt"));
  ASSERT_TRUE(leaf.ok());
  ASSERT_EQ(leaf->size(), 1u);  // a root CA: no intermediates
  pki::CertificateInfo info = pki::DescribeCertificate((*leaf)[0].get());
  EXPECT_EQ(info.sans,
            (std::vector<std::string>{"DNS:app.demo.svc", "IP:10.0.0.1"}));
  EXPECT_EQ(info.extended_key_usage, std::vector<std::string>{"serverAuth"});
  auto key = pki::ParsePrivateKeyPem(SecretBytes(d.at("tls.key")));
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(pki::KeyMatchesCertificate(key->get(), (*leaf)[0].get()));
  EXPECT_EQ(pki::KeyDescription(key->get()), "ECDSA P-256");
  EXPECT_EQ(d.at("ca.crt"), CertPem(ca.cert.get()));

  // What status reports.
  const RenderSummary& s = r.summary;
  EXPECT_EQ(s.serial_hex, pki::SerialHex((*leaf)[0].get()));
  EXPECT_EQ(s.fingerprint_sha256, pki::FingerprintSha256((*leaf)[0].get()));
  EXPECT_EQ(*s.not_after, TestNow() + std::chrono::hours(2160));
  EXPECT_EQ(*s.renewal_time,
            JitteredRenewalTime(*s.not_before, *s.not_after, *cs.spec.keystore,
                                s.fingerprint_sha256));
  EXPECT_LE(*s.renewal_time,
            RenewalTime(*s.not_before, *s.not_after, *cs.spec.keystore));
  EXPECT_EQ(s.truststore_certificates, 1);
  EXPECT_EQ(*s.truststore_earliest_not_after, pki::NotAfter(ca.cert.get()));
  EXPECT_EQ(s.warning, "");
}

TEST(StoreContentTest, IntermediateGoesIntoChainButNotTheTruststore) {
  FakeClock clock(TestNow());
  pki::CaMaterial root = MustRoot(clock);
  pki::CaMaterial inter = MustIntermediate(root, clock);
  MapObjectSource objects;
  api::CertStore cs = MakeCertStore(
      Spec(KeystoreYaml() + Trust() + "  formats: [PKCS12, PEM]\n"));
  RenderResult r = MustRender(cs, inter, objects, clock);
  const auto& d = r.secrets[0].data;
  auto tls = pki::ParseCertificatesPem(d.at("tls.crt"));
  ASSERT_TRUE(tls.ok());
  ASSERT_EQ(tls->size(), 2u);  // leaf + intermediate
  EXPECT_EQ(pki::CommonName((*tls)[1].get()), "Test Intermediate CA");
  pki::StoreContents ks =
      MustOpen("keystore.p12", d.at("keystore.p12"), PasswordOf(r.secrets[0]));
  ASSERT_EQ(ks.entries[0].chain.size(), 3u);  // leaf, intermediate, root
  pki::StoreContents ts = MustOpen("truststore.p12", d.at("truststore.p12"),
                                   PasswordOf(r.secrets[0]));
  ASSERT_EQ(ts.entries.size(), 1u);
  EXPECT_EQ(pki::CommonName(ts.entries[0].chain[0].get()), "Test Root CA");
  EXPECT_EQ(d.at("ca.crt"), CertPem(root.cert.get()));
}

// The CA expires before the requested duration: notAfter is clamped and the
// summary says so.
TEST(StoreContentTest, ClampedNotAfterWarns) {
  FakeClock clock(TestNow());
  pki::EvpPkeyPtr key = MustKey();
  pki::RootSpec rs;
  rs.subject.common_name = "Short CA";
  rs.duration = std::chrono::hours(100);
  auto ca = pki::CreateSelfSignedCa(rs, key.get(), clock);
  ASSERT_TRUE(ca.ok());
  MapObjectSource objects;
  RenderResult r =
      MustRender(MakeCertStore(Spec(KeystoreYaml())), *ca, objects, clock);
  EXPECT_EQ(*r.summary.not_after, pki::NotAfter(ca->cert.get()));
  EXPECT_NE(r.summary.warning, "");
}

TEST(StorePasswordTest, MissingPasswordSecretNamesTheField) {
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  api::CertStore cs = MakeCertStore(Spec(KeystoreYaml() + UserPassword()));
  const struct {
    const char* name;
    std::optional<api::SecretObject> secret;
    const char* want;
  } cases[] = {
      {"noSecret", std::nullopt,
       "spec.password.secretKeyRef: Secret demo/store-pass not found"},
      {"otherNamespace", MakeSecret("store-pass", {{"password", "x"}}, "other"),
       "spec.password.secretKeyRef: Secret demo/store-pass not found"},
      {"noKey", MakeSecret("store-pass", {{"pass", "x"}}),
       "spec.password.secretKeyRef: Secret demo/store-pass has no non-empty "
       "key password"},
      {"emptyKey", MakeSecret("store-pass", {{"password", ""}}),
       "has no non-empty key password"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    MapObjectSource objects;
    if (c.secret) objects.PutSecret(*c.secret);
    auto r = RenderCertStore(cs, ca, objects, clock);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << r.status();
  }
}

}  // namespace
}  // namespace certstore::engine
