// Reconciles a TrustBundle ("name"): resolves its sources, writes its target
// ConfigMap and/or Secret into every namespace its namespaceSelector selects
// (and the operator serves), removes the targets it owns from namespaces it
// no longer selects (or under a former target name), and reports entries,
// dropped certificates, namespaces and conflicts in status.
//
// Targets carry the bundle as their controller ownerReference (UID): the
// garbage collector removes them with the bundle. An object of the target's
// name that the bundle does not control is never touched: it is listed in
// status.conflicts (Ready=False, TargetConflict) and in a Warning Event.
// When the sources cannot be resolved, the targets stay as they are
// (Ready=False, SourceUnavailable): a broken source never empties trust.
#ifndef CERTSTORE_CONTROLLER_TRUST_BUNDLE_RECONCILER_H_
#define CERTSTORE_CONTROLLER_TRUST_BUNDLE_RECONCILER_H_

#include <string>

#include "operator/controller/reconciler_deps.h"

namespace certstore::controller {

// REQUIRES: d.trust_bundles and d.namespaces set.
ReconcileResult ReconcileTrustBundle(const ReconcilerDeps& d,
                                     const std::string& name);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_TRUST_BUNDLE_RECONCILER_H_
