// Today's baseline in operator/kube: cpprestsdk's web::json. Parsed with the
// std::error_code overload (the plain one throws json_exception); accessors
// throw on a wrong type, so every read is guarded by is_*().
#include <cpprest/json.h>
#include <cpprest/version.h>

#include <algorithm>

#include "tests/bench/json/alloc_counter.h"
#include "tests/bench/json/codec.h"

namespace jsonbench {
namespace {

using web::json::value;

const value* Find(const value& o, const char* key) {
  if (!o.is_object()) return nullptr;
  const auto& obj = o.as_object();
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->second;
}

void Str(const value& o, const char* key, std::string* out) {
  const value* v = Find(o, key);
  if (v != nullptr && v->is_string()) *out = v->as_string();
}

void Int(const value& o, const char* key, int64_t* out) {
  const value* v = Find(o, key);
  if (v != nullptr && v->is_integer()) *out = v->as_number().to_int64();
}

void Bool(const value& o, const char* key, bool* out) {
  const value* v = Find(o, key);
  if (v != nullptr && v->is_boolean()) *out = v->as_bool();
}

void StrList(const value& o, const char* key, std::vector<std::string>* out) {
  const value* v = Find(o, key);
  if (v == nullptr || !v->is_array()) return;
  for (const value& e : v->as_array())
    if (e.is_string()) out->push_back(e.as_string());
}

void StrMap(const value& o, const char* key,
            std::map<std::string, std::string>* out) {
  const value* v = Find(o, key);
  if (v == nullptr || !v->is_object()) return;
  for (const auto& [k, e] : v->as_object())
    if (e.is_string()) out->emplace(k, e.as_string());
}

void ReadMeta(const value& m, ObjectMeta* out) {
  Str(m, "name", &out->name);
  Str(m, "namespace", &out->ns);
  Str(m, "uid", &out->uid);
  Str(m, "resourceVersion", &out->resource_version);
  Str(m, "creationTimestamp", &out->creation_timestamp);
  Int(m, "generation", &out->generation);
  StrMap(m, "labels", &out->labels);
  StrMap(m, "annotations", &out->annotations);
  const value* refs = Find(m, "ownerReferences");
  if (refs == nullptr || !refs->is_array()) return;
  for (const value& r : refs->as_array()) {
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

bool ReadSecret(const value& o, bool digest, SecretSummary* out) {
  if (!o.is_object()) return false;
  if (const value* m = Find(o, "metadata")) ReadMeta(*m, &out->meta);
  Str(o, "type", &out->type);
  const value* data = Find(o, "data");
  if (data != nullptr && data->is_object()) {
    for (const auto& [k, e] : data->as_object()) {
      if (!e.is_string()) continue;
      const std::string& v = e.as_string();
      out->data.push_back(
          {k, v.size(), digest ? Sha256Hex(v.data(), v.size()) : ""});
    }
  }
  return true;
}

void ReadStatus(const value& s, CertStoreStatus* out) {
  Int(s, "observedGeneration", &out->observed_generation);
  if (const value* cs = Find(s, "conditions"); cs && cs->is_array()) {
    for (const value& c : cs->as_array()) {
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
  if (const value* t = Find(s, "truststore")) {
    Int(*t, "certificates", &out->truststore_certificates);
    Str(*t, "earliestNotAfter", &out->truststore_earliest_not_after);
    StrList(*t, "issuerCAs", &out->truststore_issuer_cas);
  }
  for (const auto& [k, e] : s.as_object())
    if (e.is_null()) out->null_fields.push_back(k);
  std::sort(out->null_fields.begin(), out->null_fields.end());
}

bool ReadCertStore(const value& o, CertStoreObject* out) {
  if (!o.is_object()) return false;
  if (const value* m = Find(o, "metadata")) ReadMeta(*m, &out->meta);
  if (const value* s = Find(o, "spec"); s != nullptr && s->is_object()) {
    CertStoreSpec& p = out->spec;
    Str(*s, "secretName", &p.secret_name);
    if (const value* r = Find(*s, "issuerRef")) {
      Str(*r, "kind", &p.issuer_kind);
      Str(*r, "name", &p.issuer_name);
    }
    if (const value* k = Find(*s, "keystore")) {
      Str(*k, "alias", &p.alias);
      Str(*k, "commonName", &p.common_name);
      Str(*k, "duration", &p.duration);
      Str(*k, "renewBefore", &p.renew_before);
      StrList(*k, "dnsNames", &p.dns_names);
      StrList(*k, "ipAddresses", &p.ip_addresses);
      StrList(*k, "usages", &p.usages);
      if (const value* sub = Find(*k, "subject"))
        StrList(*sub, "organizations", &p.organizations);
      if (const value* pk = Find(*k, "privateKey")) {
        Str(*pk, "algorithm", &p.key_algorithm);
        Int(*pk, "size", &p.key_size);
      }
    }
    StrList(*s, "formats", &p.formats);
    if (const value* p12 = Find(*s, "pkcs12"))
      Str(*p12, "profile", &p.pkcs12_profile);
    if (const value* t = Find(*s, "truststore")) {
      if (const value* src = Find(*t, "sources"); src && src->is_array())
        for (const value& e : src->as_array())
          if (e.is_object() && e.size() > 0)
            p.trust_source_kinds.push_back(e.as_object().begin()->first);
    }
  }
  if (const value* st = Find(o, "status"); st != nullptr && st->is_object())
    ReadStatus(*st, &out->status);
  return true;
}

bool Parse(const std::string& text, value* doc) {
  std::error_code error;
  try {
    *doc = value::parse(text, error);
  } catch (const std::exception&) {  // e.g. bad_alloc; parse errors are codes
    return false;
  }
  return !error;
}

bool ParseOnly(const std::string& json) {
  value doc;
  return Parse(json, &doc);
}

bool DecodePage(const std::string& json, bool digest, SecretListPage* out) {
  value doc;
  if (!Parse(json, &doc) || !doc.is_object()) return false;
  if (const value* m = Find(doc, "metadata")) {
    Str(*m, "resourceVersion", &out->resource_version);
    Str(*m, "continue", &out->continue_token);
    Int(*m, "remainingItemCount", &out->remaining_item_count);
  }
  const value* items = Find(doc, "items");
  if (items == nullptr || !items->is_array()) return false;
  out->items.reserve(items->size());
  for (const value& item : items->as_array()) {
    SecretSummary s;
    if (ReadSecret(item, digest, &s)) out->items.push_back(std::move(s));
  }
  return true;
}

template <typename T, typename Reader>
bool DecodeEvent(const std::string& line, WatchEvent<T>* out, Reader read) {
  value doc;
  if (!Parse(line, &doc) || !doc.is_object()) return false;
  Str(doc, "type", &out->type);
  const value* o = Find(doc, "object");
  return o != nullptr && read(*o, &out->object);
}

bool DecodeCertStoreEvent(const std::string& line,
                          WatchEvent<CertStoreObject>* out) {
  return DecodeEvent(line, out, ReadCertStore);
}

bool DecodeSecretEvent(const std::string& line,
                       WatchEvent<SecretSummary>* out) {
  return DecodeEvent(line, out, [](const value& o, SecretSummary* s) {
    return ReadSecret(o, true, s);
  });
}

bool DecodeSecret(const std::string& json, SecretSummary* out) {
  value doc;
  return Parse(json, &doc) && ReadSecret(doc, true, out);
}

bool DecodeCertStore(const std::string& json, CertStoreObject* out) {
  value doc;
  return Parse(json, &doc) && ReadCertStore(doc, out);
}

value StrMapValue(const std::map<std::string, std::string>& m) {
  value out = value::object();
  for (const auto& [k, v] : m) out[k] = value::string(v);
  return out;
}

bool Serialize(const value& v, std::string* out) {
  try {
    *out = v.serialize();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool WriteSecret(const SecretToWrite& s, std::string* out) {
  value md = value::object();
  md["name"] = value::string(s.name);
  md["namespace"] = value::string(s.ns);
  md["labels"] = StrMapValue(s.labels);
  md["annotations"] = StrMapValue(s.annotations);
  value ref = value::object();
  ref["apiVersion"] = value::string(s.owner.api_version);
  ref["kind"] = value::string(s.owner.kind);
  ref["name"] = value::string(s.owner.name);
  ref["uid"] = value::string(s.owner.uid);
  ref["controller"] = value::boolean(true);
  ref["blockOwnerDeletion"] = value::boolean(true);
  md["ownerReferences"] = value::array({ref});
  if (!s.resource_version.empty())
    md["resourceVersion"] = value::string(s.resource_version);
  value j = value::object();
  j["apiVersion"] = value::string("v1");
  j["kind"] = value::string("Secret");
  j["metadata"] = md;
  j["type"] = value::string(s.type);
  j["data"] = StrMapValue(s.data);
  return Serialize(j, out);
}

bool WriteStatusPatch(const StatusPatch& p, std::string* out) {
  const CertStoreStatus& s = p.status;
  value st = value::object();
  st["observedGeneration"] = value::number(s.observed_generation);
  std::vector<value> conditions;
  for (const Condition& c : s.conditions) {
    value k = value::object();
    k["type"] = value::string(c.type);
    k["status"] = value::string(c.status);
    k["reason"] = value::string(c.reason);
    k["message"] = value::string(c.message);
    k["lastTransitionTime"] = value::string(c.last_transition_time);
    k["observedGeneration"] = value::number(c.observed_generation);
    conditions.push_back(std::move(k));
  }
  st["conditions"] = value::array(std::move(conditions));
  st["notBefore"] = value::string(s.not_before);
  st["notAfter"] = value::string(s.not_after);
  st["renewalTime"] = value::string(s.renewal_time);
  st["serialNumber"] = value::string(s.serial_number);
  st["fingerprintSHA256"] = value::string(s.fingerprint_sha256);
  st["revision"] = value::number(s.revision);
  value ts = value::object();
  ts["certificates"] = value::number(s.truststore_certificates);
  ts["earliestNotAfter"] = value::string(s.truststore_earliest_not_after);
  std::vector<value> cas;
  for (const auto& f : s.truststore_issuer_cas) cas.push_back(value::string(f));
  ts["issuerCAs"] = value::array(std::move(cas));
  st["truststore"] = ts;
  for (const std::string& k : s.null_fields) st[k] = value::null();
  value md = value::object();
  md["resourceVersion"] = value::string(p.resource_version);
  value j = value::object();
  j["metadata"] = md;
  j["status"] = st;
  return Serialize(j, out);
}

Footprint MeasurePage(const std::string& json) {
  Footprint f;
  HeapProbe probe;
  {
    value doc;
    Parse(json, &doc);
    f.peak = probe.Peak();
    f.retained = probe.Live();
    f.allocations = probe.Allocations();
    f.mallinfo_retained = probe.MallinfoDelta();
  }
  return f;
}

}  // namespace

std::vector<Codec> CppRestCodecs() {
  Codec c;
  c.id = "cpprest";
  c.title = "cpprestsdk web::json (today, kube/)";
  c.candidate = false;
  c.version = std::to_string(CPPREST_VERSION_MAJOR) + "." +
              std::to_string(CPPREST_VERSION_MINOR) + "." +
              std::to_string(CPPREST_VERSION_REVISION);
  c.parse_only = ParseOnly;
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
