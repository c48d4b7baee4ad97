// Intermediate CA certificates: a CA signed by another CA, with a path
// length and name constraints.
#ifndef CERTSTORE_PKI_INTERMEDIATE_H_
#define CERTSTORE_PKI_INTERMEDIATE_H_

#include <optional>
#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/pki/ca.h"
#include "operator/pki/certificate_spec.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

// RFC 5280 name constraints as permitted subtrees, per name form. A form
// with no entry is closed, not open: DNS names, emails and URIs get a
// permitted subtree under the reserved domain kClosedSubtree (no real name
// lies there), IP addresses an excluded 0.0.0.0/0 and ::/0. So a CA under
// these constraints can certify exactly the names listed and nothing else
// of these four forms (and, in OpenSSL and Java, no hostname-like common
// name outside `dns` either: both check such a CN when there is no SAN).
struct NameConstraints {
  // dNSName subtrees: "team-a.svc.cluster.local" permits that name and
  // every name below it.
  std::vector<std::string> dns;
  // iPAddress ranges as CIDR text ("10.1.0.0/16", "fd00::/8").
  std::vector<std::string> ip_ranges;
  // rfc822Name: a host ("team-a.example.com": any mailbox there).
  std::vector<std::string> email_hosts;
  // uniformResourceIdentifier: a host ("team-a.example.com").
  std::vector<std::string> uri_hosts;
};

inline constexpr char kClosedSubtree[] = "names-not-permitted.invalid";

struct IntermediateSpec {
  DistinguishedName subject;
  std::chrono::seconds duration{std::chrono::hours(2160)};
  // pathLenConstraint; nullopt: none.
  std::optional<int> path_len;
  // nullopt: no nameConstraints extension.
  std::optional<NameConstraints> name_constraints;
};

// Issues an intermediate CA for `key` (shared), signed by `parent`:
// basicConstraints CA:TRUE with spec.path_len (critical), keyUsage
// keyCertSign+cRLSign only (critical: no TLS peer accepts the CA itself as
// an end-entity certificate), nameConstraints
// (critical) when asked, SKI/AKI, a random serial; notBefore as for a leaf,
// notAfter clamped to the parent's. The result's chain is the parent and
// its chain. InvalidArgument for an empty CN, a subject equal to the
// parent's, a bad duration or a malformed constraint; FailedPrecondition when
// the parent has expired or its own pathLenConstraint is 0.
StatusOr<CaMaterial> IssueIntermediateCa(const CaMaterial& parent,
                                         const IntermediateSpec& spec,
                                         EVP_PKEY* key, const Clock& clock);

// The DER of `c`'s nameConstraints extension value, or "" when it has
// none; and the DER `constraints` would encode to (IssueIntermediateCa
// writes exactly this), to tell whether a certificate carries them.
std::string NameConstraintsDer(X509* c);
StatusOr<std::string> EncodeNameConstraints(const NameConstraints& nc);

// `c`'s pathLenConstraint: -1 when it has none (or is no CA).
int PathLenConstraint(X509* c);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_INTERMEDIATE_H_
