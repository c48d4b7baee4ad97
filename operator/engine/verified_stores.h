// A bounded memory of the Secrets this process wrote or fully checked: the
// digest of their data, the digest of what they were made from, and the
// certificate and key they hold. The reconcile that follows a write (the
// Secret's own watch event) then needs no PKCS12 decryption: stores are
// password-protected with 10,000 PBKDF2 iterations per bag, and opening
// them again cost more than issuing (docs/benchmarks.md).
//
// Only an exact byte match counts: a Secret whose data differs from what is
// remembered (tampered, edited, written by another replica) is a miss and
// gets the full check, as always. Private keys stay in memory no longer
// than the informer cache holds the same bytes; nothing here is logged.
#ifndef CERTSTORE_ENGINE_VERIFIED_STORES_H_
#define CERTSTORE_ENGINE_VERIFIED_STORES_H_

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/engine/store_files.h"
#include "operator/pki/openssl_ptr.h"
#include "operator/pki/pkcs12.h"

namespace certstore::engine {

struct VerifiedEntry {
  std::string data_digest;  // DataDigest of the Secret's data
  // DesiredDigest it was made from; "" for an entry that only knows the
  // trust anchors (a sealed Secret: sealed_render.h).
  std::string desired_digest;
  // The main Secret's certificate, key and chain after it (unset for a
  // truststore Secret).
  pki::X509Ptr cert;
  pki::EvpPkeyPtr key;
  std::vector<pki::X509Ptr> chain;
  // The trust anchors of the Secret that carries the truststore (else
  // empty): the metrics inventory reads them from here instead of opening
  // the store.
  std::vector<pki::X509Ptr> trust;
};

class VerifiedStores {
 public:
  // The age after which Expire drops an entry: the echo of a write arrives
  // within seconds (tens of seconds when the watch lags under a burst), and
  // each entry holds parsed certificates and a key, which an idle operator
  // has no use for. A render after that (a spec change, a renewal) opens
  // the stores once to compare them, as it does for a Secret beyond the
  // `capacity` most recent.
  static constexpr std::chrono::minutes kMaxAge{5};

  explicit VerifiedStores(size_t capacity = 1024,
                          const Clock& clock = SystemClock::Get())
      : capacity_(capacity), clock_(clock) {}
  // The entry for Secret `key` ("ns/name") if its data digest is
  // `data_digest`; nullptr otherwise. Thread-safe.
  std::shared_ptr<const VerifiedEntry> Find(
      const std::string& key, const std::string& data_digest) const;
  // Remembers (replaces) the entry of Secret `key`; the oldest entry goes
  // when there are more than `capacity`. An entry without desired_digest
  // does not replace one with the same data digest that has it: that one
  // is kept and counts as remembered now. Then tells the listener (outside
  // the lock). Thread-safe.
  void Remember(const std::string& key, VerifiedEntry entry);
  // Told of each entry remembered (e.g. the metrics inventory, which then
  // need not open that truststore). Set before use.
  using Listener =
      std::function<void(const std::string& key, const VerifiedEntry& entry)>;
  void SetListener(Listener l) { listener_ = std::move(l); }
  void Forget(const std::string& key);
  // Drops the entries remembered more than kMaxAge ago (by the clock's
  // monotonic time); returns how many. Thread-safe.
  size_t Expire();
  size_t size() const;

 private:
  struct Remembered {
    std::string key;
    MonotonicTime at;
  };
  size_t capacity_;
  const Clock& clock_;
  Listener listener_;
  mutable std::mutex mu_;
  std::list<Remembered> order_;  // GUARDED_BY(mu_) oldest first
  std::map<std::string, std::pair<std::shared_ptr<const VerifiedEntry>,
                                  std::list<Remembered>::iterator>>
      entries_;  // GUARDED_BY(mu_)
};

// SHA-256 over the data map (keys and values, length-prefixed).
std::string DataDigest(const std::map<std::string, std::string>& data);

// SHA-256 over everything CheckStores compares: the data keys, alias, key
// (public part), leaf, chain, root, trust anchors, password, profile and
// which Secret (`is_main`). Equal digests mean equal stores.
std::string DesiredDigest(const DesiredStores& d,
                          const std::set<std::string>& keys,
                          const SecretBytes& password,
                          pki::Pkcs12Profile profile, bool is_main);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_VERIFIED_STORES_H_
