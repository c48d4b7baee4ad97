// Status patches for CertStores and issuers (merge patch on the status
// subresource). Messages must never contain keys or passwords.
#ifndef CERTSTORE_CONTROLLER_STATUS_WRITER_H_
#define CERTSTORE_CONTROLLER_STATUS_WRITER_H_

#include <functional>
#include <optional>
#include <string>

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/engine/render.h"
#include "operator/kube/client.h"
#include "operator/kube/resource.h"

namespace certstore::controller {

struct Condition {
  std::string status;  // "True" | "False"
  std::string reason;
  std::string message;
};

struct StatusUpdate {
  Condition ready;
  // CertStores: True while the stores the spec asks for are not yet written
  // (an issuance or re-encode keeps failing), False once they are.
  std::optional<Condition> issuing;
  // Consecutive failed attempts; 0 removes failedIssuanceAttempts and
  // lastFailureTime, >0 writes them (lastFailureTime = now).
  int failed_attempts = 0;
  // Writes more status members into the status object (optional).
  std::function<void(json::Writer&)> extra;
};

// Writes the conditions (keeping each one's lastTransitionTime when its
// status value did not change; `previous` is the status as cached),
// observedGeneration and the rest of `update` into the status of `r` ns/name.
// The patch carries `resource_version` (the cached object's; none when
// empty) as a precondition: Aborted (409) when the object changed since.
Status PatchStatus(kube::Client& client, const kube::Resource& r,
                   const std::string& ns, const std::string& name,
                   const api::ObservedStatus& previous,
                   const std::string& resource_version, int64_t generation,
                   const StatusUpdate& update, TimePoint now);

// Writes the CertStore status members of a render summary.
void WriteSummary(json::Writer& w, const engine::RenderSummary& s);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_STATUS_WRITER_H_
