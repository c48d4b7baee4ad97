// Structural parsing: shapes, unknown fields, YAML errors, streams, core
// objects and JSON as the API server sends it.
#include "operator/api/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace certstore::api {
namespace {

constexpr char kHead[] =
    "apiVersion: certstore.dev/v1alpha1\n"
    "kind: CertStore\n"
    "metadata: {name: app, namespace: demo}\n";

// A CertStore document with `spec_body` (indented by two spaces) as its spec.
std::string CertStoreYaml(const std::string& spec_body) {
  return std::string(kHead) + "spec:\n" + spec_body;
}

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::vector<std::string> want;  // substrings of the error message
};

class ParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, ReportsPathAndProblem) {
  const ErrorCase& c = GetParam();
  auto docs = ParseDocuments(c.yaml);
  ASSERT_FALSE(docs.ok()) << c.yaml;
  EXPECT_EQ(docs.status().code(), StatusCode::kInvalidArgument);
  for (const auto& w : c.want)
    EXPECT_NE(docs.status().message().find(w), std::string::npos)
        << "want \"" << w << "\" in: " << docs.status().message();
}

std::vector<ErrorCase> ErrorCases() {
  return {
      {"UnknownTopLevelField",
       std::string(kHead) + "spec: {secretName: a}\nextra: 1\n",
       {"document 1 (CertStore/app)", "extra: unknown field"}},
      {"UnknownSpecField",
       CertStoreYaml("  secretName: a\n  secretname: b\n"),
       {"spec.secretname: unknown field"}},
      {"UnknownNestedField",
       CertStoreYaml(
           "  keystore:\n    privateKey: {algorithm: RSA, bits: 2048}\n"),
       {"spec.keystore.privateKey.bits: unknown field"}},
      {"UnknownFieldInListItem",
       CertStoreYaml("  truststore:\n    sources:\n      - issuer: {}\n"
                     "      - secret: {name: a, keys: b}\n"),
       {"spec.truststore.sources[1].secret.keys: unknown field"}},
      {"IssuerSourceMustBeEmpty",
       CertStoreYaml(
           "  truststore:\n    sources:\n      - issuer: {name: x}\n"),
       {"spec.truststore.sources[0].issuer.name: unknown field"}},
      {"RotationPolicyNotOnIssuerKey",
       "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
       "ca}\n"
       "spec:\n  selfSigned:\n    secretName: ca\n    commonName: CA\n"
       "    privateKey: {rotationPolicy: Never}\n",
       {"document 1 (CertIssuer/ca)",
        "spec.selfSigned.privateKey.rotationPolicy: unknown field"}},
      {"ListGivenForString",
       CertStoreYaml("  secretName: [a, b]\n"),
       {"spec.secretName: must be a string"}},
      {"ObjectGivenForString",
       CertStoreYaml("  secretName: {name: a}\n"),
       {"spec.secretName: must be a string"}},
      {"IntegerGivenForString",
       CertStoreYaml("  secretName: 123\n"),
       {"spec.secretName: must be a string"}},
      {"BooleanGivenForString",
       CertStoreYaml("  keystore:\n    subject: {countries: [NO]}\n"),
       {"spec.keystore.subject.countries[0]: must be a string"}},
      {"StringGivenForList",
       CertStoreYaml("  keystore:\n    dnsNames: a.example.com\n"),
       {"spec.keystore.dnsNames: must be a list of strings"}},
      {"ObjectGivenForList",
       CertStoreYaml("  formats: {PEM: true}\n"),
       {"spec.formats: must be a list of strings"}},
      {"ObjectInStringList",
       CertStoreYaml("  keystore:\n    usages: [{a: b}]\n"),
       {"spec.keystore.usages[0]: must be a string"}},
      {"StringGivenForObject",
       CertStoreYaml("  keystore: yes-please\n"),
       {"spec.keystore: must be an object"}},
      {"ListGivenForObject",
       CertStoreYaml("  issuerRef: [a]\n"),
       {"spec.issuerRef: must be an object"}},
      {"SourcesNotAList",
       CertStoreYaml("  truststore:\n    sources: {issuer: {}}\n"),
       {"spec.truststore.sources: must be a list"}},
      {"StringGivenForInteger",
       CertStoreYaml("  keystore:\n    privateKey: {size: big}\n"),
       {"spec.keystore.privateKey.size: must be an integer", "big"}},
      {"QuotedIntegerIsAString",
       CertStoreYaml("  keystore:\n    renewBeforePercentage: \"30\"\n"),
       {"spec.keystore.renewBeforePercentage: must be an integer"}},
      {"FloatGivenForInteger",
       CertStoreYaml("  keystore:\n    renewBeforePercentage: 30.5\n"),
       {"spec.keystore.renewBeforePercentage: must be an integer"}},
      {"ListGivenForInteger",
       CertStoreYaml("  keystore:\n    privateKey: {size: [256]}\n"),
       {"spec.keystore.privateKey.size: must be an integer"}},
      {"EveryErrorIsListed",
       CertStoreYaml("  secretName: [a]\n  bogus: 1\n  formats: PEM\n"),
       {"spec.secretName: must be a string", "spec.bogus: unknown field",
        "spec.formats: must be a list of strings"}},
      {"IssuerRefKind",
       CertStoreYaml("  issuerRef: {name: a, kind: Issuer}\n"),
       {"spec.issuerRef.kind: must be CertIssuer or ClusterCertIssuer"}},
      {"IssuerRefGroup",
       CertStoreYaml("  issuerRef: {name: a, group: cert-manager.io}\n"),
       {"spec.issuerRef.group: unknown field"}},  // not in the CRD
      {"TwoSourceKinds",
       CertStoreYaml(
           "  truststore:\n    sources:\n      - {issuer: {}, inline: x}\n"),
       {"spec.truststore.sources[0]: exactly one of issuer, secret, "
        "configMap"}},
      {"SpecMissing", std::string(kHead), {"spec: required"}},
      {"BadYaml",
       CertStoreYaml("  secretName: a\n  formats: [PEM, JKS\n"),
       {"invalid YAML at line", ", column"}},
      {"BadYamlLineNumber", "a: b\nc: d\n  e: f\n", {"invalid YAML at line 3"}},
      // yaml-cpp's LoadAll loops forever on these (tests/fuzz/regressions/api).
      {"StrayComma", ",", {"invalid YAML at line 1, column 1"}},
      {"StrayCommaInSecondDocument",
       std::string(kHead) + "spec: {}\n---\n,\n",
       {"invalid YAML at line 6"}},
      {"StrayCommaAfterFlowMap", "{a: b},", {"invalid YAML"}},
      {"TabIndentation",
       "kind: CertStore\nspec:\n\tsecretName: a\n",
       {"invalid YAML"}},
      {"UnsupportedKind",
       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
       {"document 1 (Deployment/web)", "kind Deployment is not supported"}},
      {"MissingKind",
       "apiVersion: v1\nmetadata: {name: x}\n",
       {"document 1", "kind: required"}},
      {"NotAnObject", "- a\n- b\n", {"document 1", "must be an object"}},
      {"WrongApiVersion",
       "apiVersion: certstore.dev/v1\nkind: CertStore\nmetadata: {name: "
       "a}\nspec: {}\n",
       {"document 1 (CertStore/a)",
        "apiVersion: must be certstore.dev/v1alpha1", "certstore.dev/v1"}},
      {"MissingApiVersion",
       "kind: ClusterCertIssuer\nmetadata: {name: a}\nspec: {}\n",
       {"apiVersion: must be certstore.dev/v1alpha1"}},
      {"SecretWithCrdApiVersion",
       "apiVersion: certstore.dev/v1alpha1\nkind: Secret\nmetadata: {name: "
       "a}\n",
       {"document 1 (Secret/a)", "apiVersion: must be v1"}},
      {"SecondDocumentNamed",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: roots}\ndata: {a: "
       "b}\n"
       "---\n" +
           CertStoreYaml("  secretName: a\n  keystore: {commonNmae: x}\n"),
       {"document 2 (CertStore/app)",
        "spec.keystore.commonNmae: unknown field"}},
      {"EmptyDocumentsCount",
       "---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "
       "web}\n",
       {"document 2 (Deployment/web)"}},  // "---" opens a document
      {"NothingFound", "# only a comment\n", {"no objects found"}},
      {"ConfigMapDataMustBeStrings",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: [x]}\n",
       {"document 1 (ConfigMap/c)", "data.a: must be a string"}},
      {"SecretDataMustBeMap",
       "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: [a]\n",
       {"data: must be a map of strings"}},
  };
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseErrorTest,
                         ::testing::ValuesIn(ErrorCases()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST(ParseTest, FullCertStore) {
  auto docs = ParseDocuments(
      CertStoreYaml(R"(  issuerRef: {kind: ClusterCertIssuer, name: lab}
  secretName: stores
  keystore:
    alias: server
    commonName: srv
    subject: {organizations: [Lab], organizationalUnits: [Ops], countries: [US],
              localities: [X], provinces: [Bavaria]}
    dnsNames: [a.example.com]
    ipAddresses: [127.0.0.1]
    uris: ["spiffe://x/y"]
    emailAddresses: [a@b.c]
    usages: [serverAuth]
    privateKey: {algorithm: RSA, size: 3072, rotationPolicy: Never}
    duration: 24h
    renewBefore: 1h
  truststore:
    secretName: trust
    sources:
      - issuer: {}
      - secret: {name: partner, key: root.pem}
      - configMap: {name: roots}
      - inline: "-----BEGIN CERTIFICATE-----"
      - systemDefaults: {}
  formats: [JKS]
  pkcs12: {profile: LegacyDES}
  password: {secretKeyRef: {name: pw}}
status: {anything: [goes, here]}
)"));
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].kind, "CertStore");
  const CertStore& cs = std::get<CertStore>((*docs)[0].object);
  EXPECT_EQ(cs.metadata.name, "app");
  EXPECT_EQ(cs.metadata.namespace_, "demo");
  EXPECT_EQ(cs.spec.issuer_ref.kind, IssuerKind::kClusterCertIssuer);
  EXPECT_EQ(cs.spec.issuer_ref.name, "lab");
  ASSERT_TRUE(cs.spec.keystore);
  const KeystoreSpec& k = *cs.spec.keystore;
  EXPECT_EQ(k.alias, "server");
  EXPECT_EQ(k.subject.organizational_units, std::vector<std::string>{"Ops"});
  EXPECT_EQ(k.subject.provinces, std::vector<std::string>{"Bavaria"});
  EXPECT_EQ(k.uris, std::vector<std::string>{"spiffe://x/y"});
  EXPECT_EQ(k.private_key.algorithm, "RSA");
  EXPECT_EQ(k.private_key.size, 3072);
  EXPECT_EQ(k.private_key.rotation_policy, "Never");
  EXPECT_EQ(k.renew_before, "1h");
  EXPECT_FALSE(k.renew_before_percentage);
  ASSERT_TRUE(cs.spec.truststore);
  const auto& src = cs.spec.truststore->sources;
  ASSERT_EQ(src.size(), 5u);
  EXPECT_EQ(src[0].type, TrustSource::Type::kIssuer);
  EXPECT_EQ(src[1].type, TrustSource::Type::kSecret);
  EXPECT_EQ(src[1].name, "partner");
  EXPECT_EQ(src[1].key, "root.pem");
  EXPECT_EQ(src[2].type, TrustSource::Type::kConfigMap);
  EXPECT_EQ(src[2].key, "");  // defaulted later
  EXPECT_EQ(src[3].type, TrustSource::Type::kInline);
  EXPECT_EQ(src[4].type, TrustSource::Type::kSystemDefaults);
  EXPECT_EQ(cs.spec.formats, std::vector<std::string>{"JKS"});
  EXPECT_EQ(cs.spec.pkcs12_profile, "LegacyDES");
  ASSERT_TRUE(cs.spec.password);
  EXPECT_EQ(cs.spec.password->name, "pw");
}

TEST(ParseTest, NullFieldsAreAbsent) {
  auto cs = ParseCertStore(CertStoreYaml(
      "  secretName: a\n  formats: null\n  keystore:\n    usages: ~\n"
      "    renewBefore:\n    privateKey: {size: null}\n"));
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_TRUE(cs->spec.formats.empty());
  EXPECT_TRUE(cs->spec.keystore->usages.empty());
  EXPECT_FALSE(cs->spec.keystore->renew_before);
  EXPECT_FALSE(cs->spec.keystore->private_key.size);
}

TEST(ParseTest, QuotedScalarsAreStrings) {
  auto cs = ParseCertStore(CertStoreYaml(
      "  secretName: \"123\"\n  keystore:\n    subject: {countries: [\"NO\"]}\n"
      "    commonName: 'true'\n"));
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_EQ(cs->spec.secret_name, "123");
  EXPECT_EQ(cs->spec.keystore->subject.countries,
            std::vector<std::string>{"NO"});
  EXPECT_EQ(cs->spec.keystore->common_name, "true");
}

// What kubectl's YAML 1.1 reading makes of an unquoted scalar where a string
// belongs. The long ones once overflowed the stack (std::regex recursed per
// character; tests/fuzz/regressions/api).
TEST(ParseTest, UnquotedNumbersAndBooleansAreNotStrings) {
  const std::string digits(300000, '7');
  struct Case {
    std::string scalar;
    const char* type;  // nullptr: a string
  } cases[] = {
      {"123", "an integer"},    {"-1_000", "an integer"},
      {"0x1F", "an integer"},   {"0o17", "an integer"},
      {"+0b101", "an integer"}, {digits, "an integer"},
      {"1.5", "a number"},      {".5", "a number"},
      {"1.", "a number"},       {"1_0.5e-3", "a number"},
      {"-.inf", "a number"},    {".NaN", "a number"},
      {"yes", "a boolean"},     {"OFF", "a boolean"},
      {"0x", nullptr},          {"0b2", nullptr},
      {"1.2.3", nullptr},       {"1e", nullptr},
      {".", nullptr},           {"-.nan", nullptr},
      {"_1", nullptr},          {"app-tls", nullptr},
      {"a" + digits, nullptr},
  };
  for (const auto& c : cases) {
    auto cs = ParseCertStore(CertStoreYaml("  secretName: " + c.scalar + "\n"));
    std::string shown = c.scalar.substr(0, 20);
    if (c.type == nullptr) {
      ASSERT_TRUE(cs.ok()) << shown << ": " << cs.status();
      EXPECT_EQ(cs->spec.secret_name, c.scalar);
    } else {
      ASSERT_FALSE(cs.ok()) << shown;
      EXPECT_NE(cs.status().message().find(
                    std::string("spec.secretName: must be a string, got ") +
                    c.type + " (quote the value)"),
                std::string::npos)
          << shown << ": " << cs.status().message().substr(0, 200);
    }
  }
}

TEST(ParseTest, MultiDocumentStreamKeepsOrderAndIndex) {
  auto docs = ParseDocuments(
      "---\n"
      "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\n"
      "metadata: {name: root}\nspec: {ca: {secretName: root}}\n"
      "---\n"
      "# a comment-only document is skipped\n"
      "---\n" +
      CertStoreYaml("  secretName: a\n") +
      "---\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: roots}\n"
      "data: {ca.crt: pem}\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0].kind, "ClusterCertIssuer");
  EXPECT_EQ((*docs)[0].index, 1);
  EXPECT_EQ(std::get<Issuer>((*docs)[0].object).kind,
            IssuerKind::kClusterCertIssuer);
  EXPECT_EQ((*docs)[1].kind, "CertStore");
  EXPECT_EQ((*docs)[1].index, 3);
  EXPECT_EQ((*docs)[2].kind, "ConfigMap");
  EXPECT_EQ((*docs)[2].index, 4);
}

TEST(ParseTest, SecretDataIsBase64DecodedAndStringDataWins) {
  auto s = ParseSecret(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: pw, namespace: demo}\n"
      "type: Opaque\n"
      "data:\n  password: aHVudGVyMg==\n  both: ZnJvbS1kYXRh\n"
      "  wrapped: |\n    aGVs\n    bG8=\n"
      "stringData:\n  both: from-stringData\n  plain: text\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, "Opaque");
  EXPECT_EQ(s->metadata.namespace_, "demo");
  EXPECT_EQ(s->data.at("password"), "hunter2");
  EXPECT_EQ(s->data.at("wrapped"), "hello");
  EXPECT_EQ(s->data.at("both"), "from-stringData");
  EXPECT_EQ(s->data.at("plain"), "text");
}

TEST(ParseTest, BadBase64NamesTheKeyButNotTheValue) {
  const std::string value = "c2VjcmV0LXZhbHVl!!!";
  auto s = ParseSecret(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: pw}\n"
      "data:\n  password: \"" +
      value + "\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("document 1 (Secret/pw)"),
            std::string::npos);
  EXPECT_NE(s.status().message().find("data.password: is not valid base64"),
            std::string::npos)
      << s.status();
  EXPECT_EQ(s.status().message().find(value), std::string::npos) << s.status();
  EXPECT_EQ(s.status().message().find("c2VjcmV0"), std::string::npos)
      << s.status();
}

TEST(ParseTest, ConfigMapDataIsTextAndBinaryDataIsDecoded) {
  auto docs = ParseDocuments(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: roots, labels: {a: "
      "b}}\n"
      "data:\n  bundle.pem: |\n    -----BEGIN CERTIFICATE-----\n"
      "binaryData:\n  blob: AAEC\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  const auto& cm = std::get<ConfigMapObject>((*docs)[0].object);
  EXPECT_EQ(cm.metadata.labels.at("a"), "b");
  EXPECT_EQ(cm.data.at("bundle.pem"), "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(cm.data.at("blob"), std::string("\x00\x01\x02", 3));
}

// What the operator receives from the API server: JSON with server-populated
// metadata and a status.
TEST(ParseTest, JsonFromTheApiServer) {
  auto cs = ParseCertStore(R"({
    "apiVersion": "certstore.dev/v1alpha1", "kind": "CertStore",
    "metadata": {"name": "app", "namespace": "demo", "uid": "1c9e-42",
                 "resourceVersion": "4711", "generation": 3,
                 "creationTimestamp": "2026-11-23T12:00:00Z",
                 "managedFields": [{"manager": "kubectl", "operation": "Update"}],
                 "annotations": {"x": "y"}},
    "spec": {"issuerRef": {"kind": "CertIssuer", "name": "team-ca"},
             "secretName": "app-stores",
             "keystore": {"commonName": "app", "usages": ["serverAuth"],
                          "privateKey": {"algorithm": "ECDSA", "size": 384},
                          "renewBeforePercentage": 25},
             "formats": ["PKCS12", "PEM"]},
    "status": {"conditions": [{"type": "Ready", "status": "True"}], "revision": 2}
  })");
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_EQ(cs->metadata.uid, "1c9e-42");
  EXPECT_EQ(cs->metadata.resource_version, "4711");
  EXPECT_EQ(cs->metadata.generation, 3);
  EXPECT_EQ(cs->metadata.annotations.at("x"), "y");
  EXPECT_EQ(cs->spec.secret_name, "app-stores");
  EXPECT_EQ(cs->spec.keystore->private_key.size, 384);
  EXPECT_EQ(cs->spec.keystore->renew_before_percentage, 25);
  EXPECT_EQ(cs->spec.formats, (std::vector<std::string>{"PKCS12", "PEM"}));
}

TEST(ParseTest, JsonErrorsNamePaths) {
  auto cs = ParseCertStore(
      R"({"apiVersion": "certstore.dev/v1alpha1", "kind": "CertStore",
          "metadata": {"name": "app"},
          "spec": {"secretName": 7, "keystore": {"dnsNames": "a"}}})");
  ASSERT_FALSE(cs.ok());
  EXPECT_NE(cs.status().message().find("spec.secretName: must be a string"),
            std::string::npos)
      << cs.status();
  EXPECT_NE(
      cs.status().message().find("spec.keystore.dnsNames: must be a list"),
      std::string::npos)
      << cs.status();
}

TEST(ParseTest, SingleObjectParsersCheckTheKind) {
  const std::string issuer =
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
      "a}\n"
      "spec: {ca: {secretName: a}}\n";
  auto cs = ParseCertStore(issuer);
  ASSERT_FALSE(cs.ok());
  EXPECT_NE(cs.status().message().find("expected a CertStore, got CertIssuer"),
            std::string::npos)
      << cs.status();
  auto is = ParseIssuer(issuer);
  ASSERT_TRUE(is.ok()) << is.status();
  EXPECT_EQ(is->kind, IssuerKind::kCertIssuer);
  ASSERT_TRUE(is->spec.ca);
  EXPECT_EQ(is->spec.ca->secret_name, "a");
  auto two = ParseIssuer(issuer + "---\n" + issuer);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("exactly one"), std::string::npos);
}

}  // namespace
}  // namespace certstore::api
