// What the caches say about each CertStore, issuer and written truststore,
// parsed once per change (informer handlers) so that a metrics scrape of
// thousands of objects only copies small structs. Deleted objects leave at
// once, so no stale series survive them. Thread-safe.
#ifndef CERTSTORE_CONTROLLER_INVENTORY_H_
#define CERTSTORE_CONTROLLER_INVENTORY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/sha256.h"
#include "operator/common/status.h"
#include "operator/kube/informer.h"

namespace certstore::controller {

// What the inventory knows of one CertStore, as a visitor sees it: views
// into the inventory's own storage, valid for the duration of the call.
struct CertStoreFacts {
  std::string_view ns, name, secret, issuer_kind, issuer_name;
  std::string_view truststore_secret;  // where its truststore is written; ""
  std::string_view ready = "Unknown";  // Ready condition status
  // Unix seconds, from status (the certificate in the Secret).
  std::optional<double> not_before, not_after, renewal;
};

struct TrustEntryFacts {
  std::string alias, subject_cn;
  double not_after = 0;  // unix seconds
  bool operator<(const TrustEntryFacts& o) const {
    return std::tie(alias, subject_cn, not_after) <
           std::tie(o.alias, o.subject_cn, o.not_after);
  }
};

struct IssuerFacts {
  std::string kind, ns, name;  // ns "" for ClusterCertIssuers
  std::string ready = "Unknown";
  std::optional<double> ca_not_after;
  // selfSigned: when the root renews itself (status.renewalTime).
  std::optional<double> ca_renewal;
  // A CA rotation in progress (status.rotation): the members its current
  // step waits for. nullopt when no rotation runs.
  std::optional<int64_t> rotation_waiting;
};

struct TruststoreFacts {
  std::string ns, certstore, secret;
  std::vector<TrustEntryFacts> entries;
};

class Inventory {
 public:
  // Trust entries of managed Secret `key` ("ns/name") whose data has
  // `data_digest` (engine::DataDigest), when its bytes are known without
  // opening the stores (verified_stores.h; empty for a Secret without a
  // truststore); nullopt when unknown. Set before the informers start.
  using TrustLookup = std::function<std::optional<std::vector<TrustEntryFacts>>(
      const std::string& key, const std::string& data_digest)>;
  void SetTrustLookup(TrustLookup lookup) { lookup_ = std::move(lookup); }
  // Reads Secret ns/name from the API server, for a truststore whose data
  // the cache does not hold (cached_kinds.h). Runs on the reader thread; a
  // failure other than NotFound is retried (after kFetchRetry, behind the
  // rest of the queue). Set before the informers start.
  using SecretFetch = std::function<StatusOr<api::SecretObject>(
      const std::string& ns, const std::string& name)>;
  static constexpr std::chrono::seconds kFetchRetry{5};
  // A sealed truststore (engine/seal.h) waits this long before the reader
  // opens it: the reconcile that checks its seal (at start-up, all of them
  // at once) tells the inventory its anchors first (Learn), and opening
  // thousands of stores would take a core from those very checks.
  static constexpr std::chrono::seconds kSealedReadDelay{30};
  void SetSecretFetch(SecretFetch fetch) { fetch_ = std::move(fetch); }

  // Informer handlers (old null = added, new null = deleted).
  void OnCertStore(const kube::ObjectPtr& old_obj,
                   const kube::ObjectPtr& new_obj);
  void OnIssuer(bool cluster, const kube::ObjectPtr& old_obj,
                const kube::ObjectPtr& new_obj);
  // Managed Secrets: the trusted certificates actually written. The PEM
  // bundle ca.crt is read here; a truststore that must be decrypted (no
  // ca.crt: opened with the generated password stored beside it, read
  // through the SecretFetch when the cache does not hold it) is read by the
  // inventory's own reader thread, never on the informer's thread
  // (tenant bytes: a store can cost up to pki::kMaxPkcs12Iterations per
  // derivation), and its entries appear once read. Returns true when the
  // TrustLookup knew the new bytes (an echo of this process's own write).
  bool OnManagedSecret(const kube::ObjectPtr& old_obj,
                       const kube::ObjectPtr& new_obj);
  // The TrustLookup now knows the bytes `data_digest` of Secret `key` (a
  // reconcile checked or wrote them): when that is the cached version, its
  // entries are set and it is not opened by the reader.
  void Learn(const std::string& key, const std::string& data_digest);

  // Stops the reader thread, dropping what it has not read (a fetch in
  // flight is waited for: cancel its connection first). Idempotent.
  void Stop();
  ~Inventory() { Stop(); }

  size_t CertStoreCount() const;
  // Distinct lists of trust entries held (Secrets with the same anchors
  // share one).
  size_t SharedEntryLists() const;
  std::vector<IssuerFacts> Issuers() const;
  // Entries of each CertStore's truststore Secret, as written.
  std::vector<TruststoreFacts> Truststores() const;

  // Walks for a scrape, a page at a time so that it neither copies the
  // inventory nor holds its lock while writing to a client: `fn` is called
  // for up to `limit` entries whose keys sort after `*cursor` ("" = from the
  // first), in key order, under the inventory's lock (so `fn` only formats:
  // it must not block or call the inventory); `fn` returning false ends the
  // page early (its text is large enough). `*cursor` becomes the last key
  // visited. Returns true while entries remain after it. An entry added or
  // removed between pages may be missed; none is visited twice.
  bool VisitCertStores(
      std::string* cursor, size_t limit,
      const std::function<bool(const CertStoreFacts&)>& fn) const;
  // CertStores (keyed as above) with a truststore whose entries are known.
  bool VisitTruststores(
      std::string* cursor, size_t limit,
      const std::function<bool(const CertStoreFacts&,
                               const std::vector<TrustEntryFacts>&)>& fn) const;
  bool VisitIssuers(std::string* cursor, size_t limit,
                    const std::function<bool(const IssuerFacts&)>& fn) const;

 private:
  TrustLookup lookup_;
  SecretFetch fetch_;
  mutable std::mutex mu_;
  // One CertStore's facts in two allocations (its set node and one
  // string), about 200 bytes where the plain struct of strings took 450:
  // the inventory holds one per CertStore for the life of the process.
  // `text` is "ns/name" NUL secret NUL issuer_name NUL truststore_secret;
  // the set orders and finds entries by the "ns/name" before the first NUL.
  struct StoredFacts {
    std::string text;
    double not_before, not_after, renewal;  // NaN: not known
    uint8_t issuer_kind;                    // api::IssuerKind
    uint8_t ready;                          // index into kReadyValues
    std::string_view Key() const;
    CertStoreFacts View() const;
  };
  struct ByKey {
    using is_transparent = void;
    static std::string_view KeyOf(const StoredFacts& f) { return f.Key(); }
    static std::string_view KeyOf(std::string_view k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return KeyOf(a) < KeyOf(b);
    }
  };
  std::set<StoredFacts, ByKey> certstores_;  // GUARDED_BY(mu_)
  std::map<std::string, IssuerFacts>
      issuers_;  // GUARDED_BY(mu_) "kind/ns/name"
  // The entries of a truststore, shared by every Secret that holds the same
  // ones (typically the whole fleet of an issuer holds its CA alone).
  using Entries = std::shared_ptr<const std::vector<TrustEntryFacts>>;
  struct ByContent {
    using is_transparent = void;
    static const std::vector<TrustEntryFacts>& Of(const Entries& e) {
      return *e;
    }
    static const std::vector<TrustEntryFacts>& Of(
        const std::vector<TrustEntryFacts>& e) {
      return e;
    }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return Of(a) < Of(b);
    }
  };
  std::set<Entries, ByContent> entries_;  // GUARDED_BY(mu_)
  // Sets `*held` to `entries` as shared with the Secrets that hold the same
  // (null if empty), letting go of what it held before.
  void Hold(Entries* held,
            std::vector<TrustEntryFacts> entries);  // REQUIRES(mu_)
  // A managed Secret holding trust: the CertStore it belongs to, the
  // entries, and the Secret version they were last set from (what a read's
  // result must still be for; compared by address only) with its data
  // digest (engine::DataDigest, held as its 32 bytes, not 64 hex digits).
  struct Bundle {
    std::string certstore;
    Entries entries;
    const kube::CachedObject* obj = nullptr;
    Sha256Bytes data_digest;
  };
  std::map<std::string, Bundle> bundles_;  // GUARDED_BY(mu_) "ns/secret"

  // Truststores waiting for the reader: the latest version of each Secret,
  // read in arrival order; a newer version replaces an unread older one.
  void ReadTruststores();
  std::map<std::string, kube::ObjectPtr> unread_;  // GUARDED_BY(mu_)
  // Keys in arrival order, each with the time before which it is not read.
  std::deque<std::pair<std::string, std::chrono::steady_clock::time_point>>
      unread_order_;  // GUARDED_BY(mu_)
  std::condition_variable unread_cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread reader_;     // started on the first truststore to read
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_INVENTORY_H_
