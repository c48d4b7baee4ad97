// IdentityHash decides "issue a new certificate", RenderHash "re-encode the
// files"; each must move for its own inputs only.
#include "operator/api/hash.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "operator/api/defaults.h"

namespace certstore::api {
namespace {

CertStore Base() {
  CertStore cs;
  cs.metadata.name = "app";
  cs.metadata.namespace_ = "demo";
  cs.spec.issuer_ref.name = "team-ca";
  cs.spec.secret_name = "app-stores";
  cs.spec.keystore.emplace();
  KeystoreSpec& k = *cs.spec.keystore;
  k.common_name = "app";
  k.subject.organizations = {"Lab"};
  k.dns_names = {"app.example.com", "app"};
  k.ip_addresses = {"10.0.0.1"};
  k.usages = {"serverAuth", "clientAuth"};
  cs.spec.truststore.emplace();
  cs.spec.formats = {"PKCS12", "JKS", "PEM"};
  ApplyDefaults(&cs);
  return cs;
}

struct Change {
  const char* name;
  std::function<void(CertStore&)> apply;
};

TrustSource SecretSource(const std::string& name) {
  TrustSource s;
  s.type = TrustSource::Type::kSecret;
  s.name = name;
  s.key = "ca.crt";
  return s;
}

std::vector<Change> IdentityChanges() {
  return {
      {"commonName",
       [](CertStore& c) { c.spec.keystore->common_name = "app2"; }},
      {"organization",
       [](CertStore& c) {
         c.spec.keystore->subject.organizations = {"Other"};
       }},
      {"country",
       [](CertStore& c) { c.spec.keystore->subject.countries = {"DE"}; }},
      {"dnsNameAdded",
       [](CertStore& c) { c.spec.keystore->dns_names.push_back("b"); }},
      {"dnsNameRenamed",
       [](CertStore& c) { c.spec.keystore->dns_names[1] = "app2"; }},
      {"ipAddress",
       [](CertStore& c) { c.spec.keystore->ip_addresses = {"10.0.0.2"}; }},
      {"uri", [](CertStore& c) { c.spec.keystore->uris = {"spiffe://x/y"}; }},
      {"email",
       [](CertStore& c) { c.spec.keystore->email_addresses = {"a@b.c"}; }},
      {"usages",
       [](CertStore& c) { c.spec.keystore->usages = {"serverAuth"}; }},
      {"keyAlgorithm",
       [](CertStore& c) {
         c.spec.keystore->private_key.algorithm = "RSA";
         c.spec.keystore->private_key.size = 2048;
       }},
      {"keySize",
       [](CertStore& c) { c.spec.keystore->private_key.size = 384; }},
      {"duration", [](CertStore& c) { c.spec.keystore->duration = "720h"; }},
      {"issuerName", [](CertStore& c) { c.spec.issuer_ref.name = "other-ca"; }},
      {"issuerKind",
       [](CertStore& c) {
         c.spec.issuer_ref.kind = IssuerKind::kClusterCertIssuer;
       }},
  };
}

std::vector<Change> RenderChanges() {
  return {
      {"alias", [](CertStore& c) { c.spec.keystore->alias = "server"; }},
      {"formatsDropped", [](CertStore& c) { c.spec.formats = {"PKCS12"}; }},
      {"formatsOnlyPem", [](CertStore& c) { c.spec.formats = {"PEM"}; }},
      {"profile", [](CertStore& c) { c.spec.pkcs12_profile = "LegacyDES"; }},
      {"passwordRef",
       [](CertStore& c) {
         c.spec.password = SecretKeyRef{"pw", "password", ""};
       }},
      {"passwordKey",
       [](CertStore& c) {
         c.spec.password = SecretKeyRef{"pw", "password", ""};
         CertStore other = c;
         other.spec.password->key = "other";
         ASSERT_NE(RenderHash(c), RenderHash(other));
       }},
      {"trustSourceAdded",
       [](CertStore& c) {
         c.spec.truststore->sources.push_back(SecretSource("partner"));
       }},
      {"trustSourceName",
       [](CertStore& c) {
         c.spec.truststore->sources = {SecretSource("partner")};
         CertStore other = c;
         other.spec.truststore->sources[0].name = "partner2";
         ASSERT_NE(RenderHash(c), RenderHash(other));
       }},
      {"trustSourceInline",
       [](CertStore& c) {
         TrustSource s;
         s.type = TrustSource::Type::kInline;
         s.inline_pem = "-----BEGIN CERTIFICATE-----";
         c.spec.truststore->sources = {s};
       }},
      {"systemDefaults",
       [](CertStore& c) {
         c.spec.truststore->sources[0].type =
             TrustSource::Type::kSystemDefaults;
       }},
      {"truststoreSecret",
       [](CertStore& c) { c.spec.truststore->secret_name = "trust"; }},
  };
}

TEST(HashTest, StableAndHex) {
  CertStore a = Base(), b = Base();
  EXPECT_EQ(IdentityHash(a), IdentityHash(b));
  EXPECT_EQ(RenderHash(a), RenderHash(b));
  EXPECT_EQ(IdentityHash(a).size(), 64u);
  EXPECT_EQ(IdentityHash(a).find_first_not_of("0123456789abcdef"),
            std::string::npos);
  EXPECT_NE(IdentityHash(a), RenderHash(a));
}

TEST(HashTest, IdentityChangesMoveOnlyIdentityHash) {
  const CertStore base = Base();
  for (const auto& ch : IdentityChanges()) {
    SCOPED_TRACE(ch.name);
    CertStore cs = base;
    ch.apply(cs);
    EXPECT_NE(IdentityHash(cs), IdentityHash(base));
    EXPECT_EQ(RenderHash(cs), RenderHash(base));
  }
}

TEST(HashTest, RenderChangesMoveOnlyRenderHash) {
  const CertStore base = Base();
  for (const auto& ch : RenderChanges()) {
    SCOPED_TRACE(ch.name);
    CertStore cs = base;
    ch.apply(cs);
    EXPECT_NE(RenderHash(cs), RenderHash(base));
    EXPECT_EQ(IdentityHash(cs), IdentityHash(base));
  }
}

TEST(HashTest, MetadataChangesMoveNeither) {
  const CertStore base = Base();
  CertStore cs = base;
  cs.metadata.generation = 7;
  cs.metadata.resource_version = "99";
  cs.metadata.labels["team"] = "x";
  cs.metadata.annotations["note"] = "y";
  cs.spec.keystore->private_key.rotation_policy =
      "Never";                             // applies at renewal
  cs.spec.keystore->renew_before = "24h";  // schedules, not content
  EXPECT_EQ(IdentityHash(cs), IdentityHash(base));
  EXPECT_EQ(RenderHash(cs), RenderHash(base));
}

TEST(HashTest, UsagesAndFormatsAreSets) {
  const CertStore base = Base();
  CertStore cs = base;
  cs.spec.keystore->usages = {"clientAuth", "serverAuth"};
  cs.spec.formats = {"PEM", "PKCS12", "JKS"};
  EXPECT_EQ(IdentityHash(cs), IdentityHash(base));
  EXPECT_EQ(RenderHash(cs), RenderHash(base));
}

TEST(HashTest, FieldBoundariesMatter) {
  CertStore a = Base(), b = Base();
  a.spec.keystore->dns_names = {"ab", "c"};
  b.spec.keystore->dns_names = {"a", "bc"};
  EXPECT_NE(IdentityHash(a), IdentityHash(b));
}

}  // namespace
}  // namespace certstore::api
