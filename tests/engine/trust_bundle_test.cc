// TrustBundle engine: sources in order and de-duplicated, each kind; the
// filter drops expired and non-CA certificates and reports them; errors
// name the source; the seal key is never read; target objects: the PEM
// ConfigMap, the truststore Secret with Java's changeit or a generated
// password that is kept, stores kept byte for byte, a user's keys kept.
#include "operator/engine/trust_bundle.h"

#include <gtest/gtest.h>

#include "operator/api/defaults.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/engine/reasons.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/yaml_text.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

constexpr char kSourceNs[] = "certstore-system";

using certstore::testing::Indent;

api::TrustBundle MakeBundle(const std::string& spec) {
  auto tb = api::ParseTrustBundle(
      "apiVersion: certstore.dev/v1alpha1\nkind: TrustBundle\n"
      "metadata: {name: corp, uid: tb-uid}\nspec:\n" +
      spec);
  EXPECT_TRUE(tb.ok()) << tb.status();
  if (!tb.ok()) return {};
  api::ApplyDefaults(&*tb);
  Status valid = api::Validate(*tb).ToStatus();
  EXPECT_TRUE(valid.ok()) << valid;
  return *tb;
}

std::vector<std::string> Names(const std::vector<pki::X509Ptr>& certs) {
  std::vector<std::string> out;
  for (const auto& c : certs) out.push_back(pki::CommonName(c.get()));
  return out;
}

class TrustBundleTest : public ::testing::Test {
 protected:
  TrustBundleTest() {
    api::ConfigMapObject cm;
    cm.metadata.name = "corp-roots";
    cm.metadata.namespace_ = kSourceNs;
    cm.data["a.pem"] = CertPem(corp1_.cert.get());
    cm.data["b.pem"] = pki::EncodeCertificatesPem(
        {corp2_.cert.get(), corp1_.cert.get()});  // corp1 twice
    objects_.PutConfigMap(cm);
    for (const char* name : {"partner", "certstore-operator-seal-key"}) {
      api::SecretObject s =
          MakeSecret(name, {{"ca.crt", CertPem(partner_.cert.get())}});
      s.metadata.namespace_ = kSourceNs;
      objects_.PutSecret(s);
    }
    // The same names in a tenant namespace are never read.
    api::ConfigMapObject tenant = cm;
    tenant.metadata.namespace_ = "team-a";
    objects_.PutConfigMap(tenant);
    in_.objects = &objects_;
    in_.source_namespace = kSourceNs;
    in_.forbidden_secret = "certstore-operator-seal-key";
    in_.issuer_roots =
        [this](const std::string& name) -> StatusOr<std::vector<pki::X509Ptr>> {
      if (name != "cluster-root")
        return NotFoundError("ClusterCertIssuer " + name + " not found");
      std::vector<pki::X509Ptr> out;
      out.push_back(pki::ShareCert(issuer_.cert.get()));
      out.push_back(pki::ShareCert(previous_.cert.get()));
      return out;
    };
  }

  FakeClock clock_{TestNow()};
  FakeClock past_{TestNow() - std::chrono::hours(24 * 365 * 20)};
  pki::CaMaterial issuer_ = MustRoot(clock_, "Cluster Root");
  pki::CaMaterial previous_ = MustRoot(clock_, "Cluster Root Previous");
  pki::CaMaterial corp1_ = MustRoot(clock_, "Corp Root 1");
  pki::CaMaterial corp2_ = MustRoot(clock_, "Corp Root 2");
  pki::CaMaterial partner_ = MustRoot(clock_, "Partner Root");
  pki::CaMaterial expired_ = MustRoot(past_, "Expired Root");
  MapObjectSource objects_;
  BundleInputs in_;
};

TEST_F(TrustBundleTest, EverySourceKindInOrderEachCertificateOnce) {
  api::TrustBundle tb = MakeBundle(
      "  sources:\n"
      "  - issuer: {name: cluster-root}\n"
      "  - configMap: {name: corp-roots, allKeys: true}\n"
      "  - secret: {name: partner}\n"
      "  - inline: |\n" +
      Indent(CertPem(corp2_.cert.get()), 6));
  auto c = ResolveBundle(tb, in_, clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(
      Names(c->certificates),
      (std::vector<std::string>{"Cluster Root", "Cluster Root Previous",
                                "Corp Root 1", "Corp Root 2", "Partner Root"}));
  EXPECT_TRUE(c->dropped.empty());
  auto pem = pki::ParseCertificatesPem(c->pem);
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->size(), 5u);
  EXPECT_TRUE(c->earliest_not_after.has_value());
}

TEST_F(TrustBundleTest, FilterDropsExpiredAndNonCaAndReportsThem) {
  pki::EvpPkeyPtr key = MustKey();
  pki::X509Ptr leaf = pki::testing::MustLeaf(corp1_, pki::testing::ServerSpec(),
                                             key.get(), clock_);
  std::string pems = pki::EncodeCertificatesPem(
      {expired_.cert.get(), leaf.get(), corp1_.cert.get()});
  std::string sources = "  sources:\n  - inline: |\n" + Indent(pems, 6);
  // Without the filter, everything stays (the administrator's choice).
  auto all = ResolveBundle(MakeBundle(sources), in_, clock_.Now());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->certificates.size(), 3u);
  auto c = ResolveBundle(
      MakeBundle(sources + "  filter: {dropExpired: true, dropNonCA: true}\n"),
      in_, clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Names(c->certificates), std::vector<std::string>{"Corp Root 1"});
  ASSERT_EQ(c->dropped.size(), 2u);
  EXPECT_EQ(c->dropped[0].reason, "Expired");
  EXPECT_NE(c->dropped[0].subject.find("Expired Root"), std::string::npos);
  EXPECT_EQ(c->dropped[1].reason, "NotCA");
  EXPECT_EQ(c->dropped[1].fingerprint, pki::FingerprintSha256(leaf.get()));
}

TEST_F(TrustBundleTest, ErrorsNameTheSource) {
  struct Case {
    std::string name, sources, want;
    StatusCode code;
  } cases[] = {
      {"missing ConfigMap", "  - configMap: {name: nope}\n",
       "spec.sources[0].configMap: ConfigMap certstore-system/nope not found",
       StatusCode::kNotFound},
      {"missing key", "  - configMap: {name: corp-roots, key: c.pem}\n",
       "ConfigMap certstore-system/corp-roots has no key c.pem",
       StatusCode::kNotFound},
      {"missing Secret", "  - secret: {name: gone}\n",
       "spec.sources[0].secret: Secret certstore-system/gone not found",
       StatusCode::kNotFound},
      {"unknown issuer", "  - issuer: {name: other}\n",
       "ClusterCertIssuer other not found", StatusCode::kNotFound},
      {"seal key", "  - secret: {name: certstore-operator-seal-key}\n",
       "is the operator's seal key", StatusCode::kFailedPrecondition},
      {"not PEM", "  - configMap: {name: junk}\n",
       "spec.sources[0].configMap (ConfigMap certstore-system/junk, key "
       "ca.crt)",
       StatusCode::kInvalidArgument},
      {"all filtered",
       "  - inline: |\n" + Indent(CertPem(expired_.cert.get()), 6) +
           "  filter: {dropExpired: true}\n",
       "no certificates left after spec.filter", StatusCode::kInvalidArgument},
  };
  api::ConfigMapObject junk;
  junk.metadata.name = "junk";
  junk.metadata.namespace_ = kSourceNs;
  junk.data["ca.crt"] = "-----BEGIN CERTIFICATE-----\nnot base64!\n";
  objects_.PutConfigMap(junk);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string spec = "  sources:\n" + c.sources;
    auto r = ResolveBundle(MakeBundle(spec), in_, clock_.Now());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << r.status();
  }
}

TEST_F(TrustBundleTest, ConfigMapTargetHoldsThePem) {
  api::TrustBundle tb = MakeBundle(
      "  sources: [{configMap: {name: corp-roots, key: b.pem}}]\n"
      "  target:\n"
      "    namespaceSelector: {}\n"
      "    configMap: {name: corp-trust}\n");
  auto c = ResolveBundle(tb, in_, clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status();
  api::ConfigMapObject cm = BundleConfigMap(tb, "team-a", *c);
  EXPECT_EQ(cm.metadata.name, "corp-trust");
  EXPECT_EQ(cm.metadata.namespace_, "team-a");
  EXPECT_EQ(cm.metadata.labels.at(kTrustBundleLabel), "corp");
  EXPECT_EQ(cm.metadata.labels.at(api::kManagedByLabel), api::kManagedByValue);
  ASSERT_EQ(cm.data.size(), 1u);
  EXPECT_EQ(cm.data.at("ca.crt"), c->pem);
}

TEST_F(TrustBundleTest, SecretTargetPasswordPolicies) {
  for (std::string policy : {"Changeit", "Generated"}) {
    SCOPED_TRACE(policy);
    api::TrustBundle tb = MakeBundle(
        "  sources: [{configMap: {name: corp-roots, allKeys: true}}]\n"
        "  target:\n"
        "    namespaceSelector: {}\n"
        "    secret: {name: corp-stores, formats: [PKCS12, JKS], "
        "passwordPolicy: " +
        policy + "}\n");
    auto c = ResolveBundle(tb, in_, clock_.Now());
    ASSERT_TRUE(c.ok()) << c.status();
    auto s = BundleSecret(tb, "team-a", *c, std::nullopt, clock_.Now());
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(KeysOf(*s),
              Keys({"ca.crt", "password", "truststore.jks", "truststore.p12"}));
    const std::string& pw = s->data.at("password");
    if (policy == "Changeit")
      EXPECT_EQ(pw, "changeit");
    else
      EXPECT_GE(pw.size(), 32u);
    for (const char* f : {"truststore.p12", "truststore.jks"}) {
      pki::StoreContents sc = MustOpen(f, s->data.at(f), pw);
      ASSERT_EQ(sc.entries.size(), 2u) << f;
      for (const auto& e : sc.entries)
        EXPECT_EQ(e.type, pki::EntryType::kTrustedCert) << f;
    }
    // Rewritten with nothing changed: the same bytes and password (stores
    // are salted; a re-encode would rewrite every namespace), and a key a
    // user added stays.
    api::SecretObject current = *s;
    current.metadata.owner_references = {
        {"certstore.dev/v1alpha1", "TrustBundle", "corp", "tb-uid", true}};
    current.data["notes.txt"] = "ours, not the operator's";
    auto again = BundleSecret(tb, "team-a", *c, current, clock_.Now());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->data, current.data);
    // Another password someone wrote (Generated keeps it; Changeit puts
    // changeit back) and a tampered store are repaired.
    current.data["truststore.p12"] = "garbage";
    auto repaired = BundleSecret(tb, "team-a", *c, current, clock_.Now());
    ASSERT_TRUE(repaired.ok()) << repaired.status();
    EXPECT_NE(repaired->data.at("truststore.p12"), "garbage");
    EXPECT_EQ(repaired->data.at("password"), pw);
    MustOpen("truststore.p12", repaired->data.at("truststore.p12"), pw);
  }
}

// Whoever can edit a target Secret can rewrite its stores and the
// annotation; keyed with the operator's seal key, a forged annotation does
// not make the operator keep a store it did not write. An outsized
// password is not adopted.
TEST_F(TrustBundleTest, ATamperedStoreWithAForgedAnnotationIsReplaced) {
  api::TrustBundle tb = MakeBundle(
      "  sources: [{configMap: {name: corp-roots, allKeys: true}}]\n"
      "  target:\n"
      "    namespaceSelector: {}\n"
      "    secret: {name: s, passwordPolicy: Generated}\n");
  auto c = ResolveBundle(tb, in_, clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status();
  SecretBytes key(std::string(32, 'k'));
  auto s = BundleSecret(tb, "team-a", *c, std::nullopt, clock_.Now(), &key);
  ASSERT_TRUE(s.ok()) << s.status();
  // Unchanged: kept byte for byte.
  auto again = BundleSecret(tb, "team-a", *c, *s, clock_.Now(), &key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->data, s->data);
  // Tampered, annotation copied or recomputed without the key: replaced.
  api::SecretObject forged = *s;
  forged.data["ca.crt"] = CertPem(partner_.cert.get());
  auto repaired = BundleSecret(tb, "team-a", *c, forged, clock_.Now(), &key);
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(repaired->data.at("ca.crt"), c->pem);
  // A password of 2,000 bytes someone wrote is not adopted.
  api::SecretObject big = *s;
  big.data["password"] = std::string(2000, 'p');
  auto fresh = BundleSecret(tb, "team-a", *c, big, clock_.Now(), &key);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_LE(fresh->data.at("password").size(), 128u);
  MustOpen("truststore.p12", fresh->data.at("truststore.p12"),
           fresh->data.at("password"));
}

TEST_F(TrustBundleTest, NeverAPrivateKey) {
  api::TrustBundle tb = MakeBundle(
      "  sources: [{issuer: {name: cluster-root}}]\n"
      "  target:\n"
      "    namespaceSelector: {}\n"
      "    configMap: {name: t}\n"
      "    secret: {name: t, passwordPolicy: Generated}\n");
  auto c = ResolveBundle(tb, in_, clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status();
  auto s = BundleSecret(tb, "team-a", *c, std::nullopt, clock_.Now());
  ASSERT_TRUE(s.ok());
  for (const auto& [k, v] : s->data)
    EXPECT_EQ(v.find("PRIVATE KEY"), std::string::npos) << k;
  for (const auto& [k, v] : BundleConfigMap(tb, "team-a", *c).data)
    EXPECT_EQ(v.find("PRIVATE KEY"), std::string::npos) << k;
}

}  // namespace
}  // namespace certstore::engine
