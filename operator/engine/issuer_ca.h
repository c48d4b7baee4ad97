// Resolving an issuer to CA material.
#ifndef CERTSTORE_ENGINE_ISSUER_CA_H_
#define CERTSTORE_ENGINE_ISSUER_CA_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "operator/api/types.h"
#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/engine/intermediate_policy.h"
#include "operator/engine/object_source.h"
#include "operator/engine/reasons.h"
#include "operator/pki/ca.h"

namespace certstore::engine {

// How ResolveIssuerCa may treat a missing CA Secret.
// CA material parsed from a Secret, by the Secret ("ns/name") and the digest
// of its data: parsing the key (OpenSSL's decoders) and checking the chain
// cost more than the rest of a reconcile that issues nothing. A changed
// Secret is parsed and checked again; the validity time is checked on every
// use. Thread-safe; bounded (cleared when it outgrows `capacity`).
class CaMaterialCache {
 public:
  explicit CaMaterialCache(size_t capacity = 1024) : capacity_(capacity) {}
  std::shared_ptr<const pki::CaMaterial> Find(const std::string& key,
                                              const std::string& digest) const;
  void Remember(const std::string& key, const std::string& digest,
                std::shared_ptr<const pki::CaMaterial> ca);

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string,
           std::pair<std::string, std::shared_ptr<const pki::CaMaterial>>>
      entries_;  // GUARDED_BY(mu_)
};

struct CaResolveOptions {
  // Parsed CAs to reuse (optional).
  CaMaterialCache* cache = nullptr;
  // May a selfSigned issuer create its root now? Only the issuer's own
  // reconcile says yes (after re-reading the issuer), never a CertStore's.
  bool allow_create = false;
  // The root the issuer's status records (fingerprint), if any: once set,
  // a missing CA Secret is CASecretMissing, never a reason to mint a root.
  std::string recorded_fingerprint;
  // The issuer carries kAcceptNewRootAnnotation = recorded_fingerprint.
  bool accept_new_root = false;
  // May a selfSigned issuer replace its root now, when its renewal time has
  // come? Only the issuer's own reconcile, and only while no CA rotation
  // runs (the renewal starts one). A root is renewed only when its
  // fingerprint is recorded_fingerprint (the status has caught up with it).
  bool allow_renew = false;
  // intermediate, in the issuer's own reconcile: the parent's CA now and
  // what the certificate must carry (GrantIntermediate). Required to create
  // or re-issue; without them the Secret is loaded as it is (a CertStore's
  // resolution: the issuer's status vouches for it).
  const pki::CaMaterial* parent = nullptr;
  const IntermediateGrant* grant = nullptr;
  // intermediate: the parent's policy on the new key (Status: why not).
  std::function<Status(EVP_PKEY*)> authorize_key;
};

// A selfSigned root replaced by a new one: `secret` holds what changes in
// the CA Secret (tls.crt and tls.key: the new root and key; ca.crt: the new
// root, then the old one; the managed-by label and issuer annotations) and
// its metadata.resourceVersion is the version read: merge it into the
// Secret with that precondition, exactly once.
struct RenewedRoot {
  api::SecretObject secret;
  std::string old_fingerprint;  // SHA-256 of the root it replaces
  TimePoint old_not_after;
  // intermediate: why it was re-issued ("its renewal time came", "its
  // parent's CA changed", "its parent's policy changed").
  std::string why;
};

struct IssuerCa {
  pki::CaMaterial ca;
  // Set when a selfSigned issuer's CA was created just now: the caller must
  // write this Secret (create-only) before using `ca`.
  std::optional<api::SecretObject> created_secret;
  // Set when a selfSigned issuer's root was renewed just now (`ca` is the
  // new one): the caller must write renewed->secret before using `ca`.
  std::optional<RenewedRoot> renewed;
  // selfSigned: when the root (the one in `ca`) is due for renewal
  // (CaRenewalTime).
  std::optional<TimePoint> renewal_time;
  // selfSigned, with allow_renew: why a renewal that is due was not made
  // (the Secret is not this issuer's, or is immutable); "" otherwise.
  std::string renewal_blocked;
};

// When a selfSigned issuer replaces `root`: notAfter minus
// spec.renewBefore (when set and shorter than the lifetime), else minus a
// third of the lifetime.
TimePoint CaRenewalTime(X509* root, const api::CaCertificateSpec& spec);

// `ca_namespace` is where the CA Secret lives: the issuer's own namespace
// for a CertIssuer, the cluster resource namespace for a ClusterCertIssuer.
//   ca:         loads tls.crt (CA first, then its chain) and tls.key from the
//               Secret. NotFound if the Secret or a key is missing;
//               InvalidArgument / FailedPrecondition from pki::LoadCa,
//               prefixed with the Secret's name.
//   selfSigned: loads the CA from its Secret when it exists. With
//               options.allow_renew, a root whose renewal time has come
//               (even one already expired) is replaced: a new key, the same
//               subject and duration, returned in `renewed`; only in a
//               Secret carrying this issuer's UID (kIssuerUidAnnotation)
//               that is not immutable, else `renewal_blocked` says why and
//               the old root is used. When it is missing: FailedPrecondition
//               with
//               `*ca_secret_missing` set if a root was recorded and not given
//               up (options.accept_new_root); NotFound ("waiting for ... to
//               create its root CA") unless options.allow_create; otherwise
//               creates a new root and returns its Secret in
//               `created_secret`. A Secret that exists but does not hold a
//               valid CA is FailedPrecondition: it is never overwritten.
//   intermediate: like selfSigned, with a CA issued by options.parent
//               carrying options.grant; with allow_renew, it is also
//               re-issued (new key) when its parent's CA no longer signs it
//               or its path length or name constraints differ from the
//               grant. tls.crt holds the intermediate and its parent's chain,
//               ca.crt the root at the top.
// For a `ca` issuer a missing Secret with a recorded root also sets
// `*ca_secret_missing` (NotFound). `ca_secret_missing` may be null.
StatusOr<IssuerCa> ResolveIssuerCa(const api::Issuer& issuer,
                                   const std::string& ca_namespace,
                                   const ObjectSource& objects,
                                   const Clock& clock,
                                   const CaResolveOptions& options = {},
                                   bool* ca_secret_missing = nullptr);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_ISSUER_CA_H_
