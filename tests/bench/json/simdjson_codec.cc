// simdjson (Debian's libsimdjson: stage 1 dispatched at run time to the
// best kernel for the CPU). Error codes throughout: every access returns a
// simdjson_result and is read with .get(), so nothing here throws.
//   simdjson_dom       dom::parser, one per thread and reused (as simdjson
//                      recommends); parse() copies the text into the
//                      parser's padded buffer;
//   simdjson_ondemand  ondemand::parser, reused; the text is copied into a
//                      reused padded buffer, then read once, front to back,
//                      fields dispatched by key (order-independent). Its
//                      stage 2 is inline code compiled for the *builtin*
//                      implementation, i.e. for this build's -march.
// simdjson 3.0 has no writer: it can print a parsed element back
// (simdjson::to_string / minify) but cannot build a document.
#include <simdjson.h>

#include <algorithm>

#include "tests/bench/json/alloc_counter.h"
#include "tests/bench/json/codec.h"

namespace jsonbench {
namespace {

namespace dom = simdjson::dom;
namespace od = simdjson::ondemand;

// ---------------------------------------------------------------- DOM

dom::parser& DomParser() {
  static thread_local dom::parser parser;
  return parser;
}

bool DomFind(dom::element o, const char* key, dom::element* out) {
  dom::object obj;
  if (o.get_object().get(obj)) return false;
  return obj[key].get(*out) == simdjson::SUCCESS;
}

void Str(dom::element o, const char* key, std::string* out) {
  dom::element v;
  std::string_view s;
  if (DomFind(o, key, &v) && !v.get_string().get(s)) out->assign(s);
}

void Int(dom::element o, const char* key, int64_t* out) {
  dom::element v;
  int64_t i;
  if (DomFind(o, key, &v) && !v.get_int64().get(i)) *out = i;
}

void Bool(dom::element o, const char* key, bool* out) {
  dom::element v;
  bool b;
  if (DomFind(o, key, &v) && !v.get_bool().get(b)) *out = b;
}

void StrList(dom::element o, const char* key, std::vector<std::string>* out) {
  dom::element v;
  dom::array a;
  if (!DomFind(o, key, &v) || v.get_array().get(a)) return;
  for (dom::element e : a) {
    std::string_view s;
    if (!e.get_string().get(s)) out->emplace_back(s);
  }
}

void StrMap(dom::element o, const char* key,
            std::map<std::string, std::string>* out) {
  dom::element v;
  dom::object m;
  if (!DomFind(o, key, &v) || v.get_object().get(m)) return;
  for (dom::key_value_pair kv : m) {
    std::string_view s;
    if (!kv.value.get_string().get(s))
      out->emplace(std::string(kv.key), std::string(s));
  }
}

void ReadMeta(dom::element m, ObjectMeta* out) {
  Str(m, "name", &out->name);
  Str(m, "namespace", &out->ns);
  Str(m, "uid", &out->uid);
  Str(m, "resourceVersion", &out->resource_version);
  Str(m, "creationTimestamp", &out->creation_timestamp);
  Int(m, "generation", &out->generation);
  StrMap(m, "labels", &out->labels);
  StrMap(m, "annotations", &out->annotations);
  dom::element v;
  dom::array refs;
  if (!DomFind(m, "ownerReferences", &v) || v.get_array().get(refs)) return;
  for (dom::element r : refs) {
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

bool ReadSecret(dom::element o, bool digest, SecretSummary* out) {
  if (!o.is_object()) return false;
  dom::element v;
  if (DomFind(o, "metadata", &v)) ReadMeta(v, &out->meta);
  Str(o, "type", &out->type);
  dom::object data;
  if (DomFind(o, "data", &v) && !v.get_object().get(data)) {
    for (dom::key_value_pair kv : data) {
      std::string_view s;
      if (kv.value.get_string().get(s)) continue;
      out->data.push_back({std::string(kv.key), s.size(),
                           digest ? Sha256Hex(s.data(), s.size()) : ""});
    }
  }
  return true;
}

void ReadStatus(dom::element s, CertStoreStatus* out) {
  Int(s, "observedGeneration", &out->observed_generation);
  dom::element v;
  dom::array cs;
  if (DomFind(s, "conditions", &v) && !v.get_array().get(cs)) {
    for (dom::element c : cs) {
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
  if (DomFind(s, "truststore", &v)) {
    Int(v, "certificates", &out->truststore_certificates);
    Str(v, "earliestNotAfter", &out->truststore_earliest_not_after);
    StrList(v, "issuerCAs", &out->truststore_issuer_cas);
  }
  dom::object obj;
  if (!s.get_object().get(obj))
    for (dom::key_value_pair kv : obj)
      if (kv.value.is_null()) out->null_fields.emplace_back(kv.key);
  std::sort(out->null_fields.begin(), out->null_fields.end());
}

bool ReadCertStore(dom::element o, CertStoreObject* out) {
  if (!o.is_object()) return false;
  dom::element v;
  if (DomFind(o, "metadata", &v)) ReadMeta(v, &out->meta);
  dom::element s;
  if (DomFind(o, "spec", &s) && s.is_object()) {
    CertStoreSpec& p = out->spec;
    Str(s, "secretName", &p.secret_name);
    if (DomFind(s, "issuerRef", &v)) {
      Str(v, "kind", &p.issuer_kind);
      Str(v, "name", &p.issuer_name);
    }
    dom::element k;
    if (DomFind(s, "keystore", &k)) {
      Str(k, "alias", &p.alias);
      Str(k, "commonName", &p.common_name);
      Str(k, "duration", &p.duration);
      Str(k, "renewBefore", &p.renew_before);
      StrList(k, "dnsNames", &p.dns_names);
      StrList(k, "ipAddresses", &p.ip_addresses);
      StrList(k, "usages", &p.usages);
      if (DomFind(k, "subject", &v))
        StrList(v, "organizations", &p.organizations);
      if (DomFind(k, "privateKey", &v)) {
        Str(v, "algorithm", &p.key_algorithm);
        Int(v, "size", &p.key_size);
      }
    }
    StrList(s, "formats", &p.formats);
    if (DomFind(s, "pkcs12", &v)) Str(v, "profile", &p.pkcs12_profile);
    dom::array src;
    if (DomFind(s, "truststore", &v) && DomFind(v, "sources", &v) &&
        !v.get_array().get(src))
      for (dom::element e : src) {
        dom::object eo;
        if (!e.get_object().get(eo) && eo.size() > 0)
          p.trust_source_kinds.emplace_back((*eo.begin()).key);
      }
  }
  if (DomFind(o, "status", &v) && v.is_object()) ReadStatus(v, &out->status);
  return true;
}

// Always copies into the parser's reused padded buffer: a body from the
// transport carries no padding guarantee.
bool DomParse(const std::string& text, dom::element* doc) {
  return DomParser().parse(text.data(), text.size(), true).get(*doc) ==
         simdjson::SUCCESS;
}

bool DomParseOnly(const std::string& json) {
  dom::element doc;
  return DomParse(json, &doc);
}

bool DomDecodePage(const std::string& json, bool digest, SecretListPage* out) {
  dom::element doc;
  if (!DomParse(json, &doc) || !doc.is_object()) return false;
  dom::element m;
  if (DomFind(doc, "metadata", &m)) {
    Str(m, "resourceVersion", &out->resource_version);
    Str(m, "continue", &out->continue_token);
    Int(m, "remainingItemCount", &out->remaining_item_count);
  }
  dom::element v;
  dom::array items;
  if (!DomFind(doc, "items", &v) || v.get_array().get(items)) return false;
  out->items.reserve(items.size());
  for (dom::element item : items) {
    SecretSummary s;
    if (ReadSecret(item, digest, &s)) out->items.push_back(std::move(s));
  }
  return true;
}

template <typename T, typename Reader>
bool DomDecodeEvent(const std::string& line, WatchEvent<T>* out, Reader read) {
  dom::element doc, o;
  if (!DomParse(line, &doc) || !doc.is_object()) return false;
  Str(doc, "type", &out->type);
  return DomFind(doc, "object", &o) && read(o, &out->object);
}

bool DomDecodeCertStoreEvent(const std::string& line,
                             WatchEvent<CertStoreObject>* out) {
  return DomDecodeEvent(line, out, ReadCertStore);
}

bool DomDecodeSecretEvent(const std::string& line,
                          WatchEvent<SecretSummary>* out) {
  return DomDecodeEvent(line, out, [](dom::element o, SecretSummary* s) {
    return ReadSecret(o, true, s);
  });
}

bool DomDecodeSecret(const std::string& json, SecretSummary* out) {
  dom::element doc;
  return DomParse(json, &doc) && ReadSecret(doc, true, out);
}

bool DomDecodeCertStore(const std::string& json, CertStoreObject* out) {
  dom::element doc;
  return DomParse(json, &doc) && ReadCertStore(doc, out);
}

// A fresh parser, so its buffers are counted; simdjson sizes them from the
// document length (tape 8 B, string buffer 5/3 B, structural index 4 B per
// input byte, plus the padded copy), not from its content.
Footprint DomMeasurePage(const std::string& json) {
  Footprint f;
  HeapProbe probe;
  {
    dom::parser parser;
    dom::element doc;
    auto error = parser.parse(json.data(), json.size(), true).get(doc);
    f.peak = probe.Peak();
    f.retained = probe.Live();
    f.allocations = probe.Allocations();
    f.mallinfo_retained = probe.MallinfoDelta();
    f.note = "capacity " + std::to_string(parser.capacity()) + " B" +
             (error ? " (parse failed)" : "");
  }
  return f;
}

// ----------------------------------------------------------- On-Demand

struct OnDemandState {
  od::parser parser;
  std::string buffer;  // reused padded copy of the input
};

OnDemandState& OdState() {
  static thread_local OnDemandState state;
  return state;
}

simdjson::padded_string_view Pad(const std::string& text, std::string* buf) {
  if (buf->capacity() < text.size() + simdjson::SIMDJSON_PADDING)
    buf->reserve(text.size() + simdjson::SIMDJSON_PADDING);
  buf->assign(text);
  return simdjson::padded_string_view(buf->data(), buf->size(),
                                      buf->capacity());
}

bool TypeIs(od::value& v, od::json_type want) {
  od::json_type t;
  return !v.type().get(t) && t == want;
}

bool IsObject(od::value& v) { return TypeIs(v, od::json_type::object); }
bool IsArray(od::value& v) { return TypeIs(v, od::json_type::array); }

// Calls fn(key, value) for each field; false on a malformed document.
template <typename Fn>
bool Fields(od::value& v, Fn fn) {
  od::object obj;
  if (v.get_object().get(obj)) return false;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key))
      return false;
    if (!fn(key, field.value())) return false;
  }
  return true;
}

template <typename Fn>
bool Elements(od::value& v, Fn fn) {
  od::array arr;
  if (v.get_array().get(arr)) return false;
  for (auto element_result : arr) {
    od::value e;
    if (std::move(element_result).get(e) || !fn(e)) return false;
  }
  return true;
}

// Wrong types are skipped, as in the DOM readers; the iterator moves past
// an unread value by itself.
void OdStr(od::value& v, std::string* out) {
  std::string_view s;
  if (!v.get_string().get(s)) out->assign(s);
}

void OdInt(od::value& v, int64_t* out) {
  int64_t i;
  if (!v.get_int64().get(i)) *out = i;
}

void OdBool(od::value& v, bool* out) {
  bool b;
  if (!v.get_bool().get(b)) *out = b;
}

bool OdStrList(od::value& v, std::vector<std::string>* out) {
  if (!IsArray(v)) return true;
  return Elements(v, [out](od::value& e) {
    std::string_view s;
    if (!e.get_string().get(s)) out->emplace_back(s);
    return true;
  });
}

bool OdStrMap(od::value& v, std::map<std::string, std::string>* out) {
  if (!IsObject(v)) return true;
  return Fields(v, [out](std::string_view k, od::value& e) {
    std::string_view s;
    if (!e.get_string().get(s)) out->emplace(std::string(k), std::string(s));
    return true;
  });
}

bool OdOwner(od::value& r, OwnerReference* o) {
  return Fields(r, [o](std::string_view k, od::value& v) {
    if (k == "apiVersion")
      OdStr(v, &o->api_version);
    else if (k == "kind")
      OdStr(v, &o->kind);
    else if (k == "name")
      OdStr(v, &o->name);
    else if (k == "uid")
      OdStr(v, &o->uid);
    else if (k == "controller")
      OdBool(v, &o->controller);
    else if (k == "blockOwnerDeletion")
      OdBool(v, &o->block_owner_deletion);
    return true;
  });
}

bool OdMeta(od::value& m, ObjectMeta* out) {
  if (!IsObject(m)) return true;
  return Fields(m, [out](std::string_view k, od::value& v) {
    if (k == "name")
      OdStr(v, &out->name);
    else if (k == "namespace")
      OdStr(v, &out->ns);
    else if (k == "uid")
      OdStr(v, &out->uid);
    else if (k == "resourceVersion")
      OdStr(v, &out->resource_version);
    else if (k == "creationTimestamp")
      OdStr(v, &out->creation_timestamp);
    else if (k == "generation")
      OdInt(v, &out->generation);
    else if (k == "labels")
      return OdStrMap(v, &out->labels);
    else if (k == "annotations")
      return OdStrMap(v, &out->annotations);
    else if (k == "ownerReferences" && IsArray(v))
      return Elements(v, [out](od::value& r) {
        if (!IsObject(r)) return true;
        OwnerReference o;
        if (!OdOwner(r, &o)) return false;
        out->owners.push_back(std::move(o));
        return true;
      });
    return true;
  });
}

bool OdSecret(od::value& o, bool digest, SecretSummary* out) {
  if (!IsObject(o)) return false;
  return Fields(o, [out, digest](std::string_view k, od::value& v) {
    if (k == "metadata") return OdMeta(v, &out->meta);
    if (k == "type") OdStr(v, &out->type);
    if (k == "data" && IsObject(v))
      return Fields(v, [out, digest](std::string_view key, od::value& e) {
        std::string_view s;
        if (!e.get_string().get(s))
          out->data.push_back({std::string(key), s.size(),
                               digest ? Sha256Hex(s.data(), s.size()) : ""});
        return true;
      });
    return true;
  });
}

bool OdCondition(od::value& c, Condition* k) {
  if (!IsObject(c)) return true;
  return Fields(c, [k](std::string_view key, od::value& v) {
    if (key == "type")
      OdStr(v, &k->type);
    else if (key == "status")
      OdStr(v, &k->status);
    else if (key == "reason")
      OdStr(v, &k->reason);
    else if (key == "message")
      OdStr(v, &k->message);
    else if (key == "lastTransitionTime")
      OdStr(v, &k->last_transition_time);
    else if (key == "observedGeneration")
      OdInt(v, &k->observed_generation);
    return true;
  });
}

bool OdStatus(od::value& s, CertStoreStatus* out) {
  bool ok = Fields(s, [out](std::string_view k, od::value& v) {
    bool is_null = false;
    if (!v.is_null().get(is_null) && is_null) {
      out->null_fields.emplace_back(k);
      return true;
    }
    if (k == "observedGeneration")
      OdInt(v, &out->observed_generation);
    else if (k == "notBefore")
      OdStr(v, &out->not_before);
    else if (k == "notAfter")
      OdStr(v, &out->not_after);
    else if (k == "renewalTime")
      OdStr(v, &out->renewal_time);
    else if (k == "serialNumber")
      OdStr(v, &out->serial_number);
    else if (k == "fingerprintSHA256")
      OdStr(v, &out->fingerprint_sha256);
    else if (k == "revision")
      OdInt(v, &out->revision);
    else if (k == "conditions" && IsArray(v))
      return Elements(v, [out](od::value& c) {
        Condition k;
        if (!OdCondition(c, &k)) return false;
        out->conditions.push_back(std::move(k));
        return true;
      });
    else if (k == "truststore" && IsObject(v))
      return Fields(v, [out](std::string_view tk, od::value& tv) {
        if (tk == "certificates")
          OdInt(tv, &out->truststore_certificates);
        else if (tk == "earliestNotAfter")
          OdStr(tv, &out->truststore_earliest_not_after);
        else if (tk == "issuerCAs")
          return OdStrList(tv, &out->truststore_issuer_cas);
        return true;
      });
    return true;
  });
  std::sort(out->null_fields.begin(), out->null_fields.end());
  return ok;
}

bool OdKeystore(od::value& ks, CertStoreSpec* p) {
  return Fields(ks, [p](std::string_view k, od::value& v) {
    if (k == "alias")
      OdStr(v, &p->alias);
    else if (k == "commonName")
      OdStr(v, &p->common_name);
    else if (k == "duration")
      OdStr(v, &p->duration);
    else if (k == "renewBefore")
      OdStr(v, &p->renew_before);
    else if (k == "dnsNames")
      return OdStrList(v, &p->dns_names);
    else if (k == "ipAddresses")
      return OdStrList(v, &p->ip_addresses);
    else if (k == "usages")
      return OdStrList(v, &p->usages);
    else if (k == "subject" && IsObject(v))
      return Fields(v, [p](std::string_view sk, od::value& sv) {
        return sk != "organizations" || OdStrList(sv, &p->organizations);
      });
    else if (k == "privateKey" && IsObject(v))
      return Fields(v, [p](std::string_view pk, od::value& pv) {
        if (pk == "algorithm")
          OdStr(pv, &p->key_algorithm);
        else if (pk == "size")
          OdInt(pv, &p->key_size);
        return true;
      });
    return true;
  });
}

bool OdSpec(od::value& s, CertStoreSpec* p) {
  return Fields(s, [p](std::string_view k, od::value& v) {
    if (k == "secretName")
      OdStr(v, &p->secret_name);
    else if (k == "formats")
      return OdStrList(v, &p->formats);
    else if (k == "issuerRef" && IsObject(v))
      return Fields(v, [p](std::string_view rk, od::value& rv) {
        if (rk == "kind")
          OdStr(rv, &p->issuer_kind);
        else if (rk == "name")
          OdStr(rv, &p->issuer_name);
        return true;
      });
    else if (k == "keystore" && IsObject(v))
      return OdKeystore(v, p);
    else if (k == "pkcs12" && IsObject(v))
      return Fields(v, [p](std::string_view pk, od::value& pv) {
        if (pk == "profile") OdStr(pv, &p->pkcs12_profile);
        return true;
      });
    else if (k == "truststore" && IsObject(v))
      return Fields(v, [p](std::string_view tk, od::value& tv) {
        if (tk != "sources" || !IsArray(tv)) return true;
        return Elements(tv, [p](od::value& e) {
          if (!IsObject(e)) return true;
          bool first = true;
          return Fields(e, [p, &first](std::string_view sk, od::value&) {
            if (first) p->trust_source_kinds.emplace_back(sk);
            first = false;
            return true;
          });
        });
      });
    return true;
  });
}

bool OdCertStore(od::value& o, CertStoreObject* out) {
  if (!IsObject(o)) return false;
  return Fields(o, [out](std::string_view k, od::value& v) {
    if (k == "metadata") return OdMeta(v, &out->meta);
    if (k == "spec" && IsObject(v)) return OdSpec(v, &out->spec);
    if (k == "status" && IsObject(v)) return OdStatus(v, &out->status);
    return true;
  });
}

// Runs `read` on the document's root value. simdjson 3.0's On-Demand
// document has no at_end(), so trailing content after the root goes
// unnoticed (see the behaviour probes).
template <typename Read>
bool OdDocument(const std::string& text, Read read) {
  OnDemandState& st = OdState();
  od::document doc;
  if (st.parser.iterate(Pad(text, &st.buffer)).get(doc)) return false;
  od::value root;
  return !doc.get_value().get(root) && read(root);
}

bool OdParseOnly(const std::string& json) {
  OnDemandState& st = OdState();
  od::document doc;
  return st.parser.iterate(Pad(json, &st.buffer)).get(doc) == simdjson::SUCCESS;
}

bool OdDecodePage(const std::string& json, bool digest, SecretListPage* out) {
  return OdDocument(json, [out, digest](od::value& root) {
    if (!IsObject(root)) return false;
    return Fields(root, [out, digest](std::string_view k, od::value& v) {
      if (k == "metadata" && IsObject(v))
        return Fields(v, [out](std::string_view mk, od::value& mv) {
          if (mk == "resourceVersion")
            OdStr(mv, &out->resource_version);
          else if (mk == "continue")
            OdStr(mv, &out->continue_token);
          else if (mk == "remainingItemCount")
            OdInt(mv, &out->remaining_item_count);
          return true;
        });
      if (k == "items") {
        if (!IsArray(v)) return false;
        return Elements(v, [out, digest](od::value& item) {
          SecretSummary s;
          if (!IsObject(item)) return true;
          if (!OdSecret(item, digest, &s)) return false;
          out->items.push_back(std::move(s));
          return true;
        });
      }
      return true;
    });
  });
}

template <typename T, typename Reader>
bool OdDecodeEvent(const std::string& line, WatchEvent<T>* out, Reader read) {
  bool have_object = false;
  bool ok = OdDocument(line, [&](od::value& root) {
    if (!IsObject(root)) return false;
    return Fields(root, [&](std::string_view k, od::value& v) {
      if (k == "type") OdStr(v, &out->type);
      if (k == "object") {
        have_object = true;
        return read(v, &out->object);
      }
      return true;
    });
  });
  return ok && have_object;
}

bool OdDecodeCertStoreEvent(const std::string& line,
                            WatchEvent<CertStoreObject>* out) {
  return OdDecodeEvent(line, out, OdCertStore);
}

bool OdDecodeSecretEvent(const std::string& line,
                         WatchEvent<SecretSummary>* out) {
  return OdDecodeEvent(line, out, [](od::value& o, SecretSummary* s) {
    return OdSecret(o, true, s);
  });
}

bool OdDecodeSecret(const std::string& json, SecretSummary* out) {
  return OdDocument(json,
                    [out](od::value& o) { return OdSecret(o, true, out); });
}

bool OdDecodeCertStore(const std::string& json, CertStoreObject* out) {
  return OdDocument(json, [out](od::value& o) { return OdCertStore(o, out); });
}

// What must stay alive while the document is read: the parser's buffers
// (structural index 4 B and string buffer 5/3 B per input byte) and the
// padded copy of the input.
Footprint OdMeasurePage(const std::string& json) {
  Footprint f;
  HeapProbe probe;
  {
    od::parser parser;
    std::string buffer;
    od::document doc;
    auto error = parser.iterate(Pad(json, &buffer)).get(doc);
    f.peak = probe.Peak();
    f.retained = probe.Live();
    f.allocations = probe.Allocations();
    f.mallinfo_retained = probe.MallinfoDelta();
    f.note = "capacity " + std::to_string(parser.capacity()) + " B" +
             (error ? " (iterate failed)" : "");
  }
  return f;
}

}  // namespace

std::vector<Codec> SimdJsonCodecs() {
  Codec d;
  d.id = "simdjson_dom";
  d.title = "simdjson DOM";
  d.version = std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
              std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
              std::to_string(simdjson::SIMDJSON_VERSION_REVISION);
  d.parse_only = DomParseOnly;
  d.decode_page = DomDecodePage;
  d.decode_certstore_event = DomDecodeCertStoreEvent;
  d.decode_secret_event = DomDecodeSecretEvent;
  d.decode_secret = DomDecodeSecret;
  d.decode_certstore = DomDecodeCertStore;
  d.measure_page = DomMeasurePage;
  Codec o = d;
  o.id = "simdjson_ondemand";
  o.title = "simdjson On-Demand";
  o.parse_only = OdParseOnly;
  o.decode_page = OdDecodePage;
  o.decode_certstore_event = OdDecodeCertStoreEvent;
  o.decode_secret_event = OdDecodeSecretEvent;
  o.decode_secret = OdDecodeSecret;
  o.decode_certstore = OdDecodeCertStore;
  o.measure_page = OdMeasurePage;
  return {d, o};
}

std::string SimdJsonImplementations() {
  return std::string("active ") +
         std::string(simdjson::get_active_implementation()->name()) +
         ", On-Demand builtin " +
         std::string(simdjson::builtin_implementation()->name());
}

}  // namespace jsonbench
