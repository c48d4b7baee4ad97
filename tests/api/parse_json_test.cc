// JSON as the API server sends it reads to the same objects, with the same
// paths and messages, as the YAML manifests of those objects — through
// api/json.h only, never yaml-cpp.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/api/yaml_node.h"

namespace certstore::api {
namespace {

// ---- YAML to JSON, as kubectl converts a manifest (sigs.k8s.io/yaml) -------

void WriteYaml(const YAML::Node& n, json::Writer& w) {
  if (n.IsMap()) {
    w.BeginObject();
    for (auto it = n.begin(); it != n.end(); ++it) {
      w.Key(it->first.Scalar());
      WriteYaml(it->second, w);
    }
    w.EndObject();
  } else if (n.IsSequence()) {
    w.BeginArray();
    for (const auto& e : n) WriteYaml(e, w);
    w.EndArray();
  } else if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (n.Tag() != "?") {
      w.String(s);  // quoted or tagged: a string
    } else if (s == "true" || s == "false") {
      w.Bool(s == "true");
    } else if (!s.empty() && *end == '\0') {
      w.Int(i);
    } else {
      w.String(s);
    }
  } else {
    w.Null();
  }
}

std::string YamlToJson(const std::string& yaml) {
  json::Writer w;
  WriteYaml(YAML::Load(yaml), w);
  return w.Take();
}

// ---- A canonical form of every parsed field, to compare objects ------------

void Meta(json::Writer& w, const ObjectMeta& m) {
  w.Key("meta").BeginObject();
  w.Field("name", m.name).Field("ns", m.namespace_).Field("uid", m.uid);
  w.Field("rv", m.resource_version).Field("gen", m.generation);
  w.StringMap("labels", m.labels).StringMap("annotations", m.annotations);
  w.Key("owners").BeginArray();
  for (const auto& r : m.owner_references)
    w.BeginObject()
        .Field("a", r.api_version)
        .Field("k", r.kind)
        .Field("n", r.name)
        .Field("u", r.uid)
        .Field("c", r.controller)
        .EndObject();
  w.EndArray().EndObject();
}

void Subj(json::Writer& w, const char* key, const std::vector<std::string>& o,
          const std::vector<std::string>& ou, const std::vector<std::string>& c,
          const std::vector<std::string>& l,
          const std::vector<std::string>& p) {
  w.Key(key).BeginObject();
  w.StringArray("o", o).StringArray("ou", ou).StringArray("c", c);
  w.StringArray("l", l).StringArray("p", p).EndObject();
}

void OptInt(json::Writer& w, const char* key, const std::optional<int>& v) {
  w.Key(key);
  if (v)
    w.Int(*v);
  else
    w.Null();
}

void Key(json::Writer& w, const char* key, const PrivateKey& k) {
  w.Key(key).BeginObject().Field("alg", k.algorithm);
  OptInt(w, "size", k.size);
  w.Field("rot", k.rotation_policy).EndObject();
}

void Spec(json::Writer& w, const CertStoreSpec& s) {
  w.Field("issuerKind", IssuerKindName(s.issuer_ref.kind));
  w.Field("issuer", s.issuer_ref.name).Field("secret", s.secret_name);
  if (s.keystore) {
    const KeystoreSpec& k = *s.keystore;
    w.Key("keystore").BeginObject().Field("alias", k.alias);
    w.Field("cn", k.common_name);
    Subj(w, "subject", k.subject.organizations, k.subject.organizational_units,
         k.subject.countries, k.subject.localities, k.subject.provinces);
    w.StringArray("dns", k.dns_names).StringArray("ip", k.ip_addresses);
    w.StringArray("uri", k.uris).StringArray("email", k.email_addresses);
    w.StringArray("usages", k.usages).Field("usagesSet", k.usages_set);
    Key(w, "key", k.private_key);
    w.Field("duration", k.duration);
    w.Field("renewBefore", k.renew_before.value_or("<unset>"));
    OptInt(w, "pct", k.renew_before_percentage);
    w.EndObject();
  }
  if (s.truststore) {
    w.Key("truststore").BeginObject();
    w.Field("secret", s.truststore->secret_name);
    w.Field("sourcesSet", s.truststore->sources_set).Key("sources");
    w.BeginArray();
    for (const auto& t : s.truststore->sources)
      w.BeginObject()
          .Field("type", TrustSourceTypeName(t.type))
          .Field("name", t.name)
          .Field("key", t.key)
          .Field("pem", t.inline_pem)
          .Field("ns", t.ns)
          .EndObject();
    w.EndArray().EndObject();
  }
  w.StringArray("formats", s.formats).Field("formatsSet", s.formats_set);
  w.Field("pkcs12", s.pkcs12_profile);
  if (s.password)
    w.Key("password")
        .BeginObject()
        .Field("name", s.password->name)
        .Field("key", s.password->key)
        .Field("ns", s.password->ns)
        .EndObject();
}

void Spec(json::Writer& w, const IssuerSpec& s) {
  if (s.ca) w.Field("ca", s.ca->secret_name);
  if (s.self_signed) {
    const auto& ss = *s.self_signed;
    w.Key("selfSigned").BeginObject().Field("secret", ss.secret_name);
    w.Field("cn", ss.common_name);
    Subj(w, "subject", ss.subject.organizations,
         ss.subject.organizational_units, ss.subject.countries,
         ss.subject.localities, ss.subject.provinces);
    Key(w, "key", ss.private_key);
    w.Field("duration", ss.duration).EndObject();
  }
  if (s.policy) {
    const IssuerPolicy& p = *s.policy;
    w.Key("policy").BeginObject();
    if (p.namespace_selector) {
      w.Key("selector").BeginObject();
      w.StringMap("labels", p.namespace_selector->match_labels);
      w.Key("exprs").BeginArray();
      for (const auto& r : p.namespace_selector->match_expressions)
        w.BeginObject()
            .Field("key", r.key)
            .Field("op", r.op)
            .StringArray("values", r.values)
            .EndObject();
      w.EndArray().EndObject();
    }
    w.StringArray("dns", p.dns_names).StringArray("wild", p.wildcard_dns_names);
    w.StringArray("ip", p.ip_addresses).StringArray("uri", p.uris);
    w.StringArray("email", p.email_addresses);
    w.StringArray("cn", p.common_names);
    Subj(w, "subject", p.subject.organizations, p.subject.organizational_units,
         p.subject.countries, p.subject.localities, p.subject.provinces);
    w.Field("maxDuration", p.max_duration.value_or("<unset>"));
    w.StringArray("usages", p.usages);
    w.StringArray("algs", p.private_key.algorithms);
    OptInt(w, "minRsa", p.private_key.min_rsa_size);
    OptInt(w, "minEc", p.private_key.min_ecdsa_size);
    w.Field("intermediates", p.allow_intermediates).EndObject();
  }
}

std::string Canonical(const Document& d) {
  json::Writer w;
  w.BeginObject().Field("kind", d.kind);
  if (auto* cs = std::get_if<CertStore>(&d.object)) {
    Meta(w, cs->metadata);
    Spec(w, cs->spec);
  } else if (auto* is = std::get_if<Issuer>(&d.object)) {
    w.Field("issuerKind", IssuerKindName(is->kind));
    Meta(w, is->metadata);
    Spec(w, is->spec);
  } else if (auto* s = std::get_if<SecretObject>(&d.object)) {
    Meta(w, s->metadata);
    w.Field("type", s->type).StringMap("data", s->data);
    w.Field("immutable", s->immutable);
  } else if (auto* c = std::get_if<ConfigMapObject>(&d.object)) {
    Meta(w, c->metadata);
    w.StringMap("data", c->data);
  } else if (auto* n = std::get_if<NamespaceObject>(&d.object)) {
    Meta(w, n->metadata);
  }
  return w.EndObject().Take();
}

// Both forms parse alike: the same objects, or the same error.
void ExpectSameAsYaml(const std::string& yaml, const std::string& name) {
  const std::string json = YamlToJson(yaml);
  auto from_yaml = ParseDocuments(yaml);
  int64_t yaml_parses = YamlParseCount();
  auto from_json = ParseDocuments(json);
  EXPECT_EQ(YamlParseCount(), yaml_parses) << name << ": JSON reached yaml-cpp";
  ASSERT_EQ(from_yaml.ok(), from_json.ok())
      << name << "\nyaml: " << from_yaml.status()
      << "\njson: " << from_json.status() << "\n"
      << json;
  if (!from_yaml.ok()) {
    EXPECT_EQ(from_yaml.status().message(), from_json.status().message())
        << name;
    return;
  }
  ASSERT_EQ(from_yaml->size(), 1u) << name;
  ASSERT_EQ(from_json->size(), 1u) << name;
  EXPECT_EQ(Canonical((*from_yaml)[0]), Canonical((*from_json)[0]))
      << name << "\n"
      << json;
}

TEST(ParseJsonTest, CorpusReadsAlikeAsYamlAndJson) {
  int files = 0;
  for (const char* dir : {"valid", "invalid"}) {
    std::filesystem::path root =
        std::filesystem::path(CERTSTORE_SOURCE_DIR) / "tests/corpus" / dir;
    for (const auto& f : std::filesystem::directory_iterator(root)) {
      if (f.path().extension() != ".yaml") continue;
      std::ifstream in(f.path());
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("\n---") != std::string::npos) continue;
      ExpectSameAsYaml(text.str(), f.path().filename().string());
      ++files;
    }
  }
  EXPECT_GT(files, 20);
}

// Every field of every kind, core objects and server-populated metadata
// included.
TEST(ParseJsonTest, EveryKindReadsAlikeAsYamlAndJson) {
  const std::string cases[] = {
      R"(apiVersion: certstore.dev/v1alpha1
kind: CertStore
metadata:
  name: app
  namespace: demo
  uid: 1c9e-42
  resourceVersion: "4711"
  generation: 3
  labels: {team: a}
  annotations: {x: z}
  ownerReferences:
    - {apiVersion: v1, kind: ConfigMap, name: o, uid: u1, controller: true}
spec:
  issuerRef: {kind: ClusterCertIssuer, name: lab}
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
    usages: []
    privateKey: {algorithm: RSA, size: 3072, rotationPolicy: Never}
    duration: 24h
    renewBefore: 1h
    renewBeforePercentage: 20
  truststore:
    secretName: trust
    sources:
      - issuer: {}
      - secret: {name: partner, key: root.pem, namespace: demo}
      - configMap: {name: roots}
      - inline: "-----BEGIN CERTIFICATE-----"
      - systemDefaults: {}
  formats: [JKS]
  pkcs12: {profile: LegacyDES}
  password: {secretKeyRef: {name: pw, key: k}}
status: {anything: [goes, here], revision: 2}
)",
      R"(apiVersion: certstore.dev/v1alpha1
kind: ClusterCertIssuer
metadata: {name: root}
spec:
  selfSigned:
    secretName: root
    commonName: Root
    subject: {organizations: [Lab]}
    privateKey: {algorithm: ECDSA, size: 384}
    duration: 87600h
  policy:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: demo}
      matchExpressions:
        - {key: tier, operator: In, values: [a, b]}
    dnsNames: ['*.$(namespace).svc']
    wildcardDnsNames: [x.example]
    ipAddresses: [10.0.0.0/8]
    uris: ['spiffe://$(namespace)/*']
    emailAddresses: ['*@example.com']
    commonNames: ['$(name)']
    subject: {organizations: [Lab], countries: [US]}
    maxDuration: 720h
    usages: [serverAuth]
    privateKey: {algorithms: [ECDSA], minRSASize: 3072, minECDSASize: 384}
    allowIntermediates: true
)",
      R"(apiVersion: certstore.dev/v1alpha1
kind: CertIssuer
metadata: {name: team, namespace: demo}
spec: {ca: {secretName: team-ca}}
)",
      R"(apiVersion: v1
kind: Secret
metadata:
  name: s
  namespace: demo
  ownerReferences:
    - {apiVersion: certstore.dev/v1alpha1, kind: CertStore, name: app,
       uid: u2, controller: true, blockOwnerDeletion: true}
type: kubernetes.io/tls
immutable: true
data: {tls.crt: aGVsbG8=, both: ZnJvbS1kYXRh}
stringData: {both: from-string-data}
)",
      R"(apiVersion: v1
kind: ConfigMap
metadata: {name: roots, namespace: demo}
data: {bundle.pem: text}
binaryData: {blob: AAEC}
)",
      R"(apiVersion: v1
kind: Namespace
metadata: {name: demo, labels: {kubernetes.io/metadata.name: demo}}
spec: {finalizers: [kubernetes]}
)",
  };
  for (const auto& yaml : cases) ExpectSameAsYaml(yaml, yaml.substr(0, 60));
}

// ---- Bad JSON ---------------------------------------------------------------

constexpr char kSecretValue[] = "c3VwZXItc2VjcmV0LXZhbHVl";  // never shown

std::string CertStoreJson(const std::string& spec) {
  return R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore",)"
         R"("metadata":{"name":"app","namespace":"demo"},"spec":)" +
         spec + "}";
}

struct JsonErrorCase {
  const char* name;
  std::string json;
  std::vector<std::string> want;  // substrings of the error message
};

class ParseJsonErrorTest : public ::testing::TestWithParam<JsonErrorCase> {};

TEST_P(ParseJsonErrorTest, NamesThePathNeverTheSecret) {
  const JsonErrorCase& c = GetParam();
  // The operator's single-object parsers: JSON only, never a YAML retry.
  int64_t yaml_parses = YamlParseCount();
  Status st = c.json.find("\"kind\":\"Secret\"") != std::string::npos
                  ? ParseSecret(c.json).status()
                  : ParseCertStore(c.json).status();
  EXPECT_EQ(YamlParseCount(), yaml_parses) << "JSON reached yaml-cpp";
  ASSERT_FALSE(st.ok()) << c.json;
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  const std::string& m = st.message();
  for (const auto& w : c.want)
    EXPECT_NE(m.find(w), std::string::npos) << "want \"" << w << "\" in: " << m;
  EXPECT_EQ(m.find(kSecretValue), std::string::npos) << m;
  EXPECT_EQ(m.find("super-secret"), std::string::npos) << m;
  // ParseDocuments says the same of valid JSON (text that is not JSON it
  // reads as a flow-style YAML manifest).
  auto docs = ParseDocuments(c.json);
  ASSERT_FALSE(docs.ok());
  if (json::Document::Parse(c.json)) {
    EXPECT_EQ(docs.status().message(), m);
  }
  EXPECT_EQ(docs.status().message().find(kSecretValue), std::string::npos)
      << docs.status();
}

std::string SecretJson(const std::string& rest) {
  return R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},)" +
         rest + "}";
}

std::vector<JsonErrorCase> JsonErrorCases() {
  const std::string v = kSecretValue;
  return {
      {"NumberForString",
       CertStoreJson(R"({"secretName":7})"),
       {"document 1 (CertStore/app)",
        "spec.secretName: must be a string, got an integer"}},
      {"FloatForString",
       CertStoreJson(R"({"secretName":7.5})"),
       {"spec.secretName: must be a string, got a number"}},
      {"BoolForString",
       CertStoreJson(R"({"keystore":{"subject":{"countries":[true]}}})"),
       {"spec.keystore.subject.countries[0]: must be a string, got a "
        "boolean"}},
      {"ObjectForString",
       CertStoreJson(R"({"issuerRef":{"name":{}}})"),
       {"spec.issuerRef.name: must be a string"}},
      {"StringForInteger",
       CertStoreJson(R"({"keystore":{"privateKey":{"size":"256"}}})"),
       {"spec.keystore.privateKey.size: must be an integer, got a string"}},
      {"FloatForInteger",
       CertStoreJson(R"({"keystore":{"renewBeforePercentage":30.5}})"),
       {"spec.keystore.renewBeforePercentage: must be an integer"}},
      {"HugeInteger",
       CertStoreJson(R"({"keystore":{"privateKey":{"size":99999999999}}})"),
       {"spec.keystore.privateKey.size: must be an integer"}},
      {"BoolForInteger",
       CertStoreJson(R"({"keystore":{"privateKey":{"size":true}}})"),
       {"spec.keystore.privateKey.size: must be an integer"}},
      {"StringForList",
       CertStoreJson(R"({"formats":"PEM"})"),
       {"spec.formats: must be a list of strings"}},
      {"ListForObject",
       CertStoreJson(R"({"keystore":[]})"),
       {"spec.keystore: must be an object"}},
      {"StringForBoolean",
       R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertIssuer",)"
       R"("metadata":{"name":"a"},"spec":{"policy":)"
       R"({"allowIntermediates":"true"}}})",
       {"spec.policy.allowIntermediates: must be a boolean"}},
      {"UnknownField",
       CertStoreJson(R"({"secretname":"a"})"),
       {"spec.secretname: unknown field"}},
      {"UnknownNestedField",
       CertStoreJson(R"({"truststore":{"sources":[{"secret":{"keys":"b"}}]}})"),
       {"spec.truststore.sources[0].secret.keys: unknown field"}},
      {"UnknownTopLevelField",
       CertStoreJson(R"({}, "extra": 1)"),
       {"extra: unknown field"}},
      {"SpecMissing",
       R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore"})",
       {"spec: required"}},
      {"WrongApiVersion",
       R"({"apiVersion":"certstore.dev/v1","kind":"CertStore","spec":{}})",
       {"apiVersion: must be certstore.dev/v1alpha1"}},
      {"SecretDataNumber",
       SecretJson(R"("data":{"password":12345})"),
       {"document 1 (Secret/s)",
        "data.password: must be a string, got an integer"}},
      {"SecretDataBadBase64",
       SecretJson(R"("data":{"password":"!)" + v + R"("})"),
       {"data.password: is not valid base64"}},
      {"SecretDataList",
       SecretJson(R"("data":[")" + v + R"("])"),
       {"data: must be a map of strings"}},
      {"SecretStringDataObject",
       SecretJson(R"("stringData":{"password":{"v":")" + v + R"("}})"),
       {"stringData.password: must be a string"}},
      {"InvalidJsonQuotesNothing",
       SecretJson(R"("data":{"password":")" + v + R"(" "x":1})"),
       {"JSON at byte", "not valid JSON"}},
      {"TruncatedJson",
       SecretJson(R"("data":{"password":")" + v),
       {"JSON at byte"}},
      {"DeepNesting",
       CertStoreJson(std::string(100, '[') + std::string(100, ']')),
       {"JSON nested deeper than 64 levels"}},
  };
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseJsonErrorTest,
                         ::testing::ValuesIn(JsonErrorCases()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

// The operator's reads never reach yaml-cpp, whatever kind they read.
TEST(ParseJsonTest, JsonNeverReachesYamlCpp) {
  const std::string status =
      R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertIssuer",)"
      R"("metadata":{"name":"a"},"spec":{"ca":{"secretName":"a"}},)"
      R"("status":{"conditions":[{"type":"Ready","status":"True",)"
      R"("reason":"Issued","message":"ok","lastTransitionTime":"t"},)"
      R"({"type":"Issuing","status":"False"}],"failedIssuanceAttempts":2,)"
      R"("observedGeneration":4,"revision":5,"renewalTime":"r",)"
      R"("notBefore":"b","notAfter":"n","fingerprintSHA256":"f",)"
      R"("issuerCAFingerprintSHA256":"i","caCertificate":"pem",)"
      R"("truststore":{"earliestNotAfter":"e","issuerCAs":["x","y"]},)"
      R"("rotation":{"startedAt":"s","trustDistributedAt":"d",)"
      R"("reissuedAt":"re","previousCAs":[{"certificate":"old",)"
      R"("fingerprintSHA256":"of"}],"waitingFor":["m"],"waitingCount":7}}})";
  int64_t before = YamlParseCount();
  EXPECT_TRUE(ParseCertStore(CertStoreJson(R"({"secretName":"a"})")).ok());
  EXPECT_TRUE(ParseIssuer(status).ok());
  EXPECT_TRUE(ParseSecret(SecretJson(R"("data":{"a":"aGk="})")).ok());
  EXPECT_TRUE(
      ParseNamespace(
          R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"d"}})")
          .ok());
  EXPECT_TRUE(
      ParseConfigMap(
          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})")
          .ok());
  EXPECT_FALSE(ParseCertStore("{kind: CertStore}").ok());  // not JSON
  ObservedStatus st = ParseObservedStatus(status);
  auto ready = ParseReadyCondition(status);
  EXPECT_EQ(YamlParseCount(), before);

  // ... and read the status as the YAML path does.
  ObservedStatus from_yaml = ParseObservedStatus("\n" + YamlToJson(status));
  for (const ObservedStatus* s : {&st, &from_yaml}) {
    ASSERT_TRUE(s->ready);
    EXPECT_EQ(s->ready->reason, "Issued");
    EXPECT_EQ(s->ready->last_transition_time, "t");
    ASSERT_TRUE(s->issuing);
    EXPECT_EQ(s->issuing->status, "False");
    EXPECT_EQ(s->failed_attempts, 2);
    EXPECT_EQ(s->observed_generation, 4);
    EXPECT_EQ(s->revision, 5);
    EXPECT_EQ(s->renewal_time, "r");
    EXPECT_EQ(s->not_before, "b");
    EXPECT_EQ(s->not_after, "n");
    EXPECT_EQ(s->fingerprint_sha256, "f");
    EXPECT_EQ(s->issuer_ca_fingerprint, "i");
    EXPECT_EQ(s->ca_certificate, "pem");
    EXPECT_EQ(s->truststore_earliest_not_after, "e");
    EXPECT_EQ(s->truststore_issuer_cas, (std::vector<std::string>{"x", "y"}));
    ASSERT_TRUE(s->rotation);
    EXPECT_EQ(s->rotation->started_at, "s");
    EXPECT_EQ(s->rotation->trust_distributed_at, "d");
    EXPECT_EQ(s->rotation->reissued_at, "re");
    ASSERT_EQ(s->rotation->previous_cas.size(), 1u);
    EXPECT_EQ(s->rotation->previous_cas[0].certificate, "old");
    EXPECT_EQ(s->rotation->previous_cas[0].fingerprint_sha256, "of");
    EXPECT_EQ(s->rotation->waiting_for, std::vector<std::string>{"m"});
    EXPECT_EQ(s->rotation->waiting_count, 7);
  }
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->message, "ok");
  EXPECT_FALSE(ParseReadyCondition("{not json").has_value());
}

// A flow-style YAML manifest starts like JSON: ParseDocuments still reads it
// as YAML, with YAML's rules.
TEST(ParseJsonTest, FlowStyleYamlManifestIsStillYaml) {
  auto docs = ParseDocuments(
      "{apiVersion: certstore.dev/v1alpha1, kind: CertStore, metadata: "
      "{name: a}, spec: {secretName: yes}}");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find(
                "spec.secretName: must be a string, got a boolean"),
            std::string::npos)
      << docs.status();
}

}  // namespace
}  // namespace certstore::api
