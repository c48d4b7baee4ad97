// Resolving issuers to CA material: `ca:` from a Secret, `selfSigned:`
// created once and then only ever re-read.
#include "operator/engine/issuer_ca.h"

#include <gtest/gtest.h>

#include "operator/engine/verified_stores.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

api::Issuer MakeIssuer(const std::string& kind, const std::string& spec) {
  auto is = api::ParseIssuer(
      "apiVersion: certstore.dev/v1alpha1\nkind: " + kind +
      "\nmetadata: {name: team-ca, namespace: demo}\nspec:\n" + spec);
  EXPECT_TRUE(is.ok()) << is.status();
  if (!is.ok()) return {};
  api::ApplyDefaults(&*is);
  EXPECT_TRUE(api::Validate(*is).empty()) << api::Validate(*is).ToStatus();
  return std::move(is).value();
}

CaResolveOptions Creating() {
  CaResolveOptions o;
  o.allow_create = true;
  return o;
}

const char kSelfSigned[] =
    "  selfSigned: {secretName: team-ca, commonName: Team Root CA,\n"
    "               subject: {organizations: [Lab]}}\n";

TEST(IssuerCaTest, SelfSignedCreatesTheCaOnceAndReusesIt) {
  FakeClock clock(TestNow());
  MapObjectSource objects;
  api::Issuer issuer = MakeIssuer("CertIssuer", kSelfSigned);
  auto first = ResolveIssuerCa(issuer, "demo", objects, clock, Creating());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->created_secret);
  const api::SecretObject& s = *first->created_secret;
  EXPECT_EQ(s.metadata.name, "team-ca");
  EXPECT_EQ(s.metadata.namespace_, "demo");
  EXPECT_EQ(s.type, "kubernetes.io/tls");
  EXPECT_EQ(s.metadata.labels.at("app.kubernetes.io/managed-by"),
            "certstore-operator");
  EXPECT_EQ(s.metadata.annotations.at(kIssuerAnnotation), "CertIssuer/team-ca");
  EXPECT_EQ(KeysOf(s), (Keys{"ca.crt", "tls.crt", "tls.key"}));
  X509* cert = first->ca.cert.get();
  EXPECT_EQ(pki::SubjectText(cert), "CN=Team Root CA,O=Lab");
  EXPECT_TRUE(pki::IsCa(cert));
  EXPECT_TRUE(pki::IsSelfSigned(cert));
  EXPECT_EQ(pki::KeyDescription(first->ca.key.get()), "ECDSA P-384");
  EXPECT_EQ(pki::NotAfter(cert), TestNow() + std::chrono::hours(87600));
  EXPECT_EQ(s.data.at("tls.crt"), CertPem(cert));

  // Written and read back (even much later): the same CA, nothing created.
  objects.PutSecret(s);
  clock.Advance(std::chrono::hours(24 * 365));
  auto again = ResolveIssuerCa(issuer, "demo", objects, clock, Creating());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created_secret);
  EXPECT_EQ(pki::FingerprintSha256Hex(again->ca.cert.get()),
            pki::FingerprintSha256Hex(cert));
  EXPECT_EQ(EVP_PKEY_eq(again->ca.key.get(), first->ca.key.get()), 1);
}

TEST(IssuerCaTest, OnlyTheIssuersOwnReconcileCreatesARoot) {
  FakeClock clock(TestNow());
  MapObjectSource objects;
  auto r = ResolveIssuerCa(MakeIssuer("CertIssuer", kSelfSigned), "demo",
                           objects, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(
                "waiting for CertIssuer team-ca to create its root CA"),
            std::string::npos)
      << r.status();
}

TEST(IssuerCaTest, ARecordedRootIsNeverReplacedByItself) {
  FakeClock clock(TestNow());
  MapObjectSource objects;
  api::Issuer issuer = MakeIssuer("CertIssuer", kSelfSigned);
  CaResolveOptions o = Creating();
  o.recorded_fingerprint =
      "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
  bool missing = false;
  auto r = ResolveIssuerCa(issuer, "demo", objects, clock, o, &missing);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(missing);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  // The message names the gesture that accepts a new root, exactly.
  EXPECT_NE(r.status().message().find(std::string(kAcceptNewRootAnnotation) +
                                      "=" + o.recorded_fingerprint),
            std::string::npos)
      << r.status();
  // The gesture: a new root is created.
  o.accept_new_root = true;
  missing = false;
  auto created = ResolveIssuerCa(issuer, "demo", objects, clock, o, &missing);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(missing);
  EXPECT_TRUE(created->created_secret);
}

TEST(IssuerCaTest, CaIssuerWithARecordedRootReportsTheSecretMissing) {
  FakeClock clock(TestNow());
  MapObjectSource objects;
  CaResolveOptions o;
  o.recorded_fingerprint = "00ff";
  bool missing = false;
  auto r =
      ResolveIssuerCa(MakeIssuer("CertIssuer", "  ca: {secretName: corp-ca}\n"),
                      "demo", objects, clock, o, &missing);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(missing);
  EXPECT_NE(r.status().message().find("Restore it from a backup"),
            std::string::npos);
}

TEST(IssuerCaTest, ClusterIssuerUsesTheGivenNamespace) {
  FakeClock clock(TestNow());
  MapObjectSource objects;
  api::Issuer issuer = MakeIssuer("ClusterCertIssuer", kSelfSigned);
  auto r =
      ResolveIssuerCa(issuer, "certstore-system", objects, clock, Creating());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->created_secret);
  EXPECT_EQ(r->created_secret->metadata.namespace_, "certstore-system");
  EXPECT_EQ(r->created_secret->metadata.annotations.at(kIssuerAnnotation),
            "ClusterCertIssuer/team-ca");
}

TEST(IssuerCaTest, SelfSignedRefusesToOverwriteASecretThatIsNotItsCa) {
  FakeClock clock(TestNow());
  pki::CaMaterial other = MustRoot(clock);
  pki::EvpPkeyPtr stray = MustKey();
  const struct {
    const char* name;
    std::map<std::string, std::string> data;
  } cases[] = {
      {"garbage", {{"tls.crt", "garbage"}, {"tls.key", "garbage"}}},
      {"empty", {}},
      {"onlyCert", {{"tls.crt", CertPem(other.cert.get())}}},
      {"keyMismatch",
       {{"tls.crt", CertPem(other.cert.get())},
        {"tls.key", KeyPem(stray.get())}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    MapObjectSource objects;
    objects.PutSecret(MakeSecret("team-ca", c.data));
    auto r = ResolveIssuerCa(MakeIssuer("CertIssuer", kSelfSigned), "demo",
                             objects, clock);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("Secret demo/team-ca"),
              std::string::npos)
        << r.status();
    EXPECT_NE(r.status().message().find("will not overwrite"),
              std::string::npos)
        << r.status();
  }
}

TEST(IssuerCaTest, CaIssuerLoadsRootAndChain) {
  FakeClock clock(TestNow());
  pki::CaMaterial root = MustRoot(clock);
  pki::CaMaterial inter = MustIntermediate(root, clock);
  MapObjectSource objects;
  objects.PutSecret(CaSecret("corp-ca", inter));
  auto r =
      ResolveIssuerCa(MakeIssuer("CertIssuer", "  ca: {secretName: corp-ca}\n"),
                      "demo", objects, clock);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->created_secret);
  EXPECT_EQ(pki::CommonName(r->ca.cert.get()), "Test Intermediate CA");
  EXPECT_EQ(pki::CommonName(r->ca.Root()), "Test Root CA");
}

// A parsed CA is reused while its Secret's bytes stay the same; replaced
// bytes are parsed (and checked) again, and a reused CA that has expired
// since is refused like a freshly loaded one.
TEST(IssuerCaTest, ParsedCasAreReusedOnlyForTheSameBytes) {
  FakeClock clock(TestNow());
  CaMaterialCache cache;
  CaResolveOptions o;
  o.cache = &cache;
  api::Issuer issuer =
      MakeIssuer("CertIssuer", "  ca: {secretName: corp-ca}\n");
  MapObjectSource objects;
  pki::CaMaterial first = MustRoot(clock, "First CA");
  objects.PutSecret(CaSecret("corp-ca", first));
  auto a = ResolveIssuerCa(issuer, "demo", objects, clock, o);
  ASSERT_TRUE(a.ok()) << a.status();
  auto hit =
      cache.Find("demo/corp-ca", DataDigest(CaSecret("corp-ca", first).data));
  ASSERT_NE(hit, nullptr);
  auto b = ResolveIssuerCa(issuer, "demo", objects, clock, o);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->ca.cert.get(), hit->cert.get());  // the same parsed object

  pki::CaMaterial second = MustRoot(clock, "Second CA");
  objects.PutSecret(CaSecret("corp-ca", second));
  auto c = ResolveIssuerCa(issuer, "demo", objects, clock, o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(pki::CommonName(c->ca.cert.get()), "Second CA");

  clock.Advance(std::chrono::hours(24 * 365 * 30));  // past its notAfter
  auto d = ResolveIssuerCa(issuer, "demo", objects, clock, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("Secret demo/corp-ca"), std::string::npos)
      << d.status();
  EXPECT_NE(d.status().message().find("expired"), std::string::npos)
      << d.status();
}

TEST(IssuerCaTest, CaIssuerErrorsNameTheSecret) {
  FakeClock clock(TestNow());
  pki::CaMaterial root = MustRoot(clock);
  pki::EvpPkeyPtr leaf_key = MustKey();
  pki::X509Ptr leaf = pki::testing::MustLeaf(root, pki::testing::ServerSpec(),
                                             leaf_key.get(), clock);
  const struct {
    const char* name;
    std::optional<api::SecretObject> secret;
    TimePoint now;
    StatusCode code;
    const char* want;
  } cases[] = {
      {"missing", std::nullopt, TestNow(), StatusCode::kNotFound,
       "Secret demo/corp-ca not found"},
      {"otherNamespace", CaSecret("corp-ca", root, "other"), TestNow(),
       StatusCode::kNotFound, "Secret demo/corp-ca not found"},
      {"noKey", MakeSecret("corp-ca", {{"tls.crt", CertPem(root.cert.get())}}),
       TestNow(), StatusCode::kNotFound,
       "Secret demo/corp-ca must hold tls.crt and tls.key"},
      {"notACa",
       MakeSecret("corp-ca", {{"tls.crt", CertPem(leaf.get())},
                              {"tls.key", KeyPem(leaf_key.get())}}),
       TestNow(), StatusCode::kInvalidArgument, "Secret demo/corp-ca"},
      {"expired", CaSecret("corp-ca", root),
       TestNow() + std::chrono::hours(87601), StatusCode::kFailedPrecondition,
       "Secret demo/corp-ca"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    MapObjectSource objects;
    if (c.secret) objects.PutSecret(*c.secret);
    FakeClock at(c.now);
    auto r = ResolveIssuerCa(
        MakeIssuer("CertIssuer", "  ca: {secretName: corp-ca}\n"), "demo",
        objects, at);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << r.status();
  }
}

}  // namespace
}  // namespace certstore::engine
