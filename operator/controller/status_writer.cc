#include "operator/controller/status_writer.h"

#include "operator/api/parse.h"
#include "operator/common/time_format.h"
#include "operator/engine/reasons.h"
#include "operator/kube/watch.h"

namespace certstore::controller {
Status PatchStatus(kube::Client& client, const kube::Resource& r,
                   const std::string& ns, const std::string& name,
                   const api::ObservedStatus& prev,
                   const std::string& resource_version, int64_t generation,
                   const StatusUpdate& u, TimePoint now) {
  json::Writer w;
  auto condition = [&](const char* type, const Condition& c,
                       const std::optional<api::ReadyCondition>& before) {
    std::string transition = FormatRfc3339(now);
    if (before && before->status == c.status &&
        !before->last_transition_time.empty())
      transition = before->last_transition_time;
    w.BeginObject()
        .Field("type", type)
        .Field("status", c.status)
        .Field("reason", c.reason)
        .Field("message", c.message)
        .Field("lastTransitionTime", transition)
        .Field("observedGeneration", generation)
        .EndObject();
  };
  w.BeginObject();
  // The status was computed from the cached object: if the object changed
  // since (another writer, or a cache behind our own last write), the
  // server answers 409 and the reconcile runs again on fresh data.
  if (!resource_version.empty())
    w.Key("metadata")
        .BeginObject()
        .Field("resourceVersion", resource_version)
        .EndObject();
  w.Key("status").BeginObject().Field("observedGeneration", generation);
  w.Key("conditions").BeginArray();
  condition(engine::kConditionReady, u.ready, prev.ready);
  if (u.issuing) condition(engine::kConditionIssuing, *u.issuing, prev.issuing);
  w.EndArray();
  if (u.failed_attempts > 0) {
    w.Field("failedIssuanceAttempts", u.failed_attempts)
        .Field("lastFailureTime", FormatRfc3339(now));
  } else {
    w.Key("failedIssuanceAttempts").Null().Key("lastFailureTime").Null();
  }
  if (u.extra) u.extra(w);
  std::string body = w.EndObject().EndObject().Take();
  auto st = client.Patch(r, ns, name, kube::PatchType::kMerge, body, "status");
  return st.ok() ? OkStatus() : st.status();
}

void WriteSummary(json::Writer& w, const engine::RenderSummary& s) {
  if (s.not_before) w.Field("notBefore", FormatRfc3339(*s.not_before));
  if (s.not_after) w.Field("notAfter", FormatRfc3339(*s.not_after));
  if (s.renewal_time) w.Field("renewalTime", FormatRfc3339(*s.renewal_time));
  if (!s.serial_hex.empty()) w.Field("serialNumber", s.serial_hex);
  if (!s.fingerprint_sha256.empty())
    w.Field("fingerprintSHA256", s.fingerprint_sha256);
  w.Field("revision", s.revision);
  // Null removes a stale value (the status is merge-patched).
  if (s.renew_request.empty())
    w.Key("lastRenewRequest").Null();
  else
    w.Field("lastRenewRequest", s.renew_request);
  if (!s.issuer_ca_fingerprint.empty())
    w.Field("issuerCAFingerprintSHA256", s.issuer_ca_fingerprint);
  if (s.truststore_certificates > 0) {
    w.Key("truststore")
        .BeginObject()
        .Field("certificates", s.truststore_certificates)
        .StringArray("issuerCAs", s.truststore_issuer_cas);
    if (s.truststore_earliest_not_after)
      w.Field("earliestNotAfter",
              FormatRfc3339(*s.truststore_earliest_not_after));
    w.EndObject();
  }
}

}  // namespace certstore::controller
