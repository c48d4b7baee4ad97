// Trust sources: each kind, order, de-duplication, and errors that name the
// source.
#include "operator/engine/trust_sources.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "operator/common/files.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

api::CertStore WithSources(const std::string& sources) {
  return MakeCertStore(Spec("  truststore:\n    sources:\n" + sources));
}

std::vector<std::string> Names(const std::vector<pki::X509Ptr>& certs) {
  std::vector<std::string> out;
  out.reserve(certs.size());
  for (const auto& c : certs) out.push_back(pki::CommonName(c.get()));
  return out;
}

class TrustSourcesTest : public ::testing::Test {
 protected:
  TrustSourcesTest()
      : clock_(TestNow()),
        issuer_(MustRoot(clock_, "Issuer Root")),
        partner_(MustRoot(clock_, "Partner Root")),
        corp1_(MustRoot(clock_, "Corp Root 1")),
        corp2_(MustRoot(clock_, "Corp Root 2")),
        public_(MustRoot(clock_, "Public Root")) {
    objects_.PutSecret(
        MakeSecret("partner", {{"ca.crt", CertPem(partner_.cert.get())}}));
    api::ConfigMapObject cm;
    cm.metadata.name = "corp-roots";
    cm.metadata.namespace_ = "demo";
    cm.data["bundle.pem"] =
        pki::EncodeCertificatesPem({corp1_.cert.get(), corp2_.cert.get()});
    objects_.PutConfigMap(cm);
    bundle_ = (std::filesystem::temp_directory_path() /
               ("certstore-bundle-" + std::to_string(::getpid()) + ".pem"))
                  .string();
    EXPECT_TRUE(
        WriteFileAtomic(bundle_, pki::EncodeCertificatesPem(
                                     {public_.cert.get(), partner_.cert.get()}))
            .ok());
  }
  ~TrustSourcesTest() override { std::remove(bundle_.c_str()); }

  StatusOr<std::vector<pki::X509Ptr>> Resolve(const std::string& sources) {
    return ResolveTrustSources(WithSources(sources), issuer_.cert.get(),
                               objects_, bundle_);
  }

  FakeClock clock_;
  pki::CaMaterial issuer_, partner_, corp1_, corp2_, public_;
  MapObjectSource objects_;
  std::string bundle_;
};

TEST_F(TrustSourcesTest, EachKind) {
  const struct {
    const char* sources;
    std::vector<std::string> want;
  } cases[] = {
      {"      - issuer: {}\n", {"Issuer Root"}},
      {"      - secret: {name: partner}\n", {"Partner Root"}},
      {"      - configMap: {name: corp-roots, key: bundle.pem}\n",
       {"Corp Root 1", "Corp Root 2"}},
      {"      - systemDefaults: {}\n", {"Public Root", "Partner Root"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.sources);
    auto certs = Resolve(c.sources);
    ASSERT_TRUE(certs.ok()) << certs.status();
    EXPECT_EQ(Names(*certs), c.want);
  }
}

TEST_F(TrustSourcesTest, InlinePem) {
  std::string pem = CertPem(partner_.cert.get());
  std::string indented;
  for (size_t i = 0; i < pem.size();) {
    size_t nl = pem.find('\n', i);
    indented += "          " + pem.substr(i, nl - i + 1);
    i = nl + 1;
  }
  auto certs = Resolve("      - inline: |\n" + indented);
  ASSERT_TRUE(certs.ok()) << certs.status();
  EXPECT_EQ(Names(*certs), std::vector<std::string>{"Partner Root"});
}

TEST_F(TrustSourcesTest, OrderIsKeptAndDuplicatesDropped) {
  objects_.PutSecret(
      MakeSecret("issuer-copy", {{"root.pem", CertPem(issuer_.cert.get())}}));
  auto certs = Resolve(
      "      - secret: {name: partner}\n"
      "      - issuer: {}\n"
      "      - systemDefaults: {}\n"  // Public, Partner again
      "      - secret: {name: issuer-copy, key: root.pem}\n"  // Issuer again
      "      - configMap: {name: corp-roots, key: bundle.pem}\n");
  ASSERT_TRUE(certs.ok()) << certs.status();
  EXPECT_EQ(Names(*certs), (std::vector<std::string>{
                               "Partner Root", "Issuer Root", "Public Root",
                               "Corp Root 1", "Corp Root 2"}));
}

TEST_F(TrustSourcesTest, ErrorsNameTheSource) {
  objects_.PutSecret(MakeSecret("not-pem", {{"ca.crt", "hello"}}));
  objects_.PutSecret(MakeSecret(
      "elsewhere", {{"ca.crt", CertPem(partner_.cert.get())}}, "other"));
  const struct {
    const char* sources;
    std::string bundle;
    StatusCode code;
    const char* want;
  } cases[] = {
      {"      - issuer: {}\n      - secret: {name: partner-ca}\n", "",
       StatusCode::kNotFound,
       "spec.truststore.sources[1].secret: Secret demo/partner-ca not found"},
      {"      - secret: {name: elsewhere}\n", "", StatusCode::kNotFound,
       "spec.truststore.sources[0].secret: Secret demo/elsewhere not found"},
      {"      - issuer: {}\n      - secret: {name: partner, key: tls.crt}\n",
       "", StatusCode::kNotFound,
       "spec.truststore.sources[1].secret: Secret demo/partner has no key "
       "tls.crt"},
      {"      - configMap: {name: roots}\n", "", StatusCode::kNotFound,
       "spec.truststore.sources[0].configMap: ConfigMap demo/roots not found"},
      {"      - configMap: {name: corp-roots}\n", "", StatusCode::kNotFound,
       "spec.truststore.sources[0].configMap: ConfigMap demo/corp-roots has no "
       "key ca.crt"},
      {"      - issuer: {}\n      - secret: {name: not-pem}\n", "",
       StatusCode::kInvalidArgument, "spec.truststore.sources[1].secret"},
      {"      - systemDefaults: {}\n", "/nonexistent/bundle.pem",
       StatusCode::kFailedPrecondition,
       "spec.truststore.sources[0].systemDefaults: system CA bundle "
       "/nonexistent/bundle.pem"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.sources);
    auto certs =
        ResolveTrustSources(WithSources(c.sources), issuer_.cert.get(),
                            objects_, c.bundle.empty() ? bundle_ : c.bundle);
    ASSERT_FALSE(certs.ok());
    EXPECT_EQ(certs.status().code(), c.code) << certs.status();
    EXPECT_NE(certs.status().message().find(c.want), std::string::npos)
        << certs.status();
  }
}

// Limits (pki/limits.h): a bundle of more than 1,000 certificates, a key of
// more than 1 MiB, a truststore that would merge to more than 1,000; each
// refusal names the source, the object and the key.
TEST_F(TrustSourcesTest, OversizedSourcesAreRefusedNamingObjectAndKey) {
  std::string one = CertPem(partner_.cert.get());
  std::string many;
  for (int i = 0; i < 1001; ++i) many += one;
  objects_.PutSecret(MakeSecret("many", {{"ca.crt", many}}));
  objects_.PutSecret(
      MakeSecret("huge", {{"ca.crt", one + std::string(1024 * 1024, '#')}}));
  std::vector<pki::CaMaterial> roots;
  std::string half[2];
  for (int i = 0; i < 1002; ++i) {
    roots.push_back(MustRoot(clock_, "Root " + std::to_string(i)));
    half[i % 2] += CertPem(roots.back().cert.get());
  }
  api::ConfigMapObject a, b;
  a.metadata.name = "half-a";
  b.metadata.name = "half-b";
  a.metadata.namespace_ = b.metadata.namespace_ = "demo";
  a.data["ca.crt"] = half[0];
  b.data["ca.crt"] = half[1];
  objects_.PutConfigMap(a);
  objects_.PutConfigMap(b);
  const struct {
    const char* sources;
    const char* want;
  } cases[] = {
      {"      - secret: {name: many}\n",
       "spec.truststore.sources[0].secret (Secret demo/many, key ca.crt): PEM "
       "holds more "
       "than 1000 certificates"},
      {"      - issuer: {}\n      - secret: {name: huge}\n",
       "spec.truststore.sources[1].secret (Secret demo/huge, key ca.crt): PEM "
       "is 1049"},
      {"      - configMap: {name: half-a}\n      - configMap: {name: half-b}\n",
       "spec.truststore.sources[1].configMap (ConfigMap demo/half-b, key "
       "ca.crt): the "
       "truststore would hold more than 1000 certificates"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.sources);
    auto certs = Resolve(c.sources);
    ASSERT_FALSE(certs.ok());
    EXPECT_EQ(certs.status().code(), StatusCode::kInvalidArgument)
        << certs.status();
    EXPECT_NE(certs.status().message().find(c.want), std::string::npos)
        << certs.status();
  }
  // Exactly at the limits is fine: 500 + 500 distinct roots.
  std::string five_hundred[2];
  for (int i = 0; i < 1000; ++i)
    five_hundred[i % 2] += CertPem(roots[i].cert.get());
  a.data["ca.crt"] = five_hundred[0];
  b.data["ca.crt"] = five_hundred[1];
  objects_.PutConfigMap(a);
  objects_.PutConfigMap(b);
  auto ok = Resolve(
      "      - configMap: {name: half-a}\n      - configMap: {name: half-b}\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 1000u);
}

// Through the renderer: the trust sources end up in every truststore format,
// including ca.crt when PEM is the truststore's only form.
TEST_F(TrustSourcesTest, RenderedIntoEveryTruststoreFormat) {
  const char* sources = "      - issuer: {}\n      - secret: {name: partner}\n";
  for (const char* layout :
       {"  formats: [PKCS12, JKS, PEM]\n", "  formats: [PEM]\n"}) {
    for (bool separate : {false, true}) {
      SCOPED_TRACE(std::string(layout) + (separate ? " separate" : ""));
      api::CertStore cs =
          MakeCertStore(Spec(KeystoreYaml() + "  truststore:\n" +
                             (separate ? "    secretName: app-trust\n" : "") +
                             "    sources:\n" + sources + layout));
      RenderOptions opts;
      opts.system_bundle_path = bundle_;
      RenderResult r = MustRender(cs, issuer_, objects_, clock_, opts);
      EXPECT_EQ(r.summary.truststore_certificates, 2);
      const api::SecretObject& trust = r.secrets.back();
      std::string want_pem =
          pki::EncodeCertificatesPem({issuer_.cert.get(), partner_.cert.get()});
      EXPECT_EQ(trust.data.at("ca.crt"), want_pem);
      for (const char* f : {"truststore.p12", "truststore.jks"}) {
        if (!trust.data.count(f)) continue;
        pki::StoreContents ts =
            MustOpen(f, trust.data.at(f), PasswordOf(trust));
        EXPECT_EQ(ts.entries.size(), 2u);
      }
      if (separate) {  // the keystore's own ca.crt is the issuer's root
        EXPECT_EQ(r.secrets[0].data.at("ca.crt"), CertPem(issuer_.cert.get()));
      }
    }
  }
}

TEST_F(TrustSourcesTest, RenderErrorsNameTheSource) {
  api::CertStore cs =
      MakeCertStore(Spec("  truststore:\n    sources:\n      - issuer: {}\n"
                         "      - secret: {name: partner-ca}\n"));
  auto r = RenderCertStore(cs, issuer_, objects_, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("spec.truststore.sources[1].secret"),
            std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace certstore::engine
