// The operator's own kinds as its informer caches hold them: parsed once
// when an event arrives (kube::InformerOptions::decode), not per index
// function, handler and reconcile, and without the JSON text they came in.
#ifndef CERTSTORE_CONTROLLER_CACHED_KINDS_H_
#define CERTSTORE_CONTROLLER_CACHED_KINDS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/parse.h"
#include "operator/api/types.h"
#include "operator/common/packed_buffer.h"
#include "operator/common/sha256.h"
#include "operator/common/status.h"
#include "operator/kube/informer.h"

namespace certstore::controller {

// A CertStore as cached: the object as parsed (not defaulted; a parse error
// is kept and reported by the reconcile) and the status members the
// operator reads back. Its labels, annotations and ownerReferences are not
// kept twice: read them from the CachedObject's `meta`.
struct CachedCertStore : kube::TypedObject {
  explicit CachedCertStore(StatusOr<api::CertStore> c)
      : certstore(std::move(c)) {}
  StatusOr<api::CertStore> certstore;
  api::ObservedStatus status;
};

// A CertStore as the informer keeps it between events: its members the
// parse reads (api::CompactObjectJson; no managedFields, labels or
// annotations), deflated against api::CertStoreDictionary(): a few hundred
// bytes in one allocation. CertStoreOf decodes it; the decoder's own result
// and the latest decodes are shared (a small process-wide memo), so the
// index functions, the handlers and the reconcile that follow an event
// parse it once. A CertStore whose parse fails is cached as a
// CachedCertStore holding the error instead.
struct PackedCertStore : kube::TypedObject {
  std::string deflated;
  // The compact JSON it was made from.
  StatusOr<std::string> Json() const;
};

// A CertIssuer or ClusterCertIssuer as cached (same rules).
struct CachedIssuer : kube::TypedObject {
  explicit CachedIssuer(StatusOr<api::Issuer> i) : issuer(std::move(i)) {}
  StatusOr<api::Issuer> issuer;
  api::ObservedStatus status;
};

// A managed Secret as cached: its type (its metadata is the CachedObject's
// `meta`; `whole` has a copy for an issuer's CA Secret), the digest of its data
// (engine::DataDigest; enough to know "still exactly what this process wrote"),
// the names of its keys, and the data only where it is small and read often:
// all of an issuer's CA Secret (every issuance reads it), and a CertStore
// Secret's public PEM bundle `ca.crt` (the metrics read it). Keystores, private
// keys and passwords are not held: a reconcile that needs them reads the Secret
// from the API server (ApiObjectSource), so the operator's memory holds no
// tenant's key between reconciles.
//
// One is held per managed Secret for the life of the process, so it is kept
// small: the digest as its 32 bytes, the key names in one string.
struct CachedSecret : kube::TypedObject {
  std::string type;         // the Secret's type
  Sha256Bytes data_digest;  // of all of the data, as sent
  // Every data key, each followed by a NUL (key names cannot hold one: the
  // API server allows [-._a-zA-Z0-9]); read them with Has and Keys. One
  // pointer, as `ca_crt` (10,000 of these are cached).
  packed::Buffer keys;
  // Data `ca.crt`, decoded; null when absent.
  std::unique_ptr<const std::string> ca_crt;
  // `complete`: the whole Secret as parsed (metadata, type, all of its
  // data); else null.
  std::unique_ptr<const api::SecretObject> whole;
  bool complete = false;
  bool Has(const std::string& key) const;
  std::vector<std::string> Keys() const;  // in the API's (sorted) order
};

// A TrustBundle as cached (same rules); its status carries the entries the
// metrics export.
struct CachedTrustBundle : kube::TypedObject {
  explicit CachedTrustBundle(StatusOr<api::TrustBundle> b)
      : bundle(std::move(b)) {}
  StatusOr<api::TrustBundle> bundle;
  api::ObservedStatus status;
};

// Decoders for kube::InformerOptions::decode. Never null.
std::shared_ptr<const kube::TypedObject> DecodeCertStore(
    const kube::CachedObject& o);
std::shared_ptr<const kube::TypedObject> DecodeIssuer(
    const kube::CachedObject& o);

// The decoded form of a cached object: the informer's, decoded from its
// packed form, or decoded from its JSON now when the cache has none (a
// cache without a decoder). Never null.
// `remember`: keep a new decode among the shared recent ones (false for a
// scan over many CertStores, which would only push out the decodes that an
// event's handlers and reconcile share).
std::shared_ptr<const CachedCertStore> CertStoreOf(const kube::CachedObject& o,
                                                   bool remember = true);
std::shared_ptr<const CachedIssuer> IssuerOf(const kube::CachedObject& o);
std::shared_ptr<const kube::TypedObject> DecodeTrustBundle(
    const kube::CachedObject& o);
std::shared_ptr<const CachedTrustBundle> TrustBundleOf(
    const kube::CachedObject& o);

// The decoder of managed Secrets (see CachedSecret): `complete` keeps all of
// the data (the caller has checked that it is an issuer's CA Secret). Null
// for an object without data (a PayloadFilter made it partial) or one that
// does not parse: the informer then keeps its JSON.
std::shared_ptr<const kube::TypedObject> DecodeManagedSecret(
    const kube::CachedObject& o, bool complete);
// The cached Secret: the informer's, or (a cache without the decoder) read
// from the JSON with all of its data. Null for a partial object or one that
// does not parse.
std::shared_ptr<const CachedSecret> SecretOf(const kube::CachedObject& o);

// Informer options that cache CertStores / issuers decoded, without JSON.
kube::InformerOptions CertStoreInformerOptions();
kube::InformerOptions IssuerInformerOptions();
kube::InformerOptions TrustBundleInformerOptions();

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_CACHED_KINDS_H_
