// Whether a CertStore needs a new certificate: an ordered chain of small
// checks (as cert-manager's policies), the first that fires wins. Its reason
// feeds the status condition, the Event and the issuance metric.
#ifndef CERTSTORE_ENGINE_ISSUANCE_POLICY_H_
#define CERTSTORE_ENGINE_ISSUANCE_POLICY_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/engine/reasons.h"
#include "operator/pki/ca.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::engine {

// The certificate currently stored for a CertStore.
struct CurrentCertificate {
  pki::EvpPkeyPtr key;
  pki::X509Ptr cert;
  std::vector<pki::X509Ptr>
      chain;                  // stored after the leaf (intermediates, root)
  std::string identity_hash;  // from the Secret's annotation; may be empty
  // The renewal request the certificate answered (the Secret's
  // kRenewRequestAnnotation); may be empty.
  std::string renew_request;
};

struct IssuanceDecision {
  IssuanceDecision() = default;
  IssuanceDecision(bool i, std::string r, std::string m)
      : issue(i), reason(std::move(r)), message(std::move(m)) {}
  bool issue = false;
  std::string reason;
  std::string message;
  // Not issuing now, but look again then (a renewal request waiting for
  // RenderOptions::renew_request_interval).
  std::optional<TimePoint> recheck_at;
};

// REQUIRES: cs defaulted and validated, cs.spec.keystore set.
// `secret_existed` distinguishes Initial from CertificateMissing.
// `held_roots`: during a CA rotation, the issuer's previous roots whose
// certificates are kept until every truststore trusts the new root; a
// certificate that chains to one of them does not count as IssuerChanged
// (the other checks still apply). Renewal uses JitteredRenewalTime. A
// renewal request (RenewRequest(cs)) the stored certificate has not answered
// is the last check (reason Requested); the render paces it
// (RenderOptions::renew_request_interval).
IssuanceDecision DecideIssuance(const CurrentCertificate* current,
                                bool secret_existed, const api::CertStore& cs,
                                const pki::CaMaterial& ca, TimePoint now,
                                const std::vector<X509*>& held_roots = {});

// The CertStore's kRenewRequestAnnotation value; "" when it has none or
// the value is malformed (a malformed request is no request; see
// RenewRequestProblem).
std::string RenewRequest(const api::CertStore& cs);
// InvalidArgument naming the annotation unless `value` is "" or 1-64
// characters of A-Z a-z 0-9 . _ : + - (the value is never quoted back: it
// is a tenant's text).
Status CheckRenewRequest(const std::string& value);
// What is wrong with the CertStore's renewal request ("" when nothing):
// reported with Ready, never a reason to stop a render.
std::string RenewRequestProblem(const api::CertStore& cs);

// The root in `roots` that signed the stored certificate, directly or
// through an intermediate stored after it; nullptr when none did.
X509* SigningRoot(const CurrentCertificate& c, const std::vector<X509*>& roots);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_ISSUANCE_POLICY_H_
