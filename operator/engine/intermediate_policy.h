// What an intermediate CA may be, given its parent issuer (DESIGN.md
// "Tenancy"): a CertIssuer's intermediate signed by a ClusterCertIssuer has
// its key in a tenant's namespace, where the operator cannot enforce the
// ClusterCertIssuer's policy on what that key signs. So the certificate
// itself carries the boundary: pathLen 0 (no further CAs) and name
// constraints that admit only the names the policy gives that namespace.
//
// Name constraints bind suffixes (a DNS subtree admits every name below
// it), while the policy's patterns match exact label counts. A pattern is
// therefore granted only when its subtree stays inside the namespace's own
// names, and refused (the intermediate is not issued) otherwise:
//   dnsNames / wildcardDnsNames: leading "*" and "$(name)" labels, then a
//     suffix of literals holding "$(namespace)": "*.$(namespace).svc"
//     grants the subtree "team-a.svc". Refused: a "*" or "$(name)" after a
//     literal ("api.*.example.com"), or a suffix without "$(namespace)"
//     ("*.svc.cluster.local" would grant every tenant's names), or
//     "$(namespace)" as the last label (a top-level subtree).
//   Also refused: a namespace whose name equals a fixed label of any
//   pattern (a namespace "svc" under "*.$(namespace).svc.cluster.local"
//   would get "svc.svc.cluster.local", next to every tenant's names), and a
//   pattern whose fixed labels after "$(namespace)" end with another
//   pattern's ("*.$(namespace).x.example.com" beside
//   "*.$(namespace).example.com": namespace "x"'s names would lie in every
//   subtree of the first).
//   uris: scheme://host/...: the host must be literal and hold
//     "$(namespace)" (a URI constraint binds the host, never the path, so
//     "spiffe://cluster.local/ns/$(namespace)/..." is refused).
//   emailAddresses: local@domain: the domain must be literal and hold
//     "$(namespace)".
//   ipAddresses: each CIDR as it is.
// A name form the policy does not allow is closed (pki::NameConstraints).
// Not expressible, and so not bound for what the tenant signs itself: a
// common name that is not a host name, and the other subject attributes.
#ifndef CERTSTORE_ENGINE_INTERMEDIATE_POLICY_H_
#define CERTSTORE_ENGINE_INTERMEDIATE_POLICY_H_

#include <optional>
#include <string>

#include "operator/api/types.h"
#include "operator/common/status.h"
#include "operator/engine/issuer_policy.h"
#include "operator/pki/intermediate.h"

namespace certstore::engine {

// What the intermediate's certificate must carry.
struct IntermediateGrant {
  // Asked for; never more than the parent's own pathLen allows
  // (EffectivePathLen).
  std::optional<int> path_len;
  std::optional<pki::NameConstraints> name_constraints;
  // The parent's spec.policy.maxDuration: a longer-lived intermediate
  // (after the policy tightened) is re-issued.
  std::optional<std::chrono::seconds> max_duration;
};

// The pathLenConstraint an intermediate under `parent_cert` carries:
// grant.path_len, at most the parent's pathLen minus one.
std::optional<int> EffectivePathLen(const IntermediateGrant& grant,
                                    X509* parent_cert);

// The name constraints `policy` grants namespace `ns`, or
// PermissionDenied naming the first pattern that cannot be expressed
// (its field path and why).
StatusOr<pki::NameConstraints> DeriveNameConstraints(
    const api::IssuerPolicy& policy, const std::string& ns);

// May `parent` sign `child`'s intermediate (child.spec.intermediate set,
// both defaulted and validated)? `verdict` is the parent's namespace check
// for the child's namespace (CheckNamespace; ignored for a cluster child).
// Denied when:
//   - the parent is a ClusterCertIssuer and the child a CertIssuer, and
//     the namespace is not served, or spec.policy.allowIntermediates is not
//     true, or the child's duration exceeds spec.policy.maxDuration, or a
//     pattern cannot become a name constraint;
//   - the parent is a CertIssuer in another namespace.
// The grant: under a ClusterCertIssuer for a CertIssuer, pathLen 0 and the
// derived constraints; otherwise the child's spec.intermediate.pathLength
// (default 0) and no name constraints.
StatusOr<IntermediateGrant> GrantIntermediate(const api::Issuer& parent,
                                              const api::Issuer& child,
                                              const PolicyVerdict& verdict);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_INTERMEDIATE_POLICY_H_
