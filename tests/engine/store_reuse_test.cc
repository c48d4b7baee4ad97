// Re-rendering: nothing changes when nothing changed; a change to how the
// files look re-encodes the same certificate; a change to what the
// certificate says issues a new one.
#include <gtest/gtest.h>

#include "operator/engine/render.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

std::string Base() {
  return Spec(
      "  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
      "    usages: [serverAuth]\n  truststore: {}\n");
}

class StoreReuseTest : public ::testing::Test {
 protected:
  StoreReuseTest() : clock_(TestNow()), ca_(MustRoot(clock_)) {
    objects_.PutSecret(
        MakeSecret("store-pass", {{"password", "Us3r-Passw0rd"}}));
    objects_.PutSecret(MakeSecret(
        "partner",
        {{"ca.crt", CertPem(MustRoot(clock_, "Partner CA").cert.get())}}));
    first_ = MustRender(MakeCertStore(Base()), ca_, objects_, clock_);
    Store(first_, &objects_);
    clock_.Advance(std::chrono::hours(24));
  }

  FakeClock clock_;
  pki::CaMaterial ca_;
  MapObjectSource objects_;
  RenderResult first_;
};

TEST_F(StoreReuseTest, SameSpecKeepsCertificateAndBytes) {
  RenderResult again = MustRender(MakeCertStore(Base()), ca_, objects_, clock_);
  EXPECT_FALSE(again.decision.issue);
  EXPECT_EQ(again.decision.reason, kReasonUpToDate);
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;
  EXPECT_EQ(again.summary.serial_hex, first_.summary.serial_hex);
  EXPECT_EQ(again.summary.revision, 1);
  ASSERT_EQ(again.secrets.size(), 1u);
  EXPECT_EQ(again.secrets[0].data, first_.secrets[0].data);
  EXPECT_EQ(again.secrets[0].metadata.annotations,
            first_.secrets[0].metadata.annotations);
}

struct Change {
  const char* name;
  std::string spec;
};

// Changes that only shape the files.
std::vector<Change> RenderChanges() {
  return {
      {"Alias", Spec("  keystore:\n    alias: server\n    commonName: app\n"
                     "    dnsNames: [app.demo.svc]\n    usages: [serverAuth]\n"
                     "  truststore: {}\n")},
      {"AddJks", Base() + "  formats: [PKCS12, JKS, PEM]\n"},
      {"OnlyPem", Base() + "  formats: [PEM]\n"},
      {"LegacyProfile", Base() + "  pkcs12: {profile: LegacyDES}\n"},
      {"PasswordRef",
       Base() + "  password: {secretKeyRef: {name: store-pass}}\n"},
      {"TrustSources",
       Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
            "    usages: [serverAuth]\n"
            "  truststore:\n    sources: [{issuer: {}}, {secret: {name: "
            "partner}}]\n")},
      {"SeparateTruststore",
       Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
            "    usages: [serverAuth]\n  truststore: {secretName: "
            "app-trust}\n")},
      {"RenewBefore",
       Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
            "    usages: [serverAuth]\n    renewBefore: 100h\n"
            "  truststore: {}\n")},
  };
}

class RenderChangeTest : public StoreReuseTest,
                         public ::testing::WithParamInterface<Change> {};

TEST_P(RenderChangeTest, ReencodesWithTheSameCertificate) {
  api::CertStore cs = MakeCertStore(GetParam().spec);
  RenderResult r = MustRender(cs, ca_, objects_, clock_);
  EXPECT_FALSE(r.decision.issue)
      << r.decision.reason << ": " << r.decision.message;
  EXPECT_EQ(r.summary.serial_hex, first_.summary.serial_hex);
  EXPECT_EQ(r.summary.revision, 1);
  if (std::string(GetParam().name) == "RenewBefore") {
    // Only the schedule moves; the files are already right.
    EXPECT_FALSE(r.reencoded) << r.reencode_reason;
    // renewBefore 100h, minus a jitter of at most an hour.
    TimePoint plain = *first_.summary.not_after - std::chrono::hours(100);
    EXPECT_LE(*r.summary.renewal_time, plain);
    EXPECT_GT(*r.summary.renewal_time, plain - std::chrono::hours(1));
  } else {
    EXPECT_TRUE(r.reencoded);
    EXPECT_NE(r.secrets[0].data, first_.secrets[0].data);
  }
  // The re-encoded files hold the same certificate and open with the
  // password now in effect.
  std::string password =
      cs.spec.password ? "Us3r-Passw0rd" : PasswordOf(r.secrets[0]);
  EXPECT_EQ(pki::SerialHex(LeafOf(r.secrets[0], password).get()),
            first_.summary.serial_hex);
  if (cs.spec.password) {
    EXPECT_EQ(r.secrets[0].data.count("password"), 0u);
  } else if (r.secrets[0].data.count("password")) {
    EXPECT_EQ(password, PasswordOf(first_.secrets[0]));  // generated one kept
  }
  if (cs.spec.keystore->alias == "server") {
    auto ks = MustOpen("keystore.p12", r.secrets[0].data.at("keystore.p12"),
                       password);
    EXPECT_EQ(ks.entries[0].alias, "server");
  }
  // And a further render converges.
  Store(r, &objects_);
  RenderResult again = MustRender(cs, ca_, objects_, clock_);
  EXPECT_FALSE(again.decision.issue);
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;
}

INSTANTIATE_TEST_SUITE_P(Changes, RenderChangeTest,
                         ::testing::ValuesIn(RenderChanges()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

// Changes to what the certificate says.
std::vector<Change> IdentityChanges() {
  return {
      {"DnsNames", Spec("  keystore:\n    commonName: app\n    dnsNames: "
                        "[app.demo.svc, app]\n"
                        "    usages: [serverAuth]\n  truststore: {}\n")},
      {"Usages",
       Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
            "    usages: [serverAuth, clientAuth]\n  truststore: {}\n")},
      {"KeyAlgorithm",
       Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
            "    usages: [serverAuth]\n    privateKey: {algorithm: Ed25519}\n"
            "  truststore: {}\n")},
      {"KeySize",
       Spec("  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
            "    usages: [serverAuth]\n    privateKey: {size: 384}\n"
            "  truststore: {}\n")},
      {"Duration",
       Spec(
           "  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
           "    usages: [serverAuth]\n    duration: 720h\n  truststore: {}\n")},
      {"Issuer",
       "  issuerRef: {name: other-ca}\n  secretName: app-stores\n"
       "  keystore:\n    commonName: app\n    dnsNames: [app.demo.svc]\n"
       "    usages: [serverAuth]\n  truststore: {}\n"},
  };
}

class IdentityChangeTest : public StoreReuseTest,
                           public ::testing::WithParamInterface<Change> {};

TEST_P(IdentityChangeTest, IssuesANewCertificate) {
  api::CertStore cs = MakeCertStore(GetParam().spec);
  RenderResult r = MustRender(cs, ca_, objects_, clock_);
  EXPECT_TRUE(r.decision.issue);
  EXPECT_EQ(r.decision.reason, kReasonSpecChanged);
  EXPECT_TRUE(r.reencoded);
  EXPECT_NE(r.summary.serial_hex, first_.summary.serial_hex);
  EXPECT_EQ(r.summary.revision, 2);
  EXPECT_EQ(r.secrets[0].metadata.annotations.at(kRevisionAnnotation), "2");
  EXPECT_EQ(SerialOf(r.secrets[0]), r.summary.serial_hex);
  EXPECT_EQ(PasswordOf(r.secrets[0]), PasswordOf(first_.secrets[0]));
  Store(r, &objects_);
  RenderResult again = MustRender(cs, ca_, objects_, clock_);
  EXPECT_FALSE(again.decision.issue) << again.decision.reason;
  EXPECT_FALSE(again.reencoded) << again.reencode_reason;
}

INSTANTIATE_TEST_SUITE_P(Changes, IdentityChangeTest,
                         ::testing::ValuesIn(IdentityChanges()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace certstore::engine

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

// With only PKCS12 the key lives nowhere but in the password-locked store:
// switching the password reference must still re-encode the same
// certificate (the stores remember the reference they were written with).
TEST(PasswordRefChangeTest, KeepsTheCertificateWhenOnlyStoresHoldTheKey) {
  FakeClock clock(TestNow());
  pki::CaMaterial ca = MustRoot(clock);
  MapObjectSource objects;
  objects.PutSecret(MakeSecret("pw-a", {{"password", "alpha-Passw0rd"}}));
  objects.PutSecret(MakeSecret("pw-b", {{"pw", "bravo-Passw0rd"}}));
  std::string head = Spec(KeystoreYaml() + "  formats: [PKCS12]\n");
  RenderResult first = MustRender(
      MakeCertStore(head + "  password: {secretKeyRef: {name: pw-a}}\n"), ca,
      objects, clock);
  Store(first, &objects);
  RenderResult second = MustRender(
      MakeCertStore(head +
                    "  password: {secretKeyRef: {name: pw-b, key: pw}}\n"),
      ca, objects, clock);
  EXPECT_FALSE(second.decision.issue) << second.decision.reason;
  EXPECT_TRUE(second.reencoded);
  EXPECT_EQ(second.summary.serial_hex, first.summary.serial_hex);
  auto ks = pki::ParsePkcs12(second.secrets[0].data.at("keystore.p12"),
                             SecretBytes("bravo-Passw0rd"));
  EXPECT_TRUE(ks.ok()) << ks.status();
}

}  // namespace
}  // namespace certstore::engine
