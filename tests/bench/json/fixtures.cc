#include "tests/bench/json/fixtures.h"

#include <cstdint>
#include <cstdio>
#include <functional>

namespace jsonbench {
namespace {

// The fixtures are written by this small emitter rather than by a library
// under test, so no candidate's quirks are baked into the input. It escapes
// as Go's encoding/json does (kube-apiserver): \" \\ \n \r \t, other control
// characters and < > & as \u00XX, non-ASCII UTF-8 as is.
class FixtureWriter {
 public:
  FixtureWriter& Begin() {
    Comma();
    out_ += '{';
    first_ = true;
    return *this;
  }
  FixtureWriter& End() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  FixtureWriter& BeginArray() {
    Comma();
    out_ += '[';
    first_ = true;
    return *this;
  }
  FixtureWriter& EndArray() {
    out_ += ']';
    first_ = false;
    return *this;
  }
  FixtureWriter& Key(const std::string& k) {
    Comma();
    Quote(k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
    return *this;
  }
  FixtureWriter& Str(const std::string& v) {
    Comma();
    Quote(v);
    return *this;
  }
  FixtureWriter& Int(int64_t v) {
    Comma();
    out_ += std::to_string(v);
    return *this;
  }
  FixtureWriter& Bool(bool v) {
    Comma();
    out_ += v ? "true" : "false";
    return *this;
  }
  FixtureWriter& Null() {
    Comma();
    out_ += "null";
    return *this;
  }
  FixtureWriter& Field(const std::string& k, const std::string& v) {
    return Key(k).Str(v);
  }
  FixtureWriter& Field(const std::string& k, int64_t v) {
    return Key(k).Int(v);
  }
  FixtureWriter& Strings(const std::string& k,
                         const std::vector<std::string>& v) {
    Key(k).BeginArray();
    for (const auto& s : v) Str(s);
    return EndArray();
  }
  FixtureWriter& Map(const std::string& k,
                     const std::map<std::string, std::string>& m) {
    Key(k).Begin();
    for (const auto& [mk, mv] : m) Field(mk, mv);
    return End();
  }
  FixtureWriter& Empty(const std::string& k) { return Key(k).Begin().End(); }
  std::string Take() { return std::move(out_); }

 private:
  void Comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void Quote(const std::string& s) {
    out_ += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += static_cast<char>(c);
          }
      }
    }
    out_ += '"';
  }
  std::string out_;
  bool first_ = true;
};

// splitmix64: the same sequence on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::string Bytes(size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(Next() & 0xff);
    return out;
  }
  std::string Hex(size_t n) {
    static const char kHex[] = "0123456789abcdef";
    std::string out(n, '0');
    for (auto& c : out) c = kHex[Next() & 15];
    return out;
  }
  std::string Alnum(size_t n) {
    static const char kSet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(n, '0');
    for (auto& c : out) c = kSet[Next() % 62];
    return out;
  }
  std::string Uid() {
    return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" +
           Hex(12);
  }

 private:
  uint64_t s_;
};

// PEM text of about `size` bytes: header, 64-column base64 lines, footer.
std::string Pem(Rng& rng, const std::string& label, size_t size) {
  std::string head = "-----BEGIN " + label + "-----\n";
  std::string foot = "-----END " + label + "-----\n";
  size_t body = size - head.size() - foot.size();
  std::string b64 = Base64(rng.Bytes(body * 3 / 4 * 64 / 65));
  std::string out = head;
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + foot;
}

std::string Timestamp(int seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "2026-11-23T%02d:%02d:%02dZ",
                12 + seconds / 3600, seconds / 60 % 60, seconds % 60);
  return buf;
}

std::map<std::string, std::string> StoreData(Rng& rng) {
  return {
      {"ca.crt", Base64(Pem(rng, "CERTIFICATE", 1000))},
      {"keystore.p12", Base64(rng.Bytes(3500))},
      {"password", Base64(rng.Alnum(32))},
      {"tls.crt", Base64(Pem(rng, "CERTIFICATE", 1200))},
      {"tls.key", Base64(Pem(rng, "PRIVATE KEY", 300))},
      {"truststore.jks", Base64(rng.Bytes(1500))},
  };
}

// The Secret the operator would have written for CertStore "app-NNNN".
SecretToWrite OperatorSecret(Rng& rng, int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "app-%04d", i);
  SecretToWrite s;
  s.name = std::string(name) + "-stores";
  s.ns = "team-" + std::to_string(i % 40);
  s.resource_version = std::to_string(4200000 + 7 * i);
  s.labels = {{"app.kubernetes.io/managed-by", "certstore-operator"},
              {"app.kubernetes.io/instance", name}};
  s.annotations = {{"certstore.dev/certstore", name},
                   {"certstore.dev/identity-hash", rng.Hex(64)},
                   {"certstore.dev/render-hash", rng.Hex(64)},
                   {"certstore.dev/revision", std::to_string(1 + i % 3)}};
  s.owner = {
      "certstore.dev/v1alpha1", "CertStore", name, rng.Uid(), true, true};
  s.type = "Opaque";
  s.data = StoreData(rng);
  return s;
}

void ManagedFieldsEntry(FixtureWriter& w, const SecretToWrite& s,
                        const std::string& time) {
  w.Key("managedFields").BeginArray().Begin();
  w.Field("manager", "certstore-operator")
      .Field("operation", "Update")
      .Field("apiVersion", "v1")
      .Field("time", time)
      .Field("fieldsType", "FieldsV1");
  w.Key("fieldsV1").Begin();
  w.Key("f:data").Begin().Empty(".");
  for (const auto& [k, v] : s.data) w.Empty("f:" + k);
  w.End();
  w.Key("f:metadata").Begin();
  w.Key("f:annotations").Begin().Empty(".");
  for (const auto& [k, v] : s.annotations) w.Empty("f:" + k);
  w.End();
  w.Key("f:labels").Begin().Empty(".");
  for (const auto& [k, v] : s.labels) w.Empty("f:" + k);
  w.End();
  w.Key("f:ownerReferences")
      .Begin()
      .Empty(".")
      .Empty("k:{\"uid\":\"" + s.owner.uid + "\"}")
      .End();
  w.End();  // f:metadata
  w.Empty("f:type");
  w.End().End().EndArray();
}

// As kube-apiserver serializes a core Secret: struct field order.
void EmitSecret(FixtureWriter& w, const SecretToWrite& s,
                const std::string& uid, const std::string& created) {
  w.Begin().Key("metadata").Begin();
  w.Field("name", s.name).Field("namespace", s.ns).Field("uid", uid);
  w.Field("resourceVersion", s.resource_version)
      .Field("creationTimestamp", created);
  w.Map("labels", s.labels).Map("annotations", s.annotations);
  w.Key("ownerReferences").BeginArray().Begin();
  w.Field("apiVersion", s.owner.api_version)
      .Field("kind", s.owner.kind)
      .Field("name", s.owner.name)
      .Field("uid", s.owner.uid);
  w.Key("controller").Bool(true).Key("blockOwnerDeletion").Bool(true);
  w.End().EndArray();
  ManagedFieldsEntry(w, s, created);
  w.End();  // metadata
  w.Map("data", s.data).Field("type", s.type).End();
}

SecretSummary SummaryOf(const SecretToWrite& s, const std::string& uid,
                        const std::string& created) {
  SecretSummary out = ExpectedSummary(s, true);
  out.meta.uid = uid;
  out.meta.creation_timestamp = created;
  return out;
}

CertStoreObject CertStoreTruth() {
  CertStoreObject c;
  c.meta.name = "payments-api";
  c.meta.ns = "team-7";
  c.meta.uid = "5d1c2a4e-8f3b-4c6d-9e7a-0b1c2d3e4f50";
  c.meta.resource_version = "4271903";
  c.meta.generation = 3;
  c.meta.creation_timestamp = "2026-11-20T09:14:02Z";
  c.meta.labels = {{"app.kubernetes.io/part-of", "payments"},
                   {"team", "payments"}};
  CertStoreSpec& s = c.spec;
  s.secret_name = "payments-api-stores";
  s.issuer_kind = "ClusterCertIssuer";
  s.issuer_name = "lab-root-ca";
  s.alias = "server";
  s.common_name = "payments-api.team-7.svc";
  s.dns_names = {"payments-api.team-7.svc",
                 "payments-api.team-7.svc.cluster.local", "payments.lab.local"};
  s.ip_addresses = {"10.96.14.7"};
  s.usages = {"serverAuth", "clientAuth"};
  s.organizations = {"M\xc3\xbcller Payments GmbH"};  // raw UTF-8
  s.key_algorithm = "ECDSA";
  s.key_size = 256;
  s.duration = "2160h";
  s.renew_before = "720h";
  s.formats = {"PKCS12", "JKS", "PEM"};
  s.pkcs12_profile = "Modern2023";
  s.trust_source_kinds = {"issuer", "secret"};
  CertStoreStatus& t = c.status;
  t.observed_generation = 3;
  t.conditions = {
      {"Issuing", "False", "Issued",
       "Renewal scheduled for 2027-01-22T09:14:05Z", "2026-11-22T09:14:05Z", 3},
      {"Ready", "True", "Issued",
       "Certificate issued by ClusterCertIssuer \"lab-root-ca\" <CN=Lab mTLS "
       "Root CA, O=M\xc3\xbcller Payments GmbH> & stored in "
       "payments-api-stores\n(keystore.p12, keystore.jks, tls.crt)",
       "2026-11-20T09:14:05Z", 3},
  };
  t.not_before = "2026-11-22T09:09:05Z";
  t.not_after = "2027-02-20T09:14:05Z";
  t.renewal_time = "2027-01-21T09:14:05Z";
  t.serial_number = "5f3a9c0e7b21d4486a1c93e0b7f2d845";
  t.fingerprint_sha256 =
      "9b2e4c1f0a7d3e5b8c6f2a1d4e7b0c3f9a8e5d2c1b4f7a0e3d6c9b2a5f8e1d4c";
  t.revision = 2;
  t.truststore_certificates = 2;
  t.truststore_earliest_not_after = "2036-11-18T08:00:00Z";
  t.truststore_issuer_cas = {
      "3c0e9a7b5d1f2e4a6c8b0d2f4e6a8c0b2d4f6e8a0c2e4b6d8f0a2c4e6b8d0f2a"};
  return c;
}

void EmitSpec(FixtureWriter& w, const CertStoreSpec& s) {
  w.Begin().Strings("formats", s.formats);
  w.Key("issuerRef")
      .Begin()
      .Field("kind", s.issuer_kind)
      .Field("name", s.issuer_name)
      .End();
  w.Key("keystore").Begin().Field("alias", s.alias);
  w.Field("commonName", s.common_name).Strings("dnsNames", s.dns_names);
  w.Field("duration", s.duration).Strings("ipAddresses", s.ip_addresses);
  w.Key("privateKey")
      .Begin()
      .Field("algorithm", s.key_algorithm)
      .Field("rotationPolicy", "Always")
      .Field("size", s.key_size)
      .End();
  w.Field("renewBefore", s.renew_before);
  w.Key("subject")
      .Begin()
      .Strings("countries", {"DE"})
      .Strings("organizations", s.organizations)
      .End();
  w.Strings("usages", s.usages).End();  // keystore
  w.Key("pkcs12").Begin().Field("profile", s.pkcs12_profile).End();
  w.Field("secretName", s.secret_name);
  w.Key("truststore").Begin().Key("sources").BeginArray();
  w.Begin().Empty("issuer").End();
  w.Begin()
      .Key("secret")
      .Begin()
      .Field("key", "ca.crt")
      .Field("name", "partner-ca")
      .End()
      .End();
  w.EndArray().End().End();
}

void EmitCondition(FixtureWriter& w, const Condition& c) {
  w.Begin()
      .Field("lastTransitionTime", c.last_transition_time)
      .Field("message", c.message)
      .Field("observedGeneration", c.observed_generation)
      .Field("reason", c.reason)
      .Field("status", c.status)
      .Field("type", c.type)
      .End();
}

// As kube-apiserver serializes a custom resource: every map's keys sorted.
std::string CertStoreEventLine(CertStoreObject* truth) {
  const CertStoreObject& c = *truth;
  FixtureWriter applied;
  applied.Begin()
      .Field("apiVersion", "certstore.dev/v1alpha1")
      .Field("kind", "CertStore");
  applied.Key("metadata")
      .Begin()
      .Empty("annotations")
      .Map("labels", c.meta.labels)
      .Field("name", c.meta.name)
      .Field("namespace", c.meta.ns)
      .End();
  applied.Key("spec");
  EmitSpec(applied, c.spec);
  applied.End();
  truth->meta.annotations["kubectl.kubernetes.io/last-applied-configuration"] =
      applied.Take() + "\n";

  FixtureWriter w;
  w.Begin().Field("type", "MODIFIED").Key("object").Begin();
  w.Field("apiVersion", "certstore.dev/v1alpha1").Field("kind", "CertStore");
  w.Key("metadata").Begin().Map("annotations", c.meta.annotations);
  w.Field("creationTimestamp", c.meta.creation_timestamp)
      .Field("generation", c.meta.generation)
      .Map("labels", c.meta.labels);
  w.Key("managedFields").BeginArray();
  w.Begin()
      .Field("apiVersion", "certstore.dev/v1alpha1")
      .Field("fieldsType", "FieldsV1");
  w.Key("fieldsV1").Begin();
  w.Key("f:metadata")
      .Begin()
      .Key("f:annotations")
      .Begin()
      .Empty(".")
      .Empty("f:kubectl.kubernetes.io/last-applied-configuration")
      .End()
      .Key("f:labels")
      .Begin()
      .Empty(".")
      .Empty("f:app.kubernetes.io/part-of")
      .Empty("f:team")
      .End()
      .End();
  w.Key("f:spec").Begin();
  for (const char* f : {"f:formats", "f:issuerRef", "f:keystore", "f:pkcs12",
                        "f:secretName", "f:truststore"})
    w.Empty(f);
  w.End().End();  // f:spec, fieldsV1
  w.Field("manager", "kubectl-client-side-apply")
      .Field("operation", "Update")
      .Field("time", c.meta.creation_timestamp)
      .End();
  w.Begin()
      .Field("apiVersion", "certstore.dev/v1alpha1")
      .Field("fieldsType", "FieldsV1");
  w.Key("fieldsV1").Begin().Key("f:status").Begin();
  for (const char* f :
       {".", "f:conditions", "f:fingerprintSHA256", "f:notAfter", "f:notBefore",
        "f:observedGeneration", "f:renewalTime", "f:revision", "f:serialNumber",
        "f:truststore"})
    w.Empty(f);
  w.End().End();
  w.Field("manager", "certstore-operator")
      .Field("operation", "Update")
      .Field("subresource", "status")
      .Field("time", c.status.conditions[0].last_transition_time)
      .End();
  w.EndArray();  // managedFields
  w.Field("name", c.meta.name)
      .Field("namespace", c.meta.ns)
      .Field("resourceVersion", c.meta.resource_version)
      .Field("uid", c.meta.uid)
      .End();  // metadata
  w.Key("spec");
  EmitSpec(w, c.spec);
  const CertStoreStatus& t = c.status;
  w.Key("status").Begin().Key("conditions").BeginArray();
  for (const auto& k : t.conditions) EmitCondition(w, k);
  w.EndArray();
  w.Field("fingerprintSHA256", t.fingerprint_sha256)
      .Field("notAfter", t.not_after)
      .Field("notBefore", t.not_before)
      .Field("observedGeneration", t.observed_generation)
      .Field("renewalTime", t.renewal_time)
      .Field("revision", t.revision)
      .Field("serialNumber", t.serial_number);
  w.Key("truststore")
      .Begin()
      .Field("certificates", t.truststore_certificates)
      .Field("earliestNotAfter", t.truststore_earliest_not_after)
      .Strings("issuerCAs", t.truststore_issuer_cas)
      .End();
  w.End().End().End();  // status, object, event
  return w.Take();
}

Fixtures Build() {
  Fixtures f;
  Rng rng(14);
  FixtureWriter w;
  w.Begin().Field("kind", "SecretList").Field("apiVersion", "v1");
  f.page_truth.resource_version = "4271990";
  f.page_truth.continue_token = Base64(
      "{\"v\":\"meta.k8s.io/v1\",\"rv\":4271990,\"start\":\"team-19/"
      "app-0499-stores\\u0000\"}");
  f.page_truth.remaining_item_count = 9500;
  w.Key("metadata")
      .Begin()
      .Field("resourceVersion", f.page_truth.resource_version)
      .Field("continue", f.page_truth.continue_token)
      .Field("remainingItemCount", f.page_truth.remaining_item_count)
      .End();
  w.Key("items").BeginArray();
  for (int i = 0; i < 500; ++i) {
    SecretToWrite s = OperatorSecret(rng, i);
    std::string uid = rng.Uid();
    std::string created = Timestamp(i * 7);
    EmitSecret(w, s, uid, created);
    f.page_truth.items.push_back(SummaryOf(s, uid, created));
  }
  w.EndArray().End();
  f.page = w.Take();

  f.certstore_truth.type = "MODIFIED";
  f.certstore_truth.object = CertStoreTruth();
  f.certstore_event = CertStoreEventLine(&f.certstore_truth.object);

  SecretToWrite s = OperatorSecret(rng, 4242);
  std::string uid = rng.Uid();
  FixtureWriter e;
  e.Begin().Field("type", "MODIFIED").Key("object");
  EmitSecret(e, s, uid, Timestamp(4242));
  e.End();
  f.secret_event = e.Take();
  f.secret_truth.type = "MODIFIED";
  f.secret_truth.object = SummaryOf(s, uid, Timestamp(4242));

  f.secret_to_write = OperatorSecret(rng, 7);
  f.secret_to_write.resource_version.clear();  // a create
  f.status_patch.resource_version = "4271903";
  f.status_patch.status = f.certstore_truth.object.status;
  f.status_patch.status.null_fields = {"failedIssuanceAttempts",
                                       "lastFailureTime"};
  return f;
}

}  // namespace

std::string Base64(const std::string& raw) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    uint32_t v = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8) |
                 uint8_t(raw[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == raw.size()) {
    uint32_t v = uint8_t(raw[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == raw.size()) {
    uint32_t v = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

const Fixtures& GetFixtures() {
  static const Fixtures f = Build();
  return f;
}

const std::string& NastyString() {
  static const std::string s =
      "we\"ird\\na\\\"me/\x01\x02\x1f\x7f\t\r\n</script>&"
      "\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x90 \xe2\x80\xa8";
  return s;
}

}  // namespace jsonbench
