// ParseObservedStatus and ParseReadyCondition (parse.h): lenient reads of
// what the operator itself wrote into an object's status. The API server's
// JSON goes through json.h; other text (tests, tools) is read as YAML.
#include <cstdlib>

#include "operator/api/json.h"
#include "operator/api/json_node.h"
#include "operator/api/parse.h"
#include "operator/api/yaml_node.h"

namespace certstore::api {
namespace {

// A member's text when it is a scalar, else "".
std::string ScalarOf(const Node& n, const char* key) {
  NodePtr v = n.Get(key);
  return v->IsScalar() ? v->Text() : std::string();
}

int64_t IntegerOf(const Node& n, const char* key) {
  std::string v = ScalarOf(n, key);
  return v.empty() ? 0 : std::strtoll(v.c_str(), nullptr, 10);
}

CaRotation ReadRotation(const Node& rot) {
  CaRotation r;
  r.started_at = ScalarOf(rot, "startedAt");
  r.trust_distributed_at = ScalarOf(rot, "trustDistributedAt");
  r.reissued_at = ScalarOf(rot, "reissuedAt");
  for (const auto& p : rot.Get("previousCAs")->Elements()) {
    NodePtr cert = p->Get("certificate");
    if (!cert->IsScalar()) continue;
    PreviousCa c;
    c.certificate = cert->Text();
    c.fingerprint_sha256 = ScalarOf(*p, "fingerprintSHA256");
    r.previous_cas.push_back(std::move(c));
  }
  for (const auto& w : rot.Get("waitingFor")->Elements())
    if (w->IsScalar()) r.waiting_for.push_back(w->Text());
  r.waiting_count = IntegerOf(rot, "waitingCount");
  return r;
}

ObservedStatus ReadStatus(const Node& root) {
  ObservedStatus out;
  NodePtr st = root.Get("status");
  if (!st->IsObject()) return out;
  out.failed_attempts =
      static_cast<int>(IntegerOf(*st, "failedIssuanceAttempts"));
  out.observed_generation = IntegerOf(*st, "observedGeneration");
  out.revision = IntegerOf(*st, "revision");
  out.renewal_time = ScalarOf(*st, "renewalTime");
  out.not_before = ScalarOf(*st, "notBefore");
  out.not_after = ScalarOf(*st, "notAfter");
  out.fingerprint_sha256 = ScalarOf(*st, "fingerprintSHA256");
  out.serial_number = ScalarOf(*st, "serialNumber");
  out.last_renew_request = ScalarOf(*st, "lastRenewRequest");
  NodePtr trust = st->Get("truststore");
  if (trust->IsObject())
    out.truststore_certificates = IntegerOf(*trust, "certificates");
  out.truststore_earliest_not_after = trust->Get("earliestNotAfter")->Text();
  out.issuer_ca_fingerprint = ScalarOf(*st, "issuerCAFingerprintSHA256");
  for (const auto& f : trust->Get("issuerCAs")->Elements())
    if (f->IsScalar()) out.truststore_issuer_cas.push_back(f->Text());
  out.ca_certificate = ScalarOf(*st, "caCertificate");
  NodePtr rot = st->Get("rotation");
  if (rot->IsObject()) out.rotation = ReadRotation(*rot);
  for (const char* list : {"entries", "dropped"})
    for (const auto& e : st->Get(list)->Elements()) {
      BundleEntryStatus b;
      b.subject = ScalarOf(*e, "subject");
      b.fingerprint_sha256 = ScalarOf(*e, "fingerprintSHA256");
      b.not_after = ScalarOf(*e, "notAfter");
      b.reason = ScalarOf(*e, "reason");
      (list[0] == 'e' ? out.bundle_entries : out.bundle_dropped).push_back(b);
    }
  for (const auto& n : st->Get("namespaces")->Elements())
    if (n->IsScalar()) out.bundle_namespaces.push_back(n->Text());
  for (const auto& n : st->Get("conflicts")->Elements())
    if (n->IsScalar()) out.bundle_conflicts.push_back(n->Text());
  for (const auto& n : st->Get("failures")->Elements())
    if (n->IsScalar()) out.bundle_failures.push_back(n->Text());
  for (const auto& c : st->Get("conditions")->Elements()) {
    NodePtr type = c->Get("type");
    if (!type->IsScalar()) continue;
    ReadyCondition r;
    r.status = c->Get("status")->Text();
    r.reason = c->Get("reason")->Text();
    r.message = c->Get("message")->Text();
    r.last_transition_time = c->Get("lastTransitionTime")->Text();
    if (type->Text() == "Ready") out.ready = r;
    if (type->Text() == "Issuing") out.issuing = r;
  }
  return out;
}

}  // namespace

ObservedStatus ParseObservedStatus(const std::string& object_json) {
  if (StartsLikeJson(object_json)) {
    std::optional<json::Document> doc = json::Document::Parse(object_json);
    if (!doc) return {};
    return ReadStatus(*JsonNode(doc->Root()));
  }
  NodePtr root = LoadYamlDocument(object_json);
  return root ? ReadStatus(*root) : ObservedStatus();
}

std::optional<ReadyCondition> ParseReadyCondition(
    const std::string& object_json) {
  return ParseObservedStatus(object_json).ready;
}

}  // namespace certstore::api
