// Status patches for CertStores and issuers (merge patch on the status
// subresource). Messages must never contain keys or passwords.
#ifndef CERTSTORE_CONTROLLER_STATUS_WRITER_H_
#define CERTSTORE_CONTROLLER_STATUS_WRITER_H_

#include <string>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/controller/store_renderer.h"
#include "operator/kube/client.h"
#include "operator/kube/resource.h"

namespace certstore::controller {

struct Condition {
  std::string status;  // "True" | "False"
  std::string reason;
  std::string message;
};

// Writes status.conditions[Ready] (keeping lastTransitionTime when the status
// value did not change; `previous_json` is the object as cached) and
// observedGeneration, plus `extra` (a JSON object body without braces, may be
// empty) into the status of `r` ns/name.
Status PatchStatus(kube::Client& client, const kube::Resource& r, const std::string& ns,
                   const std::string& name, const std::string& previous_json,
                   int64_t generation, const Condition& ready, const std::string& extra,
                   TimePoint now);

// The CertStore status fields from a render summary (JSON members).
std::string SummaryJson(const RenderSummary& s);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_STATUS_WRITER_H_
