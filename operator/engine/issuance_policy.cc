#include "operator/engine/issuance_policy.h"

#include <cctype>
#include <string_view>

#include "operator/api/hash.h"
#include "operator/common/time_format.h"
#include "operator/engine/conversions.h"
#include "operator/engine/renewal.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"

namespace certstore::engine {
namespace {

using Check = IssuanceDecision (*)(const CurrentCertificate&,
                                   const api::CertStore&,
                                   const pki::CaMaterial&, TimePoint,
                                   const std::vector<X509*>&);

bool Issued(X509* issuer, X509* subject) {
  return pki::SignedBy(subject, issuer);
}

IssuanceDecision Keep() {
  return {false, kReasonUpToDate, "certificate is up to date"};
}

IssuanceDecision KeyMatches(const CurrentCertificate& c, const api::CertStore&,
                            const pki::CaMaterial&, TimePoint,
                            const std::vector<X509*>&) {
  if (!pki::KeyMatchesCertificate(c.key.get(), c.cert.get()))
    return {true, kReasonKeyMismatch,
            "the stored private key does not match the stored certificate"};
  return Keep();
}

IssuanceDecision SignedByIssuer(const CurrentCertificate& c,
                                const api::CertStore&,
                                const pki::CaMaterial& ca, TimePoint,
                                const std::vector<X509*>& held_roots) {
  if (!Issued(ca.cert.get(), c.cert.get()) &&
      SigningRoot(c, held_roots) == nullptr)
    return {true, kReasonIssuerChanged,
            "the stored certificate was not signed by the current CA \"" +
                pki::SubjectText(ca.cert.get()) + "\""};
  return Keep();
}

IssuanceDecision SameIdentity(const CurrentCertificate& c,
                              const api::CertStore& cs, const pki::CaMaterial&,
                              TimePoint, const std::vector<X509*>&) {
  if (c.identity_hash != api::IdentityHash(cs))
    return {true, kReasonSpecChanged,
            "names, usages, key parameters, duration or issuer changed"};
  auto want = ToKeySpec(cs.spec.keystore->private_key);
  auto have = pki::DescribeKey(c.key.get());
  if (!want.ok() || !have.ok() || !(*want == *have))
    return {true, kReasonSpecChanged, "the private key type or size changed"};
  return Keep();
}

IssuanceDecision StillValid(const CurrentCertificate& c,
                            const api::CertStore& cs, const pki::CaMaterial&,
                            TimePoint now, const std::vector<X509*>&) {
  TimePoint nb = pki::NotBefore(c.cert.get()), na = pki::NotAfter(c.cert.get());
  if (now >= na)
    return {true, kReasonExpired,
            "the certificate expired at " + FormatRfc3339(na)};
  TimePoint renew = JitteredRenewalTime(nb, na, *cs.spec.keystore,
                                        pki::FingerprintSha256(c.cert.get()));
  if (now >= renew)
    return {true, kReasonRenewal,
            "renewal time " + FormatRfc3339(renew) + " reached"};
  return Keep();
}

IssuanceDecision Requested(const CurrentCertificate& c,
                           const api::CertStore& cs, const pki::CaMaterial&,
                           TimePoint, const std::vector<X509*>&) {
  std::string want = RenewRequest(cs);
  if (want.empty() || want == c.renew_request) return Keep();
  return {true, kReasonRequested,
          std::string("renewal requested (annotation ") +
              kRenewRequestAnnotation + ")"};
}

}  // namespace

std::string RenewRequest(const api::CertStore& cs) {
  auto it = cs.metadata.annotations.find(kRenewRequestAnnotation);
  if (it == cs.metadata.annotations.end() ||
      !CheckRenewRequest(it->second).ok())
    return "";
  return it->second;
}

std::string RenewRequestProblem(const api::CertStore& cs) {
  auto it = cs.metadata.annotations.find(kRenewRequestAnnotation);
  if (it == cs.metadata.annotations.end()) return "";
  Status st = CheckRenewRequest(it->second);
  return st.ok() ? "" : std::string(st.message()) + "; the request is ignored";
}

Status CheckRenewRequest(const std::string& value) {
  bool ok = value.size() <= 64;
  for (char ch : value)
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) ||
                std::string_view("._:+-").find(ch) != std::string_view::npos);
  if (ok) return OkStatus();
  return InvalidArgumentError(
      std::string("metadata.annotations[") + kRenewRequestAnnotation +
      "]: must be 1-64 characters of A-Z a-z 0-9 . _ : + - (kubectl "
      "certstore renew writes the current time)");
}

X509* SigningRoot(const CurrentCertificate& c,
                  const std::vector<X509*>& roots) {
  for (X509* root : roots) {
    if (Issued(root, c.cert.get())) return root;
    for (const auto& mid : c.chain)
      if (!pki::SameCertificate(mid.get(), root) && Issued(root, mid.get()) &&
          Issued(mid.get(), c.cert.get()))
        return root;
  }
  return nullptr;
}

IssuanceDecision DecideIssuance(const CurrentCertificate* current,
                                bool secret_existed, const api::CertStore& cs,
                                const pki::CaMaterial& ca, TimePoint now,
                                const std::vector<X509*>& held_roots) {
  if (current == nullptr) {
    if (secret_existed)
      return {true, kReasonMissing,
              "the Secret holds no readable certificate and key"};
    return {true, kReasonInitial, "no certificate issued yet"};
  }
  static constexpr Check kChecks[] = {KeyMatches, SignedByIssuer, SameIdentity,
                                      StillValid, Requested};
  for (Check check : kChecks) {
    IssuanceDecision d = check(*current, cs, ca, now, held_roots);
    if (d.issue) return d;
  }
  return Keep();
}

}  // namespace certstore::engine
