// Reconciles one CertStore in four steps, each on one screen:
//
//   gather  the CertStore (parsed, defaulted, validated), its issuer and the
//           issuer's policy verdict from the caches, the Secrets it writes
//           (refused when someone else controls them), the issuer's CA;
//   render  the Secrets as they must be (engine/render.h), the policy asked
//           again against the API server right before anything is signed;
//   write   what differs (secret_writer.h);
//   report  status (skipped when nothing changed), Events, and when to look
//           again (the renewal time, a CA rotation's next step).
//
// Level-based: the key carries only namespace/name. Errors that a retry can
// fix (API unavailable, conflicts) come back as `error` (the caller requeues
// with backoff). Problems only the user can fix (invalid spec, missing
// issuer, foreign Secret) become a Ready=False condition and a Warning Event,
// and are looked at again only after a change or a backoff of up to five
// minutes, never in a hot loop.
#ifndef CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_
#define CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_

#include <string>

#include "operator/controller/reconciler_deps.h"

namespace certstore::controller {

class CertStoreReconciler {
 public:
  explicit CertStoreReconciler(const ReconcilerDeps& deps) : d_(deps) {}
  // `key` is "namespace/name". Thread-safe for distinct keys.
  ReconcileResult Reconcile(const std::string& key);

 private:
  const ReconcilerDeps& d_;
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_CERTSTORE_RECONCILER_H_
