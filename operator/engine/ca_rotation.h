// CA rotation without a broken handshake (DESIGN.md). When an issuer's root
// changes, (1) every truststore that trusts the issuer keeps the previous
// root next to the new one; (2) once every Ready truststore holds the new
// root, and a propagation delay later (kubelet refreshes Secret volumes
// late), certificates are re-issued from the new CA; (3) once every Ready
// CertStore holds a certificate from the new CA, and the delay again, the
// previous roots leave the truststores. The state lives in the issuer's
// status.rotation; status.caCertificate records the root it was written for.
#ifndef CERTSTORE_ENGINE_CA_ROTATION_H_
#define CERTSTORE_ENGINE_CA_ROTATION_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/common/clock.h"
#include "operator/engine/reasons.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::engine {

// What a CertStore using the issuer reports (from its spec and status).
struct RotationMember {
  std::string name;    // "ns/name", for messages
  bool ready = false;  // Ready=True
  // Ready=False only because its Secret cannot be written (SecretWriteFailed):
  // still waited for, up to the member deadline, since its workload would
  // lose trust if the rotation went on at once. Other not-Ready members
  // (invalid, PolicyDenied, ...) never hold a rotation up.
  bool write_failing = false;
  bool trusts_issuer = false;  // a truststore with an `issuer: {}` source
  bool has_keystore = false;
  std::vector<std::string>
      truststore_issuer_cas;          // status.truststore.issuerCAs
  std::string issuer_ca_fingerprint;  // status.issuerCAFingerprintSHA256
};

// One step of the issuer's rotation state machine.
struct RotationStep {
  std::optional<api::CaRotation> rotation;  // nullopt: no rotation in progress
  std::string event_reason,
      event_message;  // a Normal Event on the issuer, if set
  // A Warning Event on the issuer, if set: the members the rotation waits
  // for changed, or it went on without them.
  std::string warning_reason, warning_message;
  std::string progress;  // for the issuer's Ready message
  std::optional<std::chrono::seconds> recheck;  // look again after this
};

// How long a rotation step waits for members, and whether an administrator
// asked it to go on now.
struct RotationLimits {
  std::chrono::seconds propagation_delay{60};
  // A step (trust distribution; re-issuance) waits at most this long for
  // Ready members that lag, then goes on without them: one tenant's broken
  // CertStore cannot hold everyone else's rotation hostage. Trust
  // distribution waits less when a previous root would otherwise expire
  // before certificates move to the new CA: never past its notAfter less
  // two propagation delays and 10 minutes.
  std::chrono::seconds member_deadline{3600};
  bool proceed_now = false;  // kRotationProceedAnnotation matches startedAt
};

// Advances the rotation recorded in `prev` (the issuer's status as cached)
// for the issuer's current root `root`. Starts one when
// prev.ca_certificate is a different root. Pure: no I/O.
RotationStep AdvanceRotation(const api::ObservedStatus& prev, X509* root,
                             const std::vector<RotationMember>& members,
                             TimePoint now, const RotationLimits& limits);
inline RotationStep AdvanceRotation(const api::ObservedStatus& prev, X509* root,
                                    const std::vector<RotationMember>& members,
                                    TimePoint now,
                                    std::chrono::seconds propagation_delay) {
  RotationLimits limits;
  limits.propagation_delay = propagation_delay;
  return AdvanceRotation(prev, root, members, now, limits);
}

// Writes the status member "rotation": {...}, or "rotation": null (in a
// merge patch: removes it), into the object `w` is writing.
void WriteRotation(json::Writer& w,
                   const std::optional<api::CaRotation>& rotation);
// {"rotation": ...} as WriteRotation writes it (to compare rotations).
std::string RotationJson(const std::optional<api::CaRotation>& rotation);

// What a CertStore reconcile takes from its issuer's status: the previous
// roots its `issuer: {}` truststore still holds, and whether a certificate
// one of them signed is kept for now (`hold`, until `hold_until` when
// known). A root change the issuer's reconciler has not recorded yet
// (status.caCertificate differs from `root`) already counts: nothing is
// re-issued from a new CA before truststores trust it.
struct PreviousRoots {
  std::vector<pki::X509Ptr> roots;
  bool hold = false;
  std::optional<TimePoint> hold_until;
};
PreviousRoots PreviousRootsFor(const api::ObservedStatus& issuer_status,
                               X509* root, TimePoint now,
                               std::chrono::seconds propagation_delay);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_CA_ROTATION_H_
