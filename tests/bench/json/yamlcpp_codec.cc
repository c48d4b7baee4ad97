// Today's baseline in operator/api and controller/: yaml-cpp reading JSON as
// YAML (JSON is YAML 1.2 flow syntax). YAML::Load throws on bad input and
// the accessors throw on misuse; only const Nodes are read, since a
// non-const operator[] inserts the key it looks up. yaml-cpp has no JSON
// writer (YAML::Emitter writes YAML), so the operator concatenates strings
// today; no writer row.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>

#include "tests/bench/json/alloc_counter.h"
#include "tests/bench/json/codec.h"

namespace jsonbench {
namespace {

bool Find(const YAML::Node& o, const char* key, YAML::Node* out) {
  if (!o.IsMap()) return false;
  YAML::Node v = o[key];
  if (!v.IsDefined()) return false;
  *out = v;
  return true;
}

void Str(const YAML::Node& o, const char* key, std::string* out) {
  YAML::Node v;
  if (Find(o, key, &v) && v.IsScalar()) *out = v.Scalar();
}

void Int(const YAML::Node& o, const char* key, int64_t* out) {
  YAML::Node v;
  if (Find(o, key, &v) && v.IsScalar())
    *out = std::strtoll(v.Scalar().c_str(), nullptr, 10);
}

void Bool(const YAML::Node& o, const char* key, bool* out) {
  YAML::Node v;
  if (Find(o, key, &v) && v.IsScalar()) *out = v.Scalar() == "true";
}

void StrList(const YAML::Node& o, const char* key,
             std::vector<std::string>* out) {
  YAML::Node v;
  if (!Find(o, key, &v) || !v.IsSequence()) return;
  for (const YAML::Node& e : v)
    if (e.IsScalar()) out->push_back(e.Scalar());
}

void StrMap(const YAML::Node& o, const char* key,
            std::map<std::string, std::string>* out) {
  YAML::Node v;
  if (!Find(o, key, &v) || !v.IsMap()) return;
  for (const auto& kv : v)
    if (kv.second.IsScalar())
      out->emplace(kv.first.Scalar(), kv.second.Scalar());
}

void ReadMeta(const YAML::Node& m, ObjectMeta* out) {
  Str(m, "name", &out->name);
  Str(m, "namespace", &out->ns);
  Str(m, "uid", &out->uid);
  Str(m, "resourceVersion", &out->resource_version);
  Str(m, "creationTimestamp", &out->creation_timestamp);
  Int(m, "generation", &out->generation);
  StrMap(m, "labels", &out->labels);
  StrMap(m, "annotations", &out->annotations);
  YAML::Node refs;
  if (!Find(m, "ownerReferences", &refs) || !refs.IsSequence()) return;
  for (const YAML::Node& r : refs) {
    if (!r.IsMap()) continue;
    OwnerReference o;
    Str(r, "apiVersion", &o.api_version);
    Str(r, "kind", &o.kind);
    Str(r, "name", &o.name);
    Str(r, "uid", &o.uid);
    Bool(r, "controller", &o.controller);
    Bool(r, "blockOwnerDeletion", &o.block_owner_deletion);
    out->owners.push_back(std::move(o));
  }
}

bool ReadSecret(const YAML::Node& o, bool digest, SecretSummary* out) {
  if (!o.IsMap()) return false;
  YAML::Node v;
  if (Find(o, "metadata", &v)) ReadMeta(v, &out->meta);
  Str(o, "type", &out->type);
  if (Find(o, "data", &v) && v.IsMap()) {
    for (const auto& kv : v) {
      if (!kv.second.IsScalar()) continue;
      const std::string& s = kv.second.Scalar();
      out->data.push_back({kv.first.Scalar(), s.size(),
                           digest ? Sha256Hex(s.data(), s.size()) : ""});
    }
  }
  return true;
}

void ReadStatus(const YAML::Node& s, CertStoreStatus* out) {
  Int(s, "observedGeneration", &out->observed_generation);
  YAML::Node v;
  if (Find(s, "conditions", &v) && v.IsSequence()) {
    for (const YAML::Node& c : v) {
      Condition k;
      Str(c, "type", &k.type);
      Str(c, "status", &k.status);
      Str(c, "reason", &k.reason);
      Str(c, "message", &k.message);
      Str(c, "lastTransitionTime", &k.last_transition_time);
      Int(c, "observedGeneration", &k.observed_generation);
      out->conditions.push_back(std::move(k));
    }
  }
  Str(s, "notBefore", &out->not_before);
  Str(s, "notAfter", &out->not_after);
  Str(s, "renewalTime", &out->renewal_time);
  Str(s, "serialNumber", &out->serial_number);
  Str(s, "fingerprintSHA256", &out->fingerprint_sha256);
  Int(s, "revision", &out->revision);
  if (Find(s, "truststore", &v)) {
    Int(v, "certificates", &out->truststore_certificates);
    Str(v, "earliestNotAfter", &out->truststore_earliest_not_after);
    StrList(v, "issuerCAs", &out->truststore_issuer_cas);
  }
  for (const auto& kv : s)
    if (kv.second.IsNull()) out->null_fields.push_back(kv.first.Scalar());
  std::sort(out->null_fields.begin(), out->null_fields.end());
}

bool ReadCertStore(const YAML::Node& o, CertStoreObject* out) {
  if (!o.IsMap()) return false;
  YAML::Node v, s;
  if (Find(o, "metadata", &v)) ReadMeta(v, &out->meta);
  if (Find(o, "spec", &s) && s.IsMap()) {
    CertStoreSpec& p = out->spec;
    Str(s, "secretName", &p.secret_name);
    if (Find(s, "issuerRef", &v)) {
      Str(v, "kind", &p.issuer_kind);
      Str(v, "name", &p.issuer_name);
    }
    YAML::Node k;
    if (Find(s, "keystore", &k)) {
      Str(k, "alias", &p.alias);
      Str(k, "commonName", &p.common_name);
      Str(k, "duration", &p.duration);
      Str(k, "renewBefore", &p.renew_before);
      StrList(k, "dnsNames", &p.dns_names);
      StrList(k, "ipAddresses", &p.ip_addresses);
      StrList(k, "usages", &p.usages);
      if (Find(k, "subject", &v)) StrList(v, "organizations", &p.organizations);
      if (Find(k, "privateKey", &v)) {
        Str(v, "algorithm", &p.key_algorithm);
        Int(v, "size", &p.key_size);
      }
    }
    StrList(s, "formats", &p.formats);
    if (Find(s, "pkcs12", &v)) Str(v, "profile", &p.pkcs12_profile);
    YAML::Node t, src;
    if (Find(s, "truststore", &t) && Find(t, "sources", &src) &&
        src.IsSequence())
      for (const YAML::Node& e : src)
        if (e.IsMap() && e.size() > 0)
          p.trust_source_kinds.push_back(e.begin()->first.Scalar());
  }
  if (Find(o, "status", &v) && v.IsMap()) ReadStatus(v, &out->status);
  return true;
}

bool Parse(const std::string& text, YAML::Node* doc) {
  try {
    *doc = YAML::Load(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The readers above can throw too (e.g. on an alias to a missing anchor);
// the operator catches at this edge.
template <typename Fn>
bool Guard(Fn fn) {
  try {
    return fn();
  } catch (const std::exception&) {
    return false;
  }
}

bool ParseOnly(const std::string& json) {
  YAML::Node doc;
  return Parse(json, &doc);
}

bool DecodePage(const std::string& json, bool digest, SecretListPage* out) {
  return Guard([&] {
    YAML::Node doc, m, items;
    if (!Parse(json, &doc) || !doc.IsMap()) return false;
    if (Find(doc, "metadata", &m)) {
      Str(m, "resourceVersion", &out->resource_version);
      Str(m, "continue", &out->continue_token);
      Int(m, "remainingItemCount", &out->remaining_item_count);
    }
    if (!Find(doc, "items", &items) || !items.IsSequence()) return false;
    out->items.reserve(items.size());
    for (const YAML::Node& item : items) {
      SecretSummary s;
      if (ReadSecret(item, digest, &s)) out->items.push_back(std::move(s));
    }
    return true;
  });
}

template <typename T, typename Reader>
bool DecodeEvent(const std::string& line, WatchEvent<T>* out, Reader read) {
  return Guard([&] {
    YAML::Node doc, o;
    if (!Parse(line, &doc) || !doc.IsMap()) return false;
    Str(doc, "type", &out->type);
    return Find(doc, "object", &o) && read(o, &out->object);
  });
}

bool DecodeCertStoreEvent(const std::string& line,
                          WatchEvent<CertStoreObject>* out) {
  return DecodeEvent(line, out, ReadCertStore);
}

bool DecodeSecretEvent(const std::string& line,
                       WatchEvent<SecretSummary>* out) {
  return DecodeEvent(line, out, [](const YAML::Node& o, SecretSummary* s) {
    return ReadSecret(o, true, s);
  });
}

bool DecodeSecret(const std::string& json, SecretSummary* out) {
  return Guard([&] {
    YAML::Node doc;
    return Parse(json, &doc) && ReadSecret(doc, true, out);
  });
}

bool DecodeCertStore(const std::string& json, CertStoreObject* out) {
  return Guard([&] {
    YAML::Node doc;
    return Parse(json, &doc) && ReadCertStore(doc, out);
  });
}

Footprint MeasurePage(const std::string& json) {
  Footprint f;
  HeapProbe probe;
  {
    YAML::Node doc;
    Parse(json, &doc);
    f.peak = probe.Peak();
    f.retained = probe.Live();
    f.allocations = probe.Allocations();
    f.mallinfo_retained = probe.MallinfoDelta();
  }
  return f;
}

}  // namespace

std::vector<Codec> YamlCppCodecs() {
  Codec c;
  c.id = "yamlcpp";
  c.title = "yaml-cpp YAML::Load (today, api/ and controller/)";
  c.candidate = false;
  c.version = "";  // no version macro: hack/bench.sh prints the package
  c.parse_only = ParseOnly;
  c.decode_page = DecodePage;
  c.decode_certstore_event = DecodeCertStoreEvent;
  c.decode_secret_event = DecodeSecretEvent;
  c.decode_secret = DecodeSecret;
  c.decode_certstore = DecodeCertStore;
  c.measure_page = MeasurePage;
  return {c};
}

}  // namespace jsonbench
