// Gathering the certificates a truststore should hold.
#ifndef CERTSTORE_ENGINE_TRUST_SOURCES_H_
#define CERTSTORE_ENGINE_TRUST_SOURCES_H_

#include <functional>
#include <string>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/status.h"
#include "operator/engine/object_source.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::engine {

// Default location of the public CA bundle (Debian's ca-certificates).
constexpr char kDefaultSystemBundle[] = "/etc/ssl/certs/ca-certificates.crt";

// The certificates of TrustBundle `name` (a `trustBundle` source): NotFound
// when there is no such bundle; the bundle's own error when its sources do
// not resolve.
using TrustBundleLookup =
    std::function<StatusOr<std::vector<pki::X509Ptr>>(const std::string& name)>;

// Resolves spec.truststore.sources of `cs` in order and returns the distinct
// certificates (first occurrence wins). `issuer_root` is the issuer's root CA
// (for `issuer: {}`, followed by `previous_issuer_roots`: the roots a CA
// rotation still trusts); Secrets and ConfigMaps are read from the CertStore's
// own namespace only; `trustBundle` sources through `bundles`
// (FailedPrecondition when unset). Errors name the source:
//   NotFound "spec.truststore.sources[1].secret: Secret demo/partner-ca not
//   found" / "... has no key ca.crt"; InvalidArgument when the data holds no
//   PEM certificate. REQUIRES: cs.spec.truststore is set.
StatusOr<std::vector<pki::X509Ptr>> ResolveTrustSources(
    const api::CertStore& cs, X509* issuer_root, const ObjectSource& objects,
    const std::string& system_bundle_path = kDefaultSystemBundle,
    const std::vector<X509*>& previous_issuer_roots = {},
    const TrustBundleLookup& bundles = nullptr);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_TRUST_SOURCES_H_
