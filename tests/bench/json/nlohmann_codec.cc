// nlohmann/json (DOM): parse with allow_exceptions=false, read with find()
// and type checks (at()/get<>() throw on a missing key or a wrong type).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/bench/json/alloc_counter.h"
#include "tests/bench/json/codec.h"

namespace jsonbench {
namespace {

using Json = nlohmann::json;

const Json* Find(const Json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

void Str(const Json& o, const char* key, std::string* out) {
  const Json* v = Find(o, key);
  if (v != nullptr && v->is_string()) *out = v->get_ref<const std::string&>();
}

void Int(const Json& o, const char* key, int64_t* out) {
  const Json* v = Find(o, key);
  if (v != nullptr && v->is_number_integer()) *out = v->get<int64_t>();
}

void Bool(const Json& o, const char* key, bool* out) {
  const Json* v = Find(o, key);
  if (v != nullptr && v->is_boolean()) *out = v->get<bool>();
}

void StrList(const Json& o, const char* key, std::vector<std::string>* out) {
  const Json* v = Find(o, key);
  if (v == nullptr || !v->is_array()) return;
  for (const Json& e : *v)
    if (e.is_string()) out->push_back(e.get_ref<const std::string&>());
}

void StrMap(const Json& o, const char* key,
            std::map<std::string, std::string>* out) {
  const Json* v = Find(o, key);
  if (v == nullptr || !v->is_object()) return;
  for (auto it = v->begin(); it != v->end(); ++it)
    if (it->is_string())
      out->emplace(it.key(), it->get_ref<const std::string&>());
}

void ReadMeta(const Json& m, ObjectMeta* out) {
  Str(m, "name", &out->name);
  Str(m, "namespace", &out->ns);
  Str(m, "uid", &out->uid);
  Str(m, "resourceVersion", &out->resource_version);
  Str(m, "creationTimestamp", &out->creation_timestamp);
  Int(m, "generation", &out->generation);
  StrMap(m, "labels", &out->labels);
  StrMap(m, "annotations", &out->annotations);
  const Json* refs = Find(m, "ownerReferences");
  if (refs == nullptr || !refs->is_array()) return;
  for (const Json& r : *refs) {
    if (!r.is_object()) continue;
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

bool ReadSecret(const Json& o, bool digest, SecretSummary* out) {
  if (!o.is_object()) return false;
  if (const Json* m = Find(o, "metadata")) ReadMeta(*m, &out->meta);
  Str(o, "type", &out->type);
  const Json* data = Find(o, "data");
  if (data != nullptr && data->is_object()) {
    for (auto it = data->begin(); it != data->end(); ++it) {
      if (!it->is_string()) continue;
      const std::string& v = it->get_ref<const std::string&>();
      out->data.push_back(
          {it.key(), v.size(), digest ? Sha256Hex(v.data(), v.size()) : ""});
    }
  }
  return true;
}

void ReadStatus(const Json& s, CertStoreStatus* out) {
  Int(s, "observedGeneration", &out->observed_generation);
  if (const Json* cs = Find(s, "conditions"); cs != nullptr && cs->is_array()) {
    for (const Json& c : *cs) {
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
  if (const Json* t = Find(s, "truststore")) {
    Int(*t, "certificates", &out->truststore_certificates);
    Str(*t, "earliestNotAfter", &out->truststore_earliest_not_after);
    StrList(*t, "issuerCAs", &out->truststore_issuer_cas);
  }
  for (auto it = s.begin(); it != s.end(); ++it)
    if (it->is_null()) out->null_fields.push_back(it.key());
  std::sort(out->null_fields.begin(), out->null_fields.end());
}

bool ReadCertStore(const Json& o, CertStoreObject* out) {
  if (!o.is_object()) return false;
  if (const Json* m = Find(o, "metadata")) ReadMeta(*m, &out->meta);
  if (const Json* s = Find(o, "spec"); s != nullptr && s->is_object()) {
    CertStoreSpec& p = out->spec;
    Str(*s, "secretName", &p.secret_name);
    if (const Json* r = Find(*s, "issuerRef")) {
      Str(*r, "kind", &p.issuer_kind);
      Str(*r, "name", &p.issuer_name);
    }
    if (const Json* k = Find(*s, "keystore")) {
      Str(*k, "alias", &p.alias);
      Str(*k, "commonName", &p.common_name);
      Str(*k, "duration", &p.duration);
      Str(*k, "renewBefore", &p.renew_before);
      StrList(*k, "dnsNames", &p.dns_names);
      StrList(*k, "ipAddresses", &p.ip_addresses);
      StrList(*k, "usages", &p.usages);
      if (const Json* sub = Find(*k, "subject"))
        StrList(*sub, "organizations", &p.organizations);
      if (const Json* pk = Find(*k, "privateKey")) {
        Str(*pk, "algorithm", &p.key_algorithm);
        Int(*pk, "size", &p.key_size);
      }
    }
    StrList(*s, "formats", &p.formats);
    if (const Json* p12 = Find(*s, "pkcs12"))
      Str(*p12, "profile", &p.pkcs12_profile);
    if (const Json* t = Find(*s, "truststore")) {
      if (const Json* src = Find(*t, "sources"); src && src->is_array())
        for (const Json& e : *src)
          if (e.is_object() && !e.empty())
            p.trust_source_kinds.push_back(e.begin().key());
    }
  }
  if (const Json* st = Find(o, "status"); st != nullptr && st->is_object())
    ReadStatus(*st, &out->status);
  return true;
}

bool Parse(const std::string& text, Json* doc) {
  *doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !doc->is_discarded();
}

bool ParseOnly(const std::string& json) {
  Json doc;
  return Parse(json, &doc);
}

bool SyntaxOnly(const std::string& json) { return Json::accept(json); }

bool DecodePage(const std::string& json, bool digest, SecretListPage* out) {
  Json doc;
  if (!Parse(json, &doc) || !doc.is_object()) return false;
  if (const Json* m = Find(doc, "metadata")) {
    Str(*m, "resourceVersion", &out->resource_version);
    Str(*m, "continue", &out->continue_token);
    Int(*m, "remainingItemCount", &out->remaining_item_count);
  }
  const Json* items = Find(doc, "items");
  if (items == nullptr || !items->is_array()) return false;
  out->items.reserve(items->size());
  for (const Json& item : *items) {
    SecretSummary s;
    if (ReadSecret(item, digest, &s)) out->items.push_back(std::move(s));
  }
  return true;
}

template <typename T, typename Reader>
bool DecodeEvent(const std::string& line, WatchEvent<T>* out, Reader read) {
  Json doc;
  if (!Parse(line, &doc) || !doc.is_object()) return false;
  Str(doc, "type", &out->type);
  const Json* o = Find(doc, "object");
  return o != nullptr && read(*o, &out->object);
}

bool DecodeCertStoreEvent(const std::string& line,
                          WatchEvent<CertStoreObject>* out) {
  return DecodeEvent(line, out, ReadCertStore);
}

bool DecodeSecretEvent(const std::string& line,
                       WatchEvent<SecretSummary>* out) {
  return DecodeEvent(line, out, [](const Json& o, SecretSummary* s) {
    return ReadSecret(o, true, s);
  });
}

bool DecodeSecret(const std::string& json, SecretSummary* out) {
  Json doc;
  return Parse(json, &doc) && ReadSecret(doc, true, out);
}

bool DecodeCertStore(const std::string& json, CertStoreObject* out) {
  Json doc;
  return Parse(json, &doc) && ReadCertStore(doc, out);
}

Json Conditions(const std::vector<Condition>& cs) {
  Json out = Json::array();
  for (const Condition& c : cs)
    out.push_back({{"type", c.type},
                   {"status", c.status},
                   {"reason", c.reason},
                   {"message", c.message},
                   {"lastTransitionTime", c.last_transition_time},
                   {"observedGeneration", c.observed_generation}});
  return out;
}

// dump() throws type_error 316 on invalid UTF-8 (error_handler_t::strict).
bool Dump(const Json& j, std::string* out) {
  try {
    *out = j.dump();
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

bool WriteSecret(const SecretToWrite& s, std::string* out) {
  Json md = {{"name", s.name},
             {"namespace", s.ns},
             {"labels", s.labels},
             {"annotations", s.annotations}};
  md["ownerReferences"] = Json::array({{{"apiVersion", s.owner.api_version},
                                        {"kind", s.owner.kind},
                                        {"name", s.owner.name},
                                        {"uid", s.owner.uid},
                                        {"controller", true},
                                        {"blockOwnerDeletion", true}}});
  if (!s.resource_version.empty()) md["resourceVersion"] = s.resource_version;
  Json j = {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", std::move(md)},
            {"type", s.type},
            {"data", s.data}};
  return Dump(j, out);
}

bool WriteStatusPatch(const StatusPatch& p, std::string* out) {
  const CertStoreStatus& s = p.status;
  Json st = {{"observedGeneration", s.observed_generation},
             {"conditions", Conditions(s.conditions)},
             {"notBefore", s.not_before},
             {"notAfter", s.not_after},
             {"renewalTime", s.renewal_time},
             {"serialNumber", s.serial_number},
             {"fingerprintSHA256", s.fingerprint_sha256},
             {"revision", s.revision},
             {"truststore",
              {{"certificates", s.truststore_certificates},
               {"earliestNotAfter", s.truststore_earliest_not_after},
               {"issuerCAs", s.truststore_issuer_cas}}}};
  for (const std::string& k : s.null_fields) st[k] = nullptr;
  Json j = {{"metadata", {{"resourceVersion", p.resource_version}}},
            {"status", std::move(st)}};
  return Dump(j, out);
}

Footprint MeasurePage(const std::string& json) {
  Footprint f;
  HeapProbe probe;
  {
    Json doc;
    Parse(json, &doc);
    f.peak = probe.Peak();
    f.retained = probe.Live();
    f.allocations = probe.Allocations();
    f.mallinfo_retained = probe.MallinfoDelta();
  }
  return f;
}

}  // namespace

std::vector<Codec> NlohmannCodecs() {
  Codec c;
  c.id = "nlohmann";
  c.title = "nlohmann/json DOM";
  c.version = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
              std::to_string(NLOHMANN_JSON_VERSION_PATCH);
  c.parse_only = ParseOnly;
  c.syntax_only = SyntaxOnly;
  c.decode_page = DecodePage;
  c.decode_certstore_event = DecodeCertStoreEvent;
  c.decode_secret_event = DecodeSecretEvent;
  c.decode_secret = DecodeSecret;
  c.decode_certstore = DecodeCertStore;
  c.write_secret = WriteSecret;
  c.write_status_patch = WriteStatusPatch;
  c.measure_page = MeasurePage;
  return {c};
}

}  // namespace jsonbench
