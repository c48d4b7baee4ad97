// Reading TrustBundles for the reconcilers: a ClusterCertIssuer's roots as
// its status publishes them, a bundle's certificates resolved, and the
// lookup a CertStore's `trustBundle` source goes through.
#ifndef CERTSTORE_CONTROLLER_TRUST_BUNDLE_LOOKUP_H_
#define CERTSTORE_CONTROLLER_TRUST_BUNDLE_LOOKUP_H_

#include <string>
#include <vector>

#include "operator/api/types.h"
#include "operator/controller/reconciler_deps.h"
#include "operator/engine/trust_bundle.h"
#include "operator/engine/trust_sources.h"

namespace certstore::controller {

// The roots ClusterCertIssuer `name` asks truststores to hold, from its
// status as cached (status.caCertificate, then the previous roots a CA
// rotation still trusts). NotFound when there is no such issuer;
// FailedPrecondition while it has published no root (not Ready).
StatusOr<std::vector<pki::X509Ptr>> ClusterIssuerRoots(const ReconcilerDeps& d,
                                                       const std::string& name,
                                                       TimePoint now);

// `tb` (defaulted, valid) resolved: sources read through `objects` from the
// cluster resource namespace, issuer roots from the caches, filter applied.
StatusOr<engine::BundleContent> ResolveTrustBundle(
    const ReconcilerDeps& d, const api::TrustBundle& tb,
    const engine::ObjectSource& objects, TimePoint now);

// The lookup of TrustBundles by name for RenderOptions::trust_bundles:
// NotFound ("TrustBundle corp not found"), InvalidArgument for a bundle
// whose spec is invalid, else ResolveTrustBundle's answer.
engine::TrustBundleLookup TrustBundleLookupFor(
    const ReconcilerDeps& d, const engine::ObjectSource& objects,
    TimePoint now);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_TRUST_BUNDLE_LOOKUP_H_
