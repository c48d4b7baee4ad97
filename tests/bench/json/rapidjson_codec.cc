// RapidJSON Document. No exceptions: Parse() sets an error code. Accessors
// on the wrong type only RAPIDJSON_ASSERT (nothing under NDEBUG), so every
// read is guarded by an Is*() check. Three ways of using it:
//   rapidjson         Parse() with the default flags (recursive descent, no
//                     UTF-8 validation), Writer with the default flags;
//   rapidjson_insitu  ParseInsitu() on a copy of the text (strings point into
//                     it; the copy is part of the timed work);
//   rapidjson_safe    what tenant bytes would need: kParseIterativeFlag (no
//                     recursion, so no stack overflow on deep nesting) and
//                     kParseValidateEncodingFlag; the Writer validates UTF-8.
#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>

#include "tests/bench/json/alloc_counter.h"
#include "tests/bench/json/codec.h"

namespace jsonbench {
namespace {

using rapidjson::Value;

const Value* Find(const Value& o, const char* key) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(key);
  return it == o.MemberEnd() ? nullptr : &it->value;
}

std::string AsString(const Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

void Str(const Value& o, const char* key, std::string* out) {
  const Value* v = Find(o, key);
  if (v != nullptr && v->IsString()) *out = AsString(*v);
}

void Int(const Value& o, const char* key, int64_t* out) {
  const Value* v = Find(o, key);
  if (v != nullptr && v->IsInt64()) *out = v->GetInt64();
}

void Bool(const Value& o, const char* key, bool* out) {
  const Value* v = Find(o, key);
  if (v != nullptr && v->IsBool()) *out = v->GetBool();
}

void StrList(const Value& o, const char* key, std::vector<std::string>* out) {
  const Value* v = Find(o, key);
  if (v == nullptr || !v->IsArray()) return;
  for (const Value& e : v->GetArray())
    if (e.IsString()) out->push_back(AsString(e));
}

void StrMap(const Value& o, const char* key,
            std::map<std::string, std::string>* out) {
  const Value* v = Find(o, key);
  if (v == nullptr || !v->IsObject()) return;
  for (const auto& m : v->GetObject())
    if (m.value.IsString()) out->emplace(AsString(m.name), AsString(m.value));
}

void ReadMeta(const Value& m, ObjectMeta* out) {
  Str(m, "name", &out->name);
  Str(m, "namespace", &out->ns);
  Str(m, "uid", &out->uid);
  Str(m, "resourceVersion", &out->resource_version);
  Str(m, "creationTimestamp", &out->creation_timestamp);
  Int(m, "generation", &out->generation);
  StrMap(m, "labels", &out->labels);
  StrMap(m, "annotations", &out->annotations);
  const Value* refs = Find(m, "ownerReferences");
  if (refs == nullptr || !refs->IsArray()) return;
  for (const Value& r : refs->GetArray()) {
    if (!r.IsObject()) continue;
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

bool ReadSecret(const Value& o, bool digest, SecretSummary* out) {
  if (!o.IsObject()) return false;
  if (const Value* m = Find(o, "metadata")) ReadMeta(*m, &out->meta);
  Str(o, "type", &out->type);
  const Value* data = Find(o, "data");
  if (data != nullptr && data->IsObject()) {
    for (const auto& m : data->GetObject()) {
      if (!m.value.IsString()) continue;
      const char* v = m.value.GetString();
      size_t n = m.value.GetStringLength();
      out->data.push_back({AsString(m.name), n, digest ? Sha256Hex(v, n) : ""});
    }
  }
  return true;
}

void ReadStatus(const Value& s, CertStoreStatus* out) {
  Int(s, "observedGeneration", &out->observed_generation);
  if (const Value* cs = Find(s, "conditions"); cs != nullptr && cs->IsArray()) {
    for (const Value& c : cs->GetArray()) {
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
  if (const Value* t = Find(s, "truststore")) {
    Int(*t, "certificates", &out->truststore_certificates);
    Str(*t, "earliestNotAfter", &out->truststore_earliest_not_after);
    StrList(*t, "issuerCAs", &out->truststore_issuer_cas);
  }
  for (const auto& m : s.GetObject())
    if (m.value.IsNull()) out->null_fields.push_back(AsString(m.name));
  std::sort(out->null_fields.begin(), out->null_fields.end());
}

bool ReadCertStore(const Value& o, CertStoreObject* out) {
  if (!o.IsObject()) return false;
  if (const Value* m = Find(o, "metadata")) ReadMeta(*m, &out->meta);
  if (const Value* s = Find(o, "spec"); s != nullptr && s->IsObject()) {
    CertStoreSpec& p = out->spec;
    Str(*s, "secretName", &p.secret_name);
    if (const Value* r = Find(*s, "issuerRef")) {
      Str(*r, "kind", &p.issuer_kind);
      Str(*r, "name", &p.issuer_name);
    }
    if (const Value* k = Find(*s, "keystore")) {
      Str(*k, "alias", &p.alias);
      Str(*k, "commonName", &p.common_name);
      Str(*k, "duration", &p.duration);
      Str(*k, "renewBefore", &p.renew_before);
      StrList(*k, "dnsNames", &p.dns_names);
      StrList(*k, "ipAddresses", &p.ip_addresses);
      StrList(*k, "usages", &p.usages);
      if (const Value* sub = Find(*k, "subject"))
        StrList(*sub, "organizations", &p.organizations);
      if (const Value* pk = Find(*k, "privateKey")) {
        Str(*pk, "algorithm", &p.key_algorithm);
        Int(*pk, "size", &p.key_size);
      }
    }
    StrList(*s, "formats", &p.formats);
    if (const Value* p12 = Find(*s, "pkcs12"))
      Str(*p12, "profile", &p.pkcs12_profile);
    if (const Value* t = Find(*s, "truststore")) {
      if (const Value* src = Find(*t, "sources"); src && src->IsArray())
        for (const Value& e : src->GetArray())
          if (e.IsObject() && e.MemberCount() > 0)
            p.trust_source_kinds.push_back(AsString(e.MemberBegin()->name));
    }
  }
  if (const Value* st = Find(o, "status"); st != nullptr && st->IsObject())
    ReadStatus(*st, &out->status);
  return true;
}

enum class Mode { kDefault, kInsitu, kSafe };

constexpr unsigned kSafeFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Parses `text` into `doc`. For kInsitu, `buffer` receives the mutable copy
// the document's strings point into; it must outlive `doc`.
template <Mode mode, typename Document>
bool Parse(const std::string& text, Document* doc, std::string* buffer) {
  if constexpr (mode == Mode::kInsitu) {
    *buffer = text;  // the copy ParseInsitu destroys; NUL-terminated
    doc->ParseInsitu(&(*buffer)[0]);
  } else if constexpr (mode == Mode::kSafe) {
    doc->template Parse<kSafeFlags>(text.data(), text.size());
  } else {
    doc->Parse(text.data(), text.size());
  }
  return !doc->HasParseError();
}

template <Mode mode>
bool ParseOnly(const std::string& json) {
  rapidjson::Document doc;
  std::string buffer;
  return Parse<mode>(json, &doc, &buffer);
}

template <Mode mode>
bool SyntaxOnly(const std::string& json) {
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> ignore;
  rapidjson::MemoryStream in(json.data(), json.size());
  constexpr unsigned kFlags =
      mode == Mode::kSafe
          ? kSafeFlags
          : static_cast<unsigned>(rapidjson::kParseDefaultFlags);
  return !reader.Parse<kFlags>(in, ignore).IsError();
}

template <Mode mode>
bool DecodePage(const std::string& json, bool digest, SecretListPage* out) {
  rapidjson::Document doc;
  std::string buffer;
  if (!Parse<mode>(json, &doc, &buffer) || !doc.IsObject()) return false;
  if (const Value* m = Find(doc, "metadata")) {
    Str(*m, "resourceVersion", &out->resource_version);
    Str(*m, "continue", &out->continue_token);
    Int(*m, "remainingItemCount", &out->remaining_item_count);
  }
  const Value* items = Find(doc, "items");
  if (items == nullptr || !items->IsArray()) return false;
  out->items.reserve(items->Size());
  for (const Value& item : items->GetArray()) {
    SecretSummary s;
    if (ReadSecret(item, digest, &s)) out->items.push_back(std::move(s));
  }
  return true;
}

template <Mode mode, typename T, typename Reader>
bool DecodeEvent(const std::string& line, WatchEvent<T>* out, Reader read) {
  rapidjson::Document doc;
  std::string buffer;
  if (!Parse<mode>(line, &doc, &buffer) || !doc.IsObject()) return false;
  Str(doc, "type", &out->type);
  const Value* o = Find(doc, "object");
  return o != nullptr && read(*o, &out->object);
}

template <Mode mode>
bool DecodeCertStoreEvent(const std::string& line,
                          WatchEvent<CertStoreObject>* out) {
  return DecodeEvent<mode>(line, out, ReadCertStore);
}

template <Mode mode>
bool DecodeSecretEvent(const std::string& line,
                       WatchEvent<SecretSummary>* out) {
  return DecodeEvent<mode>(line, out, [](const Value& o, SecretSummary* s) {
    return ReadSecret(o, true, s);
  });
}

template <Mode mode>
bool DecodeSecret(const std::string& json, SecretSummary* out) {
  rapidjson::Document doc;
  std::string buffer;
  return Parse<mode>(json, &doc, &buffer) && ReadSecret(doc, true, out);
}

template <Mode mode>
bool DecodeCertStore(const std::string& json, CertStoreObject* out) {
  rapidjson::Document doc;
  std::string buffer;
  return Parse<mode>(json, &doc, &buffer) && ReadCertStore(doc, out);
}

// SAX-style writer; each call returns false only when validation (the safe
// mode's kWriteValidateEncodingFlag) finds invalid UTF-8.
template <unsigned kWriteFlags>
class Out {
 public:
  Out() : w_(buf_) {}
  Out& Begin() {
    ok_ &= w_.StartObject();
    return *this;
  }
  Out& End() {
    ok_ &= w_.EndObject();
    return *this;
  }
  Out& BeginArray(const char* key) {
    K(key);
    ok_ &= w_.StartArray();
    return *this;
  }
  Out& EndArray() {
    ok_ &= w_.EndArray();
    return *this;
  }
  Out& Object(const char* key) {
    K(key);
    return Begin();
  }
  Out& Str(const std::string& v) {
    ok_ &= w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  Out& Field(const char* key, const std::string& v) {
    K(key);
    return Str(v);
  }
  Out& Field(const char* key, int64_t v) {
    K(key);
    ok_ &= w_.Int64(v);
    return *this;
  }
  Out& Field(const char* key, bool v) {
    K(key);
    ok_ &= w_.Bool(v);
    return *this;
  }
  Out& Null(const std::string& key) {
    ok_ &= w_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    ok_ &= w_.Null();
    return *this;
  }
  Out& Map(const char* key, const std::map<std::string, std::string>& m) {
    Object(key);
    for (const auto& [k, v] : m) {
      ok_ &= w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
      Str(v);
    }
    return End();
  }
  Out& Strings(const char* key, const std::vector<std::string>& v) {
    BeginArray(key);
    for (const auto& s : v) Str(s);
    return EndArray();
  }
  bool Take(std::string* out) {
    if (!ok_ || !w_.IsComplete()) return false;
    out->assign(buf_.GetString(), buf_.GetSize());
    return true;
  }

 private:
  void K(const char* key) { ok_ &= w_.Key(key); }
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>,
                    rapidjson::UTF8<>, rapidjson::CrtAllocator, kWriteFlags>
      w_;
  bool ok_ = true;
};

template <unsigned kWriteFlags>
bool WriteSecret(const SecretToWrite& s, std::string* out) {
  Out<kWriteFlags> w;
  w.Begin().Field("apiVersion", std::string("v1"));
  w.Field("kind", std::string("Secret")).Object("metadata");
  w.Field("name", s.name).Field("namespace", s.ns);
  w.Map("labels", s.labels).Map("annotations", s.annotations);
  w.BeginArray("ownerReferences").Begin();
  w.Field("apiVersion", s.owner.api_version).Field("kind", s.owner.kind);
  w.Field("name", s.owner.name).Field("uid", s.owner.uid);
  w.Field("controller", true).Field("blockOwnerDeletion", true);
  w.End().EndArray();
  if (!s.resource_version.empty())
    w.Field("resourceVersion", s.resource_version);
  w.End();  // metadata
  w.Field("type", s.type).Map("data", s.data).End();
  return w.Take(out);
}

template <unsigned kWriteFlags>
bool WriteStatusPatch(const StatusPatch& p, std::string* out) {
  const CertStoreStatus& s = p.status;
  Out<kWriteFlags> w;
  w.Begin().Object("metadata").Field("resourceVersion", p.resource_version);
  w.End().Object("status");
  w.Field("observedGeneration", s.observed_generation);
  w.BeginArray("conditions");
  for (const Condition& c : s.conditions)
    w.Begin()
        .Field("type", c.type)
        .Field("status", c.status)
        .Field("reason", c.reason)
        .Field("message", c.message)
        .Field("lastTransitionTime", c.last_transition_time)
        .Field("observedGeneration", c.observed_generation)
        .End();
  w.EndArray();
  w.Field("notBefore", s.not_before).Field("notAfter", s.not_after);
  w.Field("renewalTime", s.renewal_time);
  w.Field("serialNumber", s.serial_number);
  w.Field("fingerprintSHA256", s.fingerprint_sha256);
  w.Field("revision", s.revision);
  w.Object("truststore").Field("certificates", s.truststore_certificates);
  w.Field("earliestNotAfter", s.truststore_earliest_not_after);
  w.Strings("issuerCAs", s.truststore_issuer_cas).End();
  for (const std::string& k : s.null_fields) w.Null(k);
  w.End().End();
  return w.Take(out);
}

// The same parse with a document whose pool and parse stack allocate
// through the counting allocator.
template <Mode mode>
Footprint MeasurePage(const std::string& json) {
  using CountingDocument = rapidjson::GenericDocument<
      rapidjson::UTF8<>,
      rapidjson::MemoryPoolAllocator<CountingMallocAllocator>,
      CountingMallocAllocator>;
  Footprint f;
  HeapProbe probe;
  {
    std::string buffer;
    CountingDocument doc;
    Parse<mode>(json, &doc, &buffer);
    f.peak = probe.Peak();
    f.retained = probe.Live();
    f.allocations = probe.Allocations();
    f.mallinfo_retained = probe.MallinfoDelta();
    f.note = "pool " + std::to_string(doc.GetAllocator().Capacity()) +
             " B, stack " + std::to_string(doc.GetStackCapacity()) + " B";
    if (mode == Mode::kInsitu)
      f.note += ", in-situ buffer " + std::to_string(buffer.capacity()) + " B";
  }
  return f;
}

template <Mode mode>
Codec Make(const char* id, const char* title, bool writer) {
  Codec c;
  c.id = id;
  c.title = title;
  c.version = RAPIDJSON_VERSION_STRING;
  c.parse_only = ParseOnly<mode>;
  if (mode != Mode::kInsitu) c.syntax_only = SyntaxOnly<mode>;
  c.decode_page = DecodePage<mode>;
  c.decode_certstore_event = DecodeCertStoreEvent<mode>;
  c.decode_secret_event = DecodeSecretEvent<mode>;
  c.decode_secret = DecodeSecret<mode>;
  c.decode_certstore = DecodeCertStore<mode>;
  constexpr unsigned kWriteFlags = mode == Mode::kSafe
                                       ? rapidjson::kWriteValidateEncodingFlag
                                       : rapidjson::kWriteDefaultFlags;
  if (writer) {
    c.write_secret = WriteSecret<kWriteFlags>;
    c.write_status_patch = WriteStatusPatch<kWriteFlags>;
  }
  c.measure_page = MeasurePage<mode>;
  return c;
}

}  // namespace

std::vector<Codec> RapidJsonCodecs() {
  return {
      Make<Mode::kDefault>("rapidjson", "RapidJSON Document", true),
      Make<Mode::kInsitu>("rapidjson_insitu", "RapidJSON Document, in-situ",
                          false),
      Make<Mode::kSafe>("rapidjson_safe",
                        "RapidJSON Document, iterative + UTF-8 checks", true)};
}

}  // namespace jsonbench
