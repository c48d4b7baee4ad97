#include "operator/controller/status_writer.h"

#include "operator/api/parse.h"
#include "operator/common/time_format.h"
#include "operator/engine/reasons.h"
#include "operator/kube/watch.h"

namespace certstore::controller {
namespace {
using kube::JsonQuote;
}  // namespace

Status PatchStatus(kube::Client& client, const kube::Resource& r,
                   const std::string& ns, const std::string& name,
                   const std::string& previous_json, int64_t generation,
                   const StatusUpdate& u, TimePoint now) {
  api::ObservedStatus prev = api::ParseObservedStatus(previous_json);
  auto condition = [&](const char* type, const Condition& c,
                       const std::optional<api::ReadyCondition>& before) {
    std::string transition = FormatRfc3339(now);
    if (before && before->status == c.status &&
        !before->last_transition_time.empty())
      transition = before->last_transition_time;
    return std::string("{\"type\":") + JsonQuote(type) +
           ",\"status\":" + JsonQuote(c.status) +
           ",\"reason\":" + JsonQuote(c.reason) +
           ",\"message\":" + JsonQuote(c.message) +
           ",\"lastTransitionTime\":" + JsonQuote(transition) +
           ",\"observedGeneration\":" + std::to_string(generation) + "}";
  };
  std::string conditions =
      condition(engine::kConditionReady, u.ready, prev.ready);
  if (u.issuing)
    conditions +=
        "," + condition(engine::kConditionIssuing, *u.issuing, prev.issuing);
  std::string failures =
      u.failed_attempts > 0
          ? ",\"failedIssuanceAttempts\":" + std::to_string(u.failed_attempts) +
                ",\"lastFailureTime\":" + JsonQuote(FormatRfc3339(now))
          : ",\"failedIssuanceAttempts\":null,\"lastFailureTime\":null";
  // The status was computed from `previous_json`: if the object changed
  // since (another writer, or a cache behind our own last write), the
  // server answers 409 and the reconcile runs again on fresh data.
  auto meta = kube::ParseObjectMeta(previous_json);
  std::string precondition = meta.ok() && !meta->resource_version.empty()
                                 ? "\"metadata\":{\"resourceVersion\":" +
                                       JsonQuote(meta->resource_version) + "},"
                                 : "";
  std::string body =
      "{" + precondition +
      "\"status\":{\"observedGeneration\":" + std::to_string(generation) +
      ",\"conditions\":[" + conditions + "]" + failures +
      (u.extra.empty() ? "" : "," + u.extra) + "}}";
  auto st = client.Patch(r, ns, name, kube::PatchType::kMerge, body, "status");
  return st.ok() ? OkStatus() : st.status();
}

std::string SummaryJson(const engine::RenderSummary& s) {
  std::string out;
  auto add = [&out](const std::string& k, const std::string& v) {
    out += (out.empty() ? "" : ",") + JsonQuote(k) + ":" + v;
  };
  if (s.not_before) add("notBefore", JsonQuote(FormatRfc3339(*s.not_before)));
  if (s.not_after) add("notAfter", JsonQuote(FormatRfc3339(*s.not_after)));
  if (s.renewal_time)
    add("renewalTime", JsonQuote(FormatRfc3339(*s.renewal_time)));
  if (!s.serial_hex.empty()) add("serialNumber", JsonQuote(s.serial_hex));
  if (!s.fingerprint_sha256.empty())
    add("fingerprintSHA256", JsonQuote(s.fingerprint_sha256));
  add("revision", std::to_string(s.revision));
  if (!s.issuer_ca_fingerprint.empty())
    add("issuerCAFingerprintSHA256", JsonQuote(s.issuer_ca_fingerprint));
  if (s.truststore_certificates > 0) {
    std::string ts =
        "{\"certificates\":" + std::to_string(s.truststore_certificates);
    ts += ",\"issuerCAs\":[";
    for (size_t i = 0; i < s.truststore_issuer_cas.size(); ++i)
      ts += (i ? "," : "") + JsonQuote(s.truststore_issuer_cas[i]);
    ts += "]";
    if (s.truststore_earliest_not_after)
      ts += ",\"earliestNotAfter\":" +
            JsonQuote(FormatRfc3339(*s.truststore_earliest_not_after));
    add("truststore", ts + "}");
  }
  return out;
}

}  // namespace certstore::controller
