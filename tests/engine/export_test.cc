// spec.export: the public certificate in a ConfigMap, never a key; renewed
// with the certificate; recognised from the ConfigMap's own leaf by the
// sealed render.
#include "operator/engine/export.h"

#include <gtest/gtest.h>

#include "operator/engine/reasons.h"
#include "tests/engine/engine_fixture.h"

namespace certstore::engine {
namespace {
using namespace testing;  // NOLINT

class ExportTest : public ::testing::Test {
 protected:
  FakeClock clock_{TestNow()};
  pki::CaMaterial root_ = MustRoot(clock_);
  pki::CaMaterial ca_ = MustIntermediate(root_, clock_);
  MapObjectSource objects_;
};

std::string ExportSpecYaml(bool include_root) {
  return Spec(KeystoreYaml() + "  export: {configMapName: app-public" +
              (include_root ? ", includeRoot: true" : "") + "}\n");
}

TEST_F(ExportTest, HoldsThePublicChainNeverAKey) {
  for (bool include_root : {false, true}) {
    SCOPED_TRACE(include_root ? "includeRoot" : "leaf and chain");
    api::CertStore cs = MakeCertStore(ExportSpecYaml(include_root));
    RenderResult r = MustRender(cs, ca_, objects_, clock_);
    ASSERT_TRUE(r.export_config_map.has_value());
    const api::ConfigMapObject& c = *r.export_config_map;
    EXPECT_EQ(c.metadata.name, "app-public");
    EXPECT_EQ(c.metadata.namespace_, "demo");
    EXPECT_EQ(c.metadata.labels.at(api::kManagedByLabel), api::kManagedByValue);
    EXPECT_EQ(c.metadata.annotations.at(kCertStoreAnnotation), "app");
    Keys want = {"tls.crt", "tls.cer"};
    if (include_root) want.insert("ca.crt");
    Keys got;
    for (const auto& [k, v] : c.data) {
      got.insert(k);
      EXPECT_EQ(v.find("PRIVATE KEY"), std::string::npos) << k;
    }
    EXPECT_EQ(got, want);
    pki::X509Ptr leaf = LeafOf(r.secrets[0], PasswordOf(r.secrets[0]));
    auto chain = pki::ParseCertificatesPem(c.data.at("tls.crt"));
    ASSERT_TRUE(chain.ok()) << chain.status();
    ASSERT_EQ(chain->size(), 2u);  // the leaf and the intermediate
    EXPECT_TRUE(pki::SameCertificate((*chain)[0].get(), leaf.get()));
    EXPECT_TRUE(pki::SameCertificate((*chain)[1].get(), ca_.cert.get()));
    auto der = pki::ParseCertificateDer(c.data.at("tls.cer"));
    ASSERT_TRUE(der.ok()) << der.status();
    EXPECT_TRUE(pki::SameCertificate(der->get(), leaf.get()));
    if (include_root) {
      EXPECT_EQ(c.data.at("ca.crt"), CertPem(root_.cert.get()));
    }
  }
}

TEST_F(ExportTest, FollowsARenewal) {
  api::CertStore cs = MakeCertStore(ExportSpecYaml(false));
  RenderResult first = MustRender(cs, ca_, objects_, clock_);
  Store(first, &objects_);
  clock_.Advance(std::chrono::hours(24 * 80));
  RenderResult renewed = MustRender(cs, ca_, objects_, clock_);
  ASSERT_TRUE(renewed.decision.issue);
  ASSERT_TRUE(renewed.export_config_map && first.export_config_map);
  auto der =
      pki::ParseCertificateDer(renewed.export_config_map->data.at("tls.cer"));
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(pki::SerialHex(der->get()), renewed.summary.serial_hex);
  EXPECT_NE(renewed.export_config_map->data, first.export_config_map->data);
}

TEST_F(ExportTest, RebuiltFromTheConfigMapsOwnLeafOnlyWhenItIsTheCertificate) {
  api::CertStore cs = MakeCertStore(ExportSpecYaml(true));
  RenderResult r = MustRender(cs, ca_, objects_, clock_);
  const api::ConfigMapObject& want = *r.export_config_map;
  std::vector<X509*> chain = ca_.Intermediates();
  auto same = ExportFromCurrent(cs, want, r.summary.fingerprint_sha256, chain,
                                ca_.Root());
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->data, want.data);

  // Another certificate, an unparsable one, none: not recognised.
  api::ConfigMapObject other = want;
  other.data["tls.crt"] = CertPem(root_.cert.get());
  api::ConfigMapObject garbage = want;
  garbage.data["tls.crt"] = "-----BEGIN CERTIFICATE-----\nAAAA\n";
  api::ConfigMapObject empty = want;
  empty.data.erase("tls.crt");
  for (const auto* c : {&other, &garbage, &empty})
    EXPECT_FALSE(ExportFromCurrent(cs, *c, r.summary.fingerprint_sha256, chain,
                                   ca_.Root()));

  // The right leaf with a tampered DER copy: rebuilt, so it differs.
  api::ConfigMapObject tampered = want;
  tampered.data["tls.cer"] = "x";
  auto rebuilt = ExportFromCurrent(cs, tampered, r.summary.fingerprint_sha256,
                                   chain, ca_.Root());
  ASSERT_TRUE(rebuilt.has_value());
  EXPECT_NE(rebuilt->data, tampered.data);
  EXPECT_EQ(rebuilt->data, want.data);
}

TEST_F(ExportTest, ValidationNamesTheField) {
  struct Case {
    const char* name;
    std::string spec;
    const char* want;
  } cases[] = {
      {"NoKeystore", Spec("  truststore: {}\n  export: {configMapName: pub}\n"),
       "spec.export"},
      {"BadName", Spec(KeystoreYaml() + "  export: {configMapName: Pub_1}\n"),
       "spec.export.configMapName"},
      {"ATrustSource",
       Spec(KeystoreYaml() +
            "  truststore: {sources: [{configMap: {name: pub}}]}\n"
            "  export: {configMapName: pub}\n"),
       "is a trust source of this CertStore"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string errs = ValidationErrors(c.spec);
    EXPECT_NE(errs.find(c.want), std::string::npos) << errs;
  }
}

}  // namespace
}  // namespace certstore::engine
