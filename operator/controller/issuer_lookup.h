// Finding and checking the issuer a CertStore (or an issuer's own
// reconcile) names, and the small helpers both reconcilers share.
#ifndef CERTSTORE_CONTROLLER_ISSUER_LOOKUP_H_
#define CERTSTORE_CONTROLLER_ISSUER_LOOKUP_H_

#include <optional>
#include <string>
#include <utility>

#include "operator/api/parse.h"
#include "operator/api/types.h"
#include "operator/controller/reconciler_deps.h"
#include "operator/controller/status_writer.h"
#include "operator/engine/issuer_policy.h"

namespace certstore::controller {

// "ns/name" -> {ns, name}; "name" -> {"", name}.
std::pair<std::string, std::string> SplitKey(const std::string& key);

struct IssuerLookup {
  std::optional<api::Issuer> issuer;  // defaulted; uid, generation as cached
  api::ObservedStatus status;         // the issuer's (CA rotation state)
  std::string ca_namespace;           // where its CA Secret lives
  Condition problem;                  // Ready=False when !issuer
  // An intermediate CertIssuer under a ClusterCertIssuer: that parent
  // (defaulted), whose policy also governs what the operator signs with
  // the intermediate.
  std::optional<api::Issuer> governing_parent;
};

// The issuer `ref` names from namespace `ns`, from the caches: parsed,
// defaulted and validated. A problem (IssuerNotFound, IssuerNotReady, or
// PolicyDenied for a CertIssuer naming a ClusterCertIssuer's CA Secret)
// comes back as `problem`. For an intermediate CertIssuer whose parent is a
// ClusterCertIssuer, that parent is looked up too (governing_parent); a
// missing or invalid parent is IssuerNotReady.
IssuerLookup FindIssuer(const ReconcilerDeps& d, const api::IssuerRef& ref,
                        const std::string& ns);

// The ClusterCertIssuer whose CA Secret ns/name is, or "" when none. Such a
// Secret is the cluster's trust anchor: no CertIssuer and no CertStore may
// read it, or its key would sign outside the ClusterCertIssuer's policy.
std::string ClusterIssuerUsing(const ReconcilerDeps& d, const std::string& ns,
                               const std::string& name);

// The root an issuer's status records, as the fingerprint a person would
// quote back (engine::kAcceptNewRootAnnotation); empty when none is recorded.
// The issuer's namespaceSelector on namespace `ns`, with its labels as the
// namespace cache holds them (none when it is not cached).
engine::PolicyVerdict NamespaceVerdict(const ReconcilerDeps& d,
                                       const api::Issuer& issuer,
                                       const std::string& ns);

std::string RecordedRoot(const api::ObservedStatus& st);

// Retries of problems a user must fix: 5 s, doubling, at most 5 minutes
// (attempts counts from 1). A change to the object or to anything it reads
// triggers a reconcile at once, so the cap only bounds how stale a silent
// fix can be.
std::chrono::seconds FailureBackoff(int attempts);
ReconcileResult RetryAfterFailure(int attempts);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_ISSUER_LOOKUP_H_
