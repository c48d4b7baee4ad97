#include "operator/controller/inventory.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

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
    const std::string* bundle) {
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
  if (Sha256Bytes::FromHex(engine::DataDigest(read->data)) !=
      cached->data_digest)
    return std::vector<TrustEntryFacts>();
  return DecryptedTrustEntries(*read);
}

std::string Key(const kube::ObjectPtr& o) {
  return kube::ObjectKey(o->meta.ns, o->meta.name);
}

constexpr double kUnknownTime = std::numeric_limits<double>::quiet_NaN();
// Ready condition statuses as stored; the last stands for any other (the
// CRD allows only the first three), which matches none of them.
constexpr const char* kReadyValues[] = {"Unknown", "True", "False", ""};
// issuer_kind of a CertStore whose spec does not parse (label "").
constexpr uint8_t kNoIssuerKind = 0xff;
static_assert(static_cast<int>(api::IssuerKind::kClusterCertIssuer) <
              kNoIssuerKind);

double StoredTime(const std::string& rfc3339) {
  return UnixSeconds(rfc3339).value_or(kUnknownTime);
}

std::optional<double> ViewedTime(double t) {
  if (std::isnan(t)) return std::nullopt;
  return t;
}

// The index of `status` in kReadyValues.
uint8_t ReadyIndex(const std::string& status) {
  size_t i = 0;
  while (i + 1 < std::size(kReadyValues) && status != kReadyValues[i]) ++i;
  return static_cast<uint8_t>(i);
}

// Appends `field` and the NUL that ends it. A field holding a NUL itself
// (JSON allows "\u0000"; such a spec fails validation) is cut there, so
// that it cannot shift the fields after it.
void AppendField(std::string* text, const std::string& field) {
  text->append(field.c_str());
  text->push_back('\0');
}

}  // namespace

std::string_view Inventory::StoredFacts::Key() const {
  return std::string_view(text.c_str());  // up to the first NUL
}

CertStoreFacts Inventory::StoredFacts::View() const {
  CertStoreFacts f;
  std::string_view rest(text);
  auto next = [&rest] {
    size_t end = std::min(rest.find('\0'), rest.size());
    std::string_view part = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    return part;
  };
  std::string_view key = next();
  size_t slash = key.find('/');  // always there: CertStores are namespaced
  if (slash != std::string_view::npos) {
    f.ns = key.substr(0, slash);
    f.name = key.substr(slash + 1);
  } else {
    f.name = key;
  }
  f.secret = next();
  f.issuer_name = next();
  f.truststore_secret = next();
  f.issuer_kind =
      issuer_kind == kNoIssuerKind
          ? ""
          : api::IssuerKindName(static_cast<api::IssuerKind>(issuer_kind));
  f.ready = kReadyValues[ready];
  f.not_before = ViewedTime(not_before);
  f.not_after = ViewedTime(not_after);
  f.renewal = ViewedTime(renewal);
  return f;
}

void Inventory::OnCertStore(const kube::ObjectPtr& old_obj,
                            const kube::ObjectPtr& new_obj) {
  if (!new_obj) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = certstores_.find(std::string_view(Key(old_obj)));
    if (it != certstores_.end()) certstores_.erase(it);
    return;
  }
  StoredFacts f;
  f.text = Key(new_obj);
  f.text.push_back('\0');
  f.issuer_kind = kNoIssuerKind;
  auto cached = CertStoreOf(*new_obj);
  const auto& cs = cached->certstore;
  if (cs.ok()) {
    f.issuer_kind = static_cast<uint8_t>(cs->spec.issuer_ref.kind);
    const std::string* truststore = nullptr;
    if (cs->spec.truststore)
      truststore = cs->spec.truststore->secret_name.empty()
                       ? &cs->spec.secret_name
                       : &cs->spec.truststore->secret_name;
    AppendField(&f.text, cs->spec.secret_name);
    AppendField(&f.text, cs->spec.issuer_ref.name);
    if (truststore) AppendField(&f.text, *truststore);
  }
  f.text.shrink_to_fit();
  const api::ObservedStatus& st = cached->status;
  f.ready = st.ready ? ReadyIndex(st.ready->status) : 0;
  f.not_before = StoredTime(st.not_before);
  f.not_after = StoredTime(st.not_after);
  f.renewal = StoredTime(st.renewal_time);
  std::lock_guard<std::mutex> l(mu_);
  auto it = certstores_.find(f.Key());
  if (it != certstores_.end()) it = certstores_.erase(it);
  certstores_.insert(it, std::move(f));
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
  Sha256Bytes data_digest;
  // A partial object is not one this operator wrote (its data is not
  // cached): a label and an annotation do not make it a truststore of ours.
  bool ours =
      new_obj && !new_obj->partial && owner != o->meta.annotations.end();
  if (ours) {
    auto secret = SecretOf(*new_obj);
    if (secret) {
      data_digest = secret->data_digest;
      std::optional<std::vector<TrustEntryFacts>> facts;
      if (lookup_) facts = lookup_(key, secret->data_digest.Hex());
      known = facts.has_value();
      if (!facts) facts = PemTrustEntries(secret->ca_crt.get());
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
  auto b = bundles_.find(key);
  if (!ours) {
    if (b != bundles_.end()) {
      Hold(&b->second.entries, {});
      bundles_.erase(b);
    }
    return false;
  }
  if (b == bundles_.end()) b = bundles_.emplace(key, Bundle()).first;
  b->second.certstore = std::string(owner->second);
  Hold(&b->second.entries, std::move(entries));
  b->second.obj = new_obj.get();
  b->second.data_digest = data_digest;
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
  Sha256Bytes digest = Sha256Bytes::FromHex(data_digest);
  if (b == bundles_.end() || digest.empty() || b->second.data_digest != digest)
    return;
  Hold(&b->second.entries, std::move(*facts));
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
    if (b != bundles_.end() && b->second.obj == obj.get()) {
      Hold(&b->second.entries, std::move(*entries));
    }
  }
}

void Inventory::Hold(Entries* held, std::vector<TrustEntryFacts> entries) {
  Entries now;
  if (!entries.empty()) {
    auto it = entries_.find(entries);
    now =
        it != entries_.end()
            ? *it
            : *entries_
                   .insert(std::make_shared<const std::vector<TrustEntryFacts>>(
                       std::move(entries)))
                   .first;
  }
  Entries before = std::move(*held);
  *held = std::move(now);
  if (!before || before == *held) return;
  // `before` and the set's copy were the last references: no Secret holds
  // these entries any more.
  auto it = entries_.find(*before);
  if (it != entries_.end() && it->get() == before.get() &&
      before.use_count() == 2)
    entries_.erase(it);
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

// Calls fn(element) for up to `limit` elements of `c` (ordered by the key
// `key(element)`) after *cursor, until fn returns false; true while elements
// remain.
template <typename C, typename KeyFn, typename Fn>
bool Walk(const C& c, std::string* cursor, size_t limit, KeyFn key, Fn fn) {
  auto it = cursor->empty() ? c.begin() : c.upper_bound(*cursor);
  for (size_t n = 0; it != c.end() && n < limit; ++n) {
    *cursor = std::string(key(*it));
    bool more = fn(*it);
    ++it;
    if (!more) break;
  }
  return it != c.end();
}

template <typename V>
const std::string& MapKey(const std::pair<const std::string, V>& e) {
  return e.first;
}

constexpr size_t kAll = static_cast<size_t>(-1);

}  // namespace

bool Inventory::VisitCertStores(
    std::string* cursor, size_t limit,
    const std::function<bool(const CertStoreFacts&)>& fn) const {
  std::lock_guard<std::mutex> l(mu_);
  return Walk(
      certstores_, cursor, limit, [](const StoredFacts& f) { return f.Key(); },
      [&](const StoredFacts& f) { return fn(f.View()); });
}

bool Inventory::VisitTruststores(
    std::string* cursor, size_t limit,
    const std::function<bool(const CertStoreFacts&,
                             const std::vector<TrustEntryFacts>&)>& fn) const {
  static const std::vector<TrustEntryFacts> kNone;
  std::lock_guard<std::mutex> l(mu_);
  std::string key;
  return Walk(
      certstores_, cursor, limit, [](const StoredFacts& f) { return f.Key(); },
      [&](const StoredFacts& stored) {
        CertStoreFacts cs = stored.View();
        if (cs.truststore_secret.empty()) return true;
        key.assign(cs.ns).append("/").append(cs.truststore_secret);
        auto b = bundles_.find(key);
        if (b == bundles_.end() || b->second.certstore != cs.name) return true;
        return fn(cs, b->second.entries ? *b->second.entries : kNone);
      });
}

bool Inventory::VisitIssuers(
    std::string* cursor, size_t limit,
    const std::function<bool(const IssuerFacts&)>& fn) const {
  std::lock_guard<std::mutex> l(mu_);
  return Walk(issuers_, cursor, limit, MapKey<IssuerFacts>,
              [&](const auto& e) { return fn(e.second); });
}

size_t Inventory::SharedEntryLists() const {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

size_t Inventory::CertStoreCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return certstores_.size();
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
        out.push_back({std::string(cs.ns), std::string(cs.name),
                       std::string(cs.truststore_secret), entries});
        return true;
      });
  return out;
}

}  // namespace certstore::controller
