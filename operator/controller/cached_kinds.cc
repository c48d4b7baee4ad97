#include "operator/controller/cached_kinds.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <string_view>

#include "operator/api/compact_object.h"
#include "operator/common/deflate.h"
#include "operator/engine/verified_stores.h"

namespace certstore::controller {

namespace {

// The cache's `meta` already holds these: a tenant's thousands of labels
// are not kept twice.
void DropCopiedMetadata(api::ObjectMeta* m) {
  m->labels.clear();
  m->annotations.clear();
  m->owner_references.clear();
}

std::shared_ptr<const CachedCertStore> MakeCertStore(const std::string& json) {
  auto out = std::make_shared<CachedCertStore>(api::ParseCertStore(json));
  if (out->certstore.ok()) DropCopiedMetadata(&out->certstore->metadata);
  out->status = api::ParseObservedStatus(json);
  return out;
}

// The latest decodes of packed CertStores, shared: an event's index
// functions and handlers, and usually its reconcile, parse it once. Each
// entry holds its packed object, so no other object can take its address
// while the entry lives. Thread-safe.
class RecentDecodes {
 public:
  std::shared_ptr<const CachedCertStore> Find(const PackedCertStore* p) {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& e : ring_)
      if (e.packed.get() == p) return e.decoded;
    return nullptr;
  }
  void Put(std::shared_ptr<const PackedCertStore> p,
           std::shared_ptr<const CachedCertStore> d) {
    std::lock_guard<std::mutex> l(mu_);
    ring_[next_] = {std::move(p), std::move(d)};
    next_ = (next_ + 1) % ring_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<const PackedCertStore> packed;
    std::shared_ptr<const CachedCertStore> decoded;
  };
  std::mutex mu_;
  std::array<Entry, 64> ring_;  // GUARDED_BY(mu_)
  size_t next_ = 0;             // GUARDED_BY(mu_)
};

RecentDecodes& Recent() {
  static RecentDecodes* r = new RecentDecodes();  // never destroyed
  return *r;
}

std::shared_ptr<const CachedIssuer> MakeIssuer(const std::string& json) {
  auto out = std::make_shared<CachedIssuer>(api::ParseIssuer(json));
  if (out->issuer.ok()) DropCopiedMetadata(&out->issuer->metadata);
  out->status = api::ParseObservedStatus(json);
  return out;
}

std::shared_ptr<const CachedTrustBundle> MakeTrustBundle(
    const std::string& json) {
  auto out = std::make_shared<CachedTrustBundle>(api::ParseTrustBundle(json));
  if (out->bundle.ok()) DropCopiedMetadata(&out->bundle->metadata);
  out->status = api::ParseObservedStatus(json);
  return out;
}

// The data a cached CertStore Secret keeps (public, small, read by the
// metrics inventory on every change).
constexpr char kKeptKey[] = "ca.crt";

std::shared_ptr<CachedSecret> MakeSecret(const kube::CachedObject& o,
                                         bool complete) {
  if (o.partial) return nullptr;
  auto parsed = api::ParseSecret(o.json);
  if (!parsed.ok()) return nullptr;
  auto out = std::make_shared<CachedSecret>();
  out->type = parsed->type;
  out->data_digest = Sha256Bytes::FromHex(engine::DataDigest(parsed->data));
  // A name is cut at a NUL (the API server refuses one anyway).
  auto name_size = [](const std::string& k) { return std::strlen(k.c_str()); };
  size_t size = 0;
  for (const auto& [k, v] : parsed->data) size += name_size(k) + 1;
  out->keys = packed::Buffer(size, "CachedSecret");
  char* at = out->keys.data();
  for (const auto& [k, v] : parsed->data) {
    const size_t n = name_size(k);
    if (n != 0) std::memcpy(at, k.data(), n);
    at += n + 1;  // the buffer is zeroed: the NUL is there
  }
  if (auto kept = parsed->data.find(kKeptKey); kept != parsed->data.end())
    out->ca_crt = std::make_unique<const std::string>(kept->second);
  out->complete = complete;
  // Otherwise the stores, keys and passwords are wiped as `parsed` goes.
  if (complete)
    out->whole = std::make_unique<api::SecretObject>(std::move(parsed).value());
  return out;
}

// Shares ownership with the cached object's `typed` member.
template <class T>
std::shared_ptr<const T> Typed(const kube::CachedObject& o) {
  const T* t = o.As<T>();
  return t ? std::shared_ptr<const T>(o.typed, t) : nullptr;
}

}  // namespace

std::shared_ptr<const kube::TypedObject> DecodeCertStore(
    const kube::CachedObject& o) {
  const std::string compact = api::CompactObjectJson(o.json);
  if (!compact.empty()) {
    auto decoded = MakeCertStore(compact);
    if (decoded->certstore.ok()) {
      auto packed = std::make_shared<PackedCertStore>();
      packed->deflated = DeflateWith(compact, api::CertStoreDictionary());
      if (packed->deflated.empty()) return decoded;  // zlib out of memory
      Recent().Put(packed, decoded);
      return packed;
    }
  }
  // Not JSON, or a spec that does not parse: keep the parse of the object
  // as sent, with its error.
  return MakeCertStore(o.json);
}

std::shared_ptr<const kube::TypedObject> DecodeIssuer(
    const kube::CachedObject& o) {
  return MakeIssuer(o.json);
}

std::shared_ptr<const kube::TypedObject> DecodeTrustBundle(
    const kube::CachedObject& o) {
  return MakeTrustBundle(o.json);
}

std::shared_ptr<const CachedTrustBundle> TrustBundleOf(
    const kube::CachedObject& o) {
  if (auto t = Typed<CachedTrustBundle>(o)) return t;
  return MakeTrustBundle(o.json);
}

std::shared_ptr<const CachedCertStore> CertStoreOf(const kube::CachedObject& o,
                                                   bool remember) {
  if (auto t = Typed<CachedCertStore>(o)) return t;
  if (auto packed = Typed<PackedCertStore>(o)) {
    if (auto hit = Recent().Find(packed.get())) return hit;
    StatusOr<std::string> json = packed->Json();
    if (!json.ok())  // a broken invariant: say so where the parse error goes
      return std::make_shared<const CachedCertStore>(
          StatusOr<api::CertStore>(json.status()));
    auto decoded = MakeCertStore(*json);
    if (remember) Recent().Put(std::move(packed), decoded);
    return decoded;
  }
  return MakeCertStore(o.json);
}

StatusOr<std::string> PackedCertStore::Json() const {
  return InflateWith(deflated, api::CertStoreDictionary());
}

std::shared_ptr<const CachedIssuer> IssuerOf(const kube::CachedObject& o) {
  if (auto t = Typed<CachedIssuer>(o)) return t;
  return MakeIssuer(o.json);
}

bool CachedSecret::Has(const std::string& key) const {
  std::string_view rest = keys.view();
  while (!rest.empty()) {
    size_t end = std::min(rest.find('\0'), rest.size());
    if (rest.substr(0, end) == key) return true;
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return false;
}

std::vector<std::string> CachedSecret::Keys() const {
  std::vector<std::string> out;
  const std::string_view all = keys.view();
  for (size_t at = 0; at < all.size();) {
    size_t end = all.find('\0', at);
    if (end == std::string_view::npos) end = all.size();
    out.emplace_back(all.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

std::shared_ptr<const kube::TypedObject> DecodeManagedSecret(
    const kube::CachedObject& o, bool complete) {
  return MakeSecret(o, complete);
}

std::shared_ptr<const CachedSecret> SecretOf(const kube::CachedObject& o) {
  if (auto t = Typed<CachedSecret>(o)) return t;
  if (!o.json.empty()) return MakeSecret(o, /*complete=*/true);
  return nullptr;
}

kube::InformerOptions CertStoreInformerOptions() {
  kube::InformerOptions o;
  o.decode = DecodeCertStore;
  o.drop_json = true;
  return o;
}

kube::InformerOptions TrustBundleInformerOptions() {
  kube::InformerOptions o;
  o.decode = DecodeTrustBundle;
  o.drop_json = true;
  return o;
}

kube::InformerOptions IssuerInformerOptions() {
  kube::InformerOptions o;
  o.decode = DecodeIssuer;
  o.drop_json = true;
  return o;
}

}  // namespace certstore::controller
