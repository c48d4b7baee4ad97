// The engine behind both front ends (`kubectl-certstore render` and the
// operator): given a CertStore, its issuer's CA, the objects it refers to
// and the Secret(s) as they are now, compute the Secret(s) as they must be.
//
// It re-uses what is still right: a valid certificate whose identity has not
// changed is kept (same serial); stores whose content is already right are
// kept byte for byte; only what changed is re-issued or re-encoded.
#ifndef CERTSTORE_ENGINE_RENDER_H_
#define CERTSTORE_ENGINE_RENDER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/parse.h"
#include "operator/api/types.h"
#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/engine/issuance_policy.h"
#include "operator/engine/issuer_policy.h"
#include "operator/engine/object_source.h"
#include "operator/engine/reasons.h"
#include "operator/engine/seal.h"
#include "operator/engine/trust_sources.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/ca.h"

namespace certstore::engine {

struct RenderOptions {
  std::string system_bundle_path;  // empty: kDefaultSystemBundle
  // A CA rotation in progress (the issuer's status.rotation): the issuer's
  // previous roots, which `issuer: {}` truststores keep next to the current
  // one; with `hold_previous`, a certificate one of them signed is kept (with
  // its stored chain) instead of being re-issued from the new CA.
  std::vector<X509*> previous_roots;
  bool hold_previous = false;
  // Secrets this process wrote or checked (optional): a current Secret whose
  // bytes are exactly the remembered ones is neither decrypted nor checked
  // again (verified_stores.h).
  const VerifiedStores* verified = nullptr;
  // The operator's seal key (seal.h; optional): each Secret written is
  // sealed, and a CertStore whose Secrets are sealed for exactly the current
  // inputs and `status` (the CertStore's status as last written) is rendered
  // without reading or opening them (sealed_render.h).
  const SealKey* seal = nullptr;
  const api::ObservedStatus* status = nullptr;
  // The issuer's policy (engine/issuer_policy.h), asked right before a
  // certificate is signed, with the key about to be certified. A refusal
  // ends the render with PermissionDenied ("PolicyDenied: ..."): nothing is
  // issued. A kept key (rotationPolicy: Never) that is refused is replaced
  // by a new one first. Unset: no policy applies.
  std::function<PolicyVerdict(EVP_PKEY* key)> authorize;
  // The CertStore is PolicyDenied: its certificate and keystore files stay
  // byte for byte as stored (no issuance, no re-encode, and no main Secret
  // is created when none exists); only truststore files follow their
  // sources, so a CA rotation still reaches the workload's trust.
  bool freeze_keystore = false;
  // Issuances for a renewal request alone (reason Requested) are at least
  // this long after the current certificate's issue; an earlier request
  // waits (decision.recheck_at). A tenant's annotation loop cannot make the
  // operator sign, write and post Events as fast as it can patch.
  std::chrono::seconds renew_request_interval{60};
  // `trustBundle` truststore sources (trust_sources.h); unset: such a
  // source is an error naming it.
  TrustBundleLookup trust_bundles;
};

// What the status of the CertStore reports (no secrets in here).
struct RenderSummary {
  std::optional<TimePoint> not_before, not_after, renewal_time;
  std::string serial_hex;
  std::string fingerprint_sha256;
  int64_t revision = 0;
  int truststore_certificates = 0;
  std::optional<TimePoint> truststore_earliest_not_after;
  std::string warning;  // e.g. notAfter clamped to the CA
  // The issuer root the certificate chains to, and the issuer roots the
  // truststore holds (for a CA rotation to know how far it got).
  std::string issuer_ca_fingerprint;
  std::vector<std::string> truststore_issuer_cas;
  bool held_for_rotation = false;  // certificate from a previous root kept
  // The renewal request (kRenewRequestAnnotation) the certificate answers:
  // the main Secret and status.lastRenewRequest carry it.
  std::string renew_request;
};

struct RenderResult {
  // Desired Secrets: the main one first, then the separate truststore one.
  std::vector<api::SecretObject> secrets;
  IssuanceDecision decision;    // issue == false for truststore-only
  bool reencoded = false;       // stores were (re)written
  std::string reencode_reason;  // why, when reencoded
  RenderSummary summary;
  // spec.export: the ConfigMap as it must be (unset without spec.export, for
  // a truststore-only or frozen CertStore).
  std::optional<api::ConfigMapObject> export_config_map;
  // With RenderOptions::verified: what to remember for each Secret in
  // `secrets` ("ns/name" -> entry) once it is written (or found unchanged).
  std::vector<std::pair<std::string, VerifiedEntry>> verified;
};

// REQUIRES: cs defaulted and validated; ca loaded for cs's issuer.
// `objects` supplies the current Secrets (main and truststore) and the
// trust sources / password Secret from cs's namespace.
// Errors: NotFound for a missing password Secret or trust source (message
// names the field); InvalidArgument for unusable data or a malformed
// renewal request (CheckRenewRequest); PermissionDenied when
// RenderOptions::authorize refuses the issuance (message from the policy);
// Internal for OpenSSL failures. Messages never contain keys or passwords.
StatusOr<RenderResult> RenderCertStore(const api::CertStore& cs,
                                       const pki::CaMaterial& ca,
                                       const ObjectSource& objects,
                                       const Clock& clock,
                                       const RenderOptions& options = {});

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_RENDER_H_
