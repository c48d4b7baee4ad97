#include "operator/controller/inventory.h"

#include "operator/api/parse.h"
#include "operator/common/time_format.h"
#include "operator/controller/cached_kinds.h"
#include "operator/engine/reasons.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/pkcs12.h"
#include "operator/pki/store.h"

namespace certstore::controller {
namespace {

std::optional<double> UnixSeconds(const std::string& rfc3339) {
  if (rfc3339.empty()) return std::nullopt;
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok()) return std::nullopt;
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

double Unix(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// The trusted certificates of a managed Secret's PEM bundle (ca.crt);
// nullopt when it has none (cheap: no decryption).
std::optional<std::vector<TrustEntryFacts>> PemTrustEntries(
    const std::optional<std::string>& bundle) {
  if (!bundle) return std::nullopt;
  std::vector<TrustEntryFacts> out;
  auto certs = pki::ParseCertificatesPem(*bundle);
  if (certs.ok())
    for (const auto& c : *certs)
      out.push_back({pki::TrustedCertAlias(c.get()), pki::CommonName(c.get()),
                     Unix(pki::NotAfter(c.get()))});
  return out;
}

// The trusted certificates of a truststore without a PEM bundle, opened
// with the generated password stored beside it. (Stores locked with a
// referenced password are not read: those Secrets are not cached.)
// Expensive: runs on the inventory's reader thread only.
std::vector<TrustEntryFacts> DecryptedTrustEntries(const api::SecretObject& s) {
  std::vector<TrustEntryFacts> out;
  auto password = s.data.find("password");
  if (password == s.data.end()) return out;
  for (const char* key : {"truststore.p12", "truststore.jks"}) {
    auto store = s.data.find(key);
    if (store == s.data.end()) continue;
    SecretBytes pw(password->second);
    auto contents = std::string(key) == "truststore.p12"
                        ? pki::ParsePkcs12(store->second, pw)
                        : pki::ParseJks(store->second, pw);
    if (!contents.ok()) continue;
    for (const auto& e : contents->entries)
      if (e.type == pki::EntryType::kTrustedCert && !e.chain.empty())
        out.push_back({e.alias, pki::CommonName(e.chain[0].get()),
                       Unix(pki::NotAfter(e.chain[0].get()))});
    return out;
  }
  return out;
}

// The entries of a cached truststore Secret that must be decrypted: from the
// cache when it holds the data, else as read now, if that is still the
// version the cache announced (a newer one is queued behind it anyway).
// nullopt when the read failed and is worth retrying.
std::optional<std::vector<TrustEntryFacts>> ReadTrustEntries(
    const kube::CachedObject& obj, const Inventory::SecretFetch& fetch) {
  auto cached = SecretOf(obj);
  if (!cached) return std::vector<TrustEntryFacts>();
  if (cached->whole) return DecryptedTrustEntries(*cached->whole);
  if (!fetch) return std::vector<TrustEntryFacts>();
  StatusOr<api::SecretObject> read = fetch(obj.meta.ns, obj.meta.name);
  if (!read.ok())
    return read.status().code() == StatusCode::kNotFound
               ? std::optional<std::vector<TrustEntryFacts>>(
                     std::vector<TrustEntryFacts>())
               : std::nullopt;
  if (engine::DataDigest(read->data) != cached->data_digest)
    return std::vector<TrustEntryFacts>();
  return DecryptedTrustEntries(*read);
}

std::string Key(const kube::ObjectPtr& o) {
  return kube::ObjectKey(o->meta.ns, o->meta.name);
}

}  // namespace

void Inventory::OnCertStore(const kube::ObjectPtr& old_obj,
                            const kube::ObjectPtr& new_obj) {
  if (!new_obj) {
    std::lock_guard<std::mutex> l(mu_);
    certstores_.erase(Key(old_obj));
    return;
  }
  CertStoreFacts f;
  f.ns = new_obj->meta.ns;
  f.name = new_obj->meta.name;
  auto cached = CertStoreOf(*new_obj);
  const auto& cs = cached->certstore;
  if (cs.ok()) {
    f.secret = cs->spec.secret_name;
    f.issuer_kind = api::IssuerKindName(cs->spec.issuer_ref.kind);
    f.issuer_name = cs->spec.issuer_ref.name;
    if (cs->spec.truststore)
      f.truststore_secret = cs->spec.truststore->secret_name.empty()
                                ? cs->spec.secret_name
                                : cs->spec.truststore->secret_name;
  }
  const api::ObservedStatus& st = cached->status;
  if (st.ready) f.ready = st.ready->status;
  f.not_before = UnixSeconds(st.not_before);
  f.not_after = UnixSeconds(st.not_after);
  f.renewal = UnixSeconds(st.renewal_time);
  std::lock_guard<std::mutex> l(mu_);
  certstores_[Key(new_obj)] = std::move(f);
}

void Inventory::OnIssuer(bool cluster, const kube::ObjectPtr& old_obj,
                         const kube::ObjectPtr& new_obj) {
  const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
  std::string kind = cluster ? "ClusterCertIssuer" : "CertIssuer";
  std::string key = kind + "/" + o->meta.ns + "/" + o->meta.name;
  if (!new_obj) {
    std::lock_guard<std::mutex> l(mu_);
    issuers_.erase(key);
    return;
  }
  IssuerFacts f;
  f.kind = kind;
  f.ns = o->meta.ns;
  f.name = o->meta.name;
  auto cached = IssuerOf(*o);
  const api::ObservedStatus& st = cached->status;
  if (st.ready) f.ready = st.ready->status;
  f.ca_not_after = UnixSeconds(st.not_after);
  f.ca_renewal = UnixSeconds(st.renewal_time);
  if (st.rotation) f.rotation_waiting = st.rotation->waiting_count;
  std::lock_guard<std::mutex> l(mu_);
  issuers_[key] = std::move(f);
}

bool Inventory::OnManagedSecret(const kube::ObjectPtr& old_obj,
                                const kube::ObjectPtr& new_obj) {
  const kube::ObjectPtr& o = new_obj ? new_obj : old_obj;
  std::string key = Key(o);
  auto owner = o->meta.annotations.find(engine::kCertStoreAnnotation);
  std::vector<TrustEntryFacts> entries;
  bool known = false;
  bool decrypt = false;
  std::string data_digest;
  // A partial object is not one this operator wrote (its data is not
  // cached): a label and an annotation do not make it a truststore of ours.
  bool ours =
      new_obj && !new_obj->partial && owner != o->meta.annotations.end();
  if (ours) {
    auto secret = SecretOf(*new_obj);
    if (secret) {
      data_digest = secret->data_digest;
      std::optional<std::vector<TrustEntryFacts>> facts;
      if (lookup_) facts = lookup_(key, secret->data_digest);
      known = facts.has_value();
      if (!facts) facts = PemTrustEntries(secret->ca_crt);
      if (facts) entries = std::move(*facts);
      // Only a store locked with the password stored beside it is read (a
      // referenced password belongs to the user).
      decrypt =
          !facts && secret->Has("password") &&
          (secret->Has("truststore.p12") || secret->Has("truststore.jks"));
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  unread_.erase(key);  // an older version is not worth reading any more
  if (!ours) {
    bundles_.erase(key);
    return false;
  }
  bundles_[key] = {std::string(owner->second), std::move(entries),
                   new_obj.get(), std::move(data_digest)};
  if (decrypt && !stopping_) {
    unread_[key] = new_obj;
    auto due = std::chrono::steady_clock::now();
    if (new_obj->meta.annotations.count(engine::kSealAnnotation))
      due += kSealedReadDelay;
    unread_order_.emplace_back(key, due);
    if (!reader_.joinable())
      reader_ = std::thread([this] { ReadTruststores(); });
    unread_cv_.notify_one();
  }
  return known;
}

void Inventory::Learn(const std::string& key, const std::string& data_digest) {
  if (!lookup_) return;
  std::optional<std::vector<TrustEntryFacts>> facts = lookup_(key, data_digest);
  if (!facts) return;
  std::lock_guard<std::mutex> l(mu_);
  auto b = bundles_.find(key);
  if (b == bundles_.end() || b->second.data_digest != data_digest) return;
  b->second.entries = std::move(*facts);
  unread_.erase(key);
}

void Inventory::ReadTruststores() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    unread_cv_.wait(l, [this] { return stopping_ || !unread_order_.empty(); });
    if (stopping_) return;
    auto due = unread_order_.front().second;
    if (due > std::chrono::steady_clock::now()) {
      unread_cv_.wait_until(l, due, [this] { return stopping_; });
      continue;
    }
    std::string key = unread_order_.front().first;
    unread_order_.pop_front();
    auto it = unread_.find(key);
    if (it == unread_.end()) continue;  // replaced, deleted or already read
    kube::ObjectPtr obj = it->second;
    unread_.erase(it);
    l.unlock();
    std::optional<std::vector<TrustEntryFacts>> entries =
        ReadTrustEntries(*obj, fetch_);
    l.lock();
    if (!entries) {
      // Not read (the API server failed): again later, if it is still the
      // current version and no newer one was queued meanwhile.
      auto src = bundles_.find(key);
      if (src != bundles_.end() && src->second.obj == obj.get() &&
          unread_.emplace(key, obj).second)
        unread_order_.emplace_back(key, std::chrono::steady_clock::now());
      unread_cv_.wait_for(l, kFetchRetry, [this] { return stopping_; });
      continue;
    }
    // Only if no newer version arrived meanwhile (`obj` keeps its address
    // from being reused while compared).
    auto b = bundles_.find(key);
    if (b != bundles_.end() && b->second.obj == obj.get())
      b->second.entries = std::move(*entries);
  }
}

void Inventory::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  unread_cv_.notify_all();
  if (reader_.joinable()) reader_.join();
}

namespace {

// Calls fn(key, value) for up to `limit` entries of `m` after *cursor, until
// fn returns false; true while entries remain.
template <typename Map, typename Fn>
bool Walk(const Map& m, std::string* cursor, size_t limit, Fn fn) {
  auto it = cursor->empty() ? m.begin() : m.upper_bound(*cursor);
  for (size_t n = 0; it != m.end() && n < limit; ++n) {
    *cursor = it->first;
    bool more = fn(it->first, it->second);
    ++it;
    if (!more) break;
  }
  return it != m.end();
}

constexpr size_t kAll = static_cast<size_t>(-1);

}  // namespace

bool Inventory::VisitCertStores(
    std::string* cursor, size_t limit,
    const std::function<bool(const CertStoreFacts&)>& fn) const {
  std::lock_guard<std::mutex> l(mu_);
  return Walk(
      certstores_, cursor, limit,
      [&](const std::string&, const CertStoreFacts& f) { return fn(f); });
}

bool Inventory::VisitTruststores(
    std::string* cursor, size_t limit,
    const std::function<bool(const CertStoreFacts&,
                             const std::vector<TrustEntryFacts>&)>& fn) const {
  std::lock_guard<std::mutex> l(mu_);
  return Walk(certstores_, cursor, limit,
              [&](const std::string&, const CertStoreFacts& cs) {
                if (cs.truststore_secret.empty()) return true;
                auto b =
                    bundles_.find(kube::ObjectKey(cs.ns, cs.truststore_secret));
                if (b == bundles_.end() || b->second.certstore != cs.name)
                  return true;
                return fn(cs, b->second.entries);
              });
}

bool Inventory::VisitIssuers(
    std::string* cursor, size_t limit,
    const std::function<bool(const IssuerFacts&)>& fn) const {
  std::lock_guard<std::mutex> l(mu_);
  return Walk(issuers_, cursor, limit,
              [&](const std::string&, const IssuerFacts& f) { return fn(f); });
}

std::vector<CertStoreFacts> Inventory::CertStores() const {
  std::vector<CertStoreFacts> out;
  std::string cursor;
  VisitCertStores(&cursor, kAll, [&](const CertStoreFacts& f) {
    out.push_back(f);
    return true;
  });
  return out;
}

std::vector<IssuerFacts> Inventory::Issuers() const {
  std::vector<IssuerFacts> out;
  std::string cursor;
  VisitIssuers(&cursor, kAll, [&](const IssuerFacts& f) {
    out.push_back(f);
    return true;
  });
  return out;
}

std::vector<TruststoreFacts> Inventory::Truststores() const {
  std::vector<TruststoreFacts> out;
  std::string cursor;
  VisitTruststores(
      &cursor, kAll,
      [&](const CertStoreFacts& cs,
          const std::vector<TrustEntryFacts>& entries) {
        out.push_back({cs.ns, cs.name, cs.truststore_secret, entries});
        return true;
      });
  return out;
}

}  // namespace certstore::controller
