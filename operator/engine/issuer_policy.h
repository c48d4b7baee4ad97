// An issuer's spec.policy applied to a CertStore (DESIGN.md "Tenancy"): who
// may use the issuer, and for which identities. The operator and
// `kubectl-certstore render` call the same functions on the defaulted spec
// and on the key about to be certified, so one rule set decides.
//
// Which policy applies:
//   - ClusterCertIssuer: always. Without spec.policy, or without
//     spec.policy.namespaceSelector, it serves no namespace.
//   - CertIssuer: only when it has spec.policy (its key lives in its own
//     namespace, so without one it serves any identity there).
// Identity lists are allow-lists (omitted: nothing allowed); a common name
// that reads as a DNS name or an IP must also pass those rules, because
// Java's hostname check falls back to the CN when there is no SAN.
#ifndef CERTSTORE_ENGINE_ISSUER_POLICY_H_
#define CERTSTORE_ENGINE_ISSUER_POLICY_H_

#include <map>
#include <string>

#include "operator/api/types.h"
#include "operator/engine/reasons.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::engine {

struct PolicyVerdict {
  bool allowed = true;
  // The spec.policy field that refused, for metrics and scripts:
  // "namespaceSelector", "dnsNames", "ipAddresses", "uris",
  // "emailAddresses", "commonNames", "subject", "usages", "maxDuration",
  // "privateKey". Empty when allowed.
  std::string field;
  // For the condition and Event: the issuer, the field path, the requested
  // value and the rule it broke. Never holds key material.
  std::string message;
};

// The policy that governs `issuer`, or nullptr when none does (a CertIssuer
// without spec.policy). A ClusterCertIssuer without spec.policy gets an
// empty policy, which allows nothing.
const api::IssuerPolicy* EffectivePolicy(const api::Issuer& issuer);

// May CertStores in namespace `ns` use `issuer` at all? `labels` are the
// namespace's labels, or nullptr when unknown (not readable, not found):
// then a ClusterCertIssuer denies. Always allowed for a CertIssuer (the
// caller only resolves CertIssuers in the CertStore's own namespace).
PolicyVerdict CheckNamespace(const api::Issuer& issuer, const std::string& ns,
                             const std::map<std::string, std::string>* labels);

// The identities and constraints a CertStore requests.
// REQUIRES: cs defaulted and validated, cs.spec.keystore set.
PolicyVerdict CheckCertStore(const api::Issuer& issuer,
                             const api::CertStore& cs);

// The key about to be certified: algorithm, curve, size, RSA exponent.
PolicyVerdict CheckKey(const api::Issuer& issuer, EVP_PKEY* key);

// "ClusterCertIssuer lab-root-ca" / "CertIssuer team-a/corp".
std::string IssuerDisplayName(const api::Issuer& issuer);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_ISSUER_POLICY_H_
