// Defaulting: what the CRD schema defaults, plus key sizes per algorithm.
#include "operator/api/defaults.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "operator/api/parse.h"

namespace certstore::api {
namespace {

using Strings = std::vector<std::string>;

CertStore MustParse(const std::string& spec_body) {
  auto cs = ParseCertStore(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "a}\n"
      "spec:\n" +
      spec_body);
  EXPECT_TRUE(cs.ok()) << cs.status();
  return cs.ok() ? std::move(cs).value() : CertStore{};
}

TEST(DefaultsTest, MinimalCertStoreGetsSchemaDefaults) {
  CertStore cs = MustParse(
      "  issuerRef: {name: ca}\n  secretName: s\n  keystore: {commonName: "
      "app}\n"
      "  truststore: {}\n");
  ApplyDefaults(&cs);
  EXPECT_EQ(cs.spec.issuer_ref.kind, IssuerKind::kCertIssuer);
  const KeystoreSpec& k = *cs.spec.keystore;
  EXPECT_EQ(k.alias, "certificate");
  EXPECT_EQ(k.usages, (Strings{"serverAuth", "clientAuth"}));
  EXPECT_EQ(k.private_key.algorithm, "ECDSA");
  EXPECT_EQ(k.private_key.size, 256);
  EXPECT_EQ(k.private_key.rotation_policy, "Always");
  EXPECT_EQ(k.duration, "2160h");
  EXPECT_FALSE(k.renew_before);
  EXPECT_FALSE(k.renew_before_percentage);
  ASSERT_EQ(cs.spec.truststore->sources.size(), 1u);
  EXPECT_EQ(cs.spec.truststore->sources[0].type, TrustSource::Type::kIssuer);
  EXPECT_EQ(cs.spec.formats, (Strings{"PKCS12", "PEM"}));
  EXPECT_EQ(cs.spec.pkcs12_profile, "Modern2023");
  EXPECT_FALSE(cs.spec.password);  // generated password: nothing to default
}

TEST(DefaultsTest, ExplicitValuesAreKept) {
  CertStore cs = MustParse(
      "  issuerRef: {name: ca, kind: ClusterCertIssuer}\n  secretName: s\n"
      "  keystore:\n    alias: srv\n    commonName: app\n    usages: "
      "[clientAuth]\n"
      "    privateKey: {algorithm: RSA, size: 4096, rotationPolicy: Never}\n"
      "    duration: 24h\n"
      "  truststore:\n    sources: [{systemDefaults: {}}]\n"
      "  formats: [JKS]\n  pkcs12: {profile: LegacyDES}\n"
      "  password: {secretKeyRef: {name: pw, key: pass.txt}}\n");
  ApplyDefaults(&cs);
  EXPECT_EQ(cs.spec.issuer_ref.kind, IssuerKind::kClusterCertIssuer);
  const KeystoreSpec& k = *cs.spec.keystore;
  EXPECT_EQ(k.alias, "srv");
  EXPECT_EQ(k.usages, Strings{"clientAuth"});
  EXPECT_EQ(k.private_key.algorithm, "RSA");
  EXPECT_EQ(k.private_key.size, 4096);
  EXPECT_EQ(k.private_key.rotation_policy, "Never");
  EXPECT_EQ(k.duration, "24h");
  ASSERT_EQ(cs.spec.truststore->sources.size(), 1u);
  EXPECT_EQ(cs.spec.truststore->sources[0].type,
            TrustSource::Type::kSystemDefaults);
  EXPECT_EQ(cs.spec.formats, Strings{"JKS"});
  EXPECT_EQ(cs.spec.pkcs12_profile, "LegacyDES");
  EXPECT_EQ(cs.spec.password->key, "pass.txt");
}

TEST(DefaultsTest, ReferenceKeys) {
  CertStore cs = MustParse(
      "  issuerRef: {name: ca}\n  secretName: s\n"
      "  truststore:\n    sources:\n      - secret: {name: a}\n"
      "      - configMap: {name: b}\n      - secret: {name: c, key: root.pem}\n"
      "  password: {secretKeyRef: {name: pw}}\n");
  ApplyDefaults(&cs);
  const auto& s = cs.spec.truststore->sources;
  EXPECT_EQ(s[0].key, "ca.crt");
  EXPECT_EQ(s[1].key, "ca.crt");
  EXPECT_EQ(s[2].key, "root.pem");
  EXPECT_EQ(cs.spec.password->key, "password");
  EXPECT_FALSE(cs.spec.keystore);  // truststore-only stays truststore-only
}

// The API server defaults only absent fields: an explicit empty list stays
// empty (and then fails minItems in validation).
TEST(DefaultsTest, ExplicitEmptyListsAreNotDefaulted) {
  CertStore cs = MustParse(
      "  issuerRef: {name: ca}\n  secretName: s\n"
      "  keystore: {commonName: app, usages: []}\n"
      "  truststore: {sources: []}\n  formats: []\n");
  ApplyDefaults(&cs);
  EXPECT_TRUE(cs.spec.keystore->usages.empty());
  EXPECT_TRUE(cs.spec.truststore->sources.empty());
  EXPECT_TRUE(cs.spec.formats.empty());
}

struct KeySizeCase {
  std::string algorithm;
  std::optional<int> size;
  int want_leaf;
  int want_ca;
};

TEST(DefaultsTest, KeySizePerAlgorithm) {
  const KeySizeCase cases[] = {
      {"", std::nullopt, 256, 384},
      {"ECDSA", std::nullopt, 256, 384},
      {"RSA", std::nullopt, 2048, 3072},
      {"Ed25519", std::nullopt, 0, 0},
      {"RSA", 4096, 4096, 4096},
      {"ECDSA", 384, 384, 384},
      {"", 2048, 2048,
       2048},  // ECDSA default with an RSA size: validation's job
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.algorithm + "/" + std::to_string(c.size.value_or(-1)));
    CertStore cs;
    cs.spec.keystore.emplace();
    cs.spec.keystore->private_key.algorithm = c.algorithm;
    cs.spec.keystore->private_key.size = c.size;
    ApplyDefaults(&cs);
    EXPECT_EQ(cs.spec.keystore->private_key.size, c.want_leaf);

    Issuer is;
    is.spec.self_signed.emplace();
    is.spec.self_signed->private_key.algorithm = c.algorithm;
    is.spec.self_signed->private_key.size = c.size;
    ApplyDefaults(&is);
    EXPECT_EQ(is.spec.self_signed->private_key.size, c.want_ca);
    EXPECT_EQ(is.spec.self_signed->private_key.algorithm,
              c.algorithm.empty() ? "ECDSA" : c.algorithm);
  }
}

TEST(DefaultsTest, IssuerDefaults) {
  Issuer ss;
  ss.spec.self_signed.emplace();
  ApplyDefaults(&ss);
  EXPECT_EQ(ss.spec.self_signed->duration, "87600h");
  EXPECT_EQ(ss.spec.self_signed->private_key.algorithm, "ECDSA");
  EXPECT_EQ(ss.spec.self_signed->private_key.size, 384);

  Issuer ca;
  ca.spec.ca.emplace();
  ca.spec.ca->secret_name = "x";
  ApplyDefaults(&ca);
  EXPECT_FALSE(ca.spec.self_signed);
  EXPECT_EQ(ca.spec.ca->secret_name, "x");
}

TEST(DefaultsTest, Idempotent) {
  CertStore once = MustParse(
      "  issuerRef: {name: ca}\n  secretName: s\n  keystore: {commonName: "
      "app}\n"
      "  truststore: {sources: [{secret: {name: a}}]}\n"
      "  password: {secretKeyRef: {name: pw}}\n");
  ApplyDefaults(&once);
  CertStore twice = once;
  ApplyDefaults(&twice);
  EXPECT_EQ(twice.spec.keystore->usages, once.spec.keystore->usages);
  EXPECT_EQ(twice.spec.keystore->private_key.size,
            once.spec.keystore->private_key.size);
  EXPECT_EQ(twice.spec.truststore->sources.size(),
            once.spec.truststore->sources.size());
  EXPECT_EQ(twice.spec.truststore->sources[0].key, "ca.crt");
  EXPECT_EQ(twice.spec.formats, once.spec.formats);
  EXPECT_EQ(twice.spec.password->key, once.spec.password->key);
}

}  // namespace
}  // namespace certstore::api
