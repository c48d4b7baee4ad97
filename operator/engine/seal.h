// The operator's seal over a Secret it wrote: a MAC, under a key only the
// operator holds (a Secret in the cluster resource namespace, which tenants
// cannot read: DESIGN.md "Tenancy"), over
//   - which Secret it is (namespace, name, the owning CertStore's UID, main
//     or truststore Secret) and its type,
//   - the digest of all of its data (engine::DataDigest),
//   - what the data was made from, in terms that can be computed again
//     without opening a store (SealContent), and
//   - what the CertStore's status says about it (serial, validity,
//     fingerprints, revision, the truststore's summary).
// It is kept in the Secret's annotation kSealAnnotation. A restarted
// operator that finds the same data digest in its cache, the same inputs
// and the same status computes the same MAC and knows the stores are still
// what it wrote, without a GET and without decrypting them (docs/benchmarks.md:
// opening the stores was the whole cost of a start-up check).
//
// Anyone can read the annotation; no one without the key can make one that
// verifies. Copying a seal to another Secret, to other data, or back to an
// older version of the same Secret (the status names the current serial)
// does not verify: the reconcile then opens the stores as it always did.
#ifndef CERTSTORE_ENGINE_SEAL_H_
#define CERTSTORE_ENGINE_SEAL_H_

#include <set>
#include <string>
#include <vector>

#include "operator/common/secret.h"
#include "operator/common/status.h"

namespace certstore::engine {

// The inputs a Secret's stores were made from, as fingerprints.
struct SealContent {
  std::string alias;
  std::set<std::string> keys;      // the data keys
  int profile = 0;                 // pki::Pkcs12Profile
  std::string leaf;                // SHA-256 fingerprint; "" for no keystore
  std::vector<std::string> chain;  // intermediates, nearest first
  std::string root;                // "" when the Secret holds none
  std::vector<std::string> trust;  // the trust anchors, in order
  // "generated" (the password is a data key, covered by the data digest) or
  // the SHA-256 of the referenced password. Only ever part of the MAC input;
  // wiped with the struct.
  std::string password;
  SealContent() = default;
  SealContent(const SealContent&) = default;
  SealContent& operator=(const SealContent&) = default;
  ~SealContent() { SecureWipe(password.data(), password.size()); }
};

struct SealFacts {
  std::string ns, secret, owner_uid;
  bool is_main = true;
  std::string type;
  std::string data_digest;  // engine::DataDigest of the data
  // api::IdentityHash and api::RenderHash of the CertStore it was written
  // for (also its annotations, which anyone may edit; these may not).
  std::string identity_hash, render_hash;
  SealContent content;
  std::string summary;  // the status facts, as text (sealed_render.cc)
};

class SealKey {
 public:
  static constexpr size_t kBytes = 32;
  // InvalidArgument unless `bytes` holds exactly kBytes bytes.
  static StatusOr<SealKey> FromBytes(SecretBytes bytes);
  // kBytes from the OpenSSL CSPRNG; Internal when it fails.
  static StatusOr<SealKey> Generate();

  // "v1." followed by the HMAC-SHA-256 of `facts` in hex; "" when the MAC
  // cannot be computed or facts.data_digest is not a SHA-256 (then nothing
  // is sealed).
  std::string Seal(const SealFacts& facts) const;
  // True when `seal` is Seal(facts) and that is not "" (compared in constant
  // time): fails closed.
  bool Verifies(const SealFacts& facts, const std::string& seal) const;
  // The key itself, to store it. Never log it.
  const SecretBytes& bytes() const { return key_; }

 private:
  explicit SealKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_SEAL_H_
