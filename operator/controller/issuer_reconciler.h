// Reconciles a CertIssuer ("ns/name") or ClusterCertIssuer ("name"): creates
// a selfSigned root once, checks a `ca` Secret, reports Ready, notAfter, the
// CA fingerprint and root certificate in status, and drives a CA rotation
// (engine/ca_rotation.h) when the root changes, with the CertStores that use
// the issuer as its members.
#ifndef CERTSTORE_CONTROLLER_ISSUER_RECONCILER_H_
#define CERTSTORE_CONTROLLER_ISSUER_RECONCILER_H_

#include <string>

#include "operator/controller/reconciler_deps.h"

namespace certstore::controller {

ReconcileResult ReconcileIssuer(const ReconcilerDeps& d, bool cluster,
                                const std::string& key);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_ISSUER_RECONCILER_H_
