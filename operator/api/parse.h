// Parsing CertStore / CertIssuer / ClusterCertIssuer / Secret / ConfigMap
// objects from YAML or JSON.
//
// Text whose first non-whitespace byte is '{' is JSON (what the API server
// sends) and is read through api/json.h, never yaml-cpp: JSON types are
// explicit, so a number or boolean where a string belongs is an error ("must
// be a string, got an integer"), and so is a string where an integer or a
// boolean belongs; null is absent. Anything else is YAML (yaml-cpp, only in
// yaml_node.cc), read as kubectl reads it. Both go through one walker, with
// the same paths and messages.
//
// Parsing checks structure only: known fields, the right shapes (string, list,
// object, integer). Unknown fields are errors, as with kubectl's strict field
// validation, and so is an unquoted scalar that kubectl's YAML 1.1 reading
// makes a number or boolean (`123`, `yes`, `NO`) where a string belongs.
// Defaults and semantic rules are separate (defaults.h, validate.h). Errors are
// InvalidArgument listing "path: message" for every problem found; they never
// echo Secret data.
#ifndef CERTSTORE_API_PARSE_H_
#define CERTSTORE_API_PARSE_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/status.h"

namespace certstore::api {

struct Document {
  int index = 0;     // 1-based position in the stream
  std::string kind;  // "CertStore", "CertIssuer", ...
  std::variant<CertStore, Issuer, SecretObject, ConfigMapObject,
               NamespaceObject, TrustBundle>
      object;
};

// Parses every non-empty document of a YAML stream ("---" separated), or
// the one object of a JSON text. Kinds other than the kinds above are errors
// ("document 3: kind Deployment is not supported"). Errors are prefixed
// "document N (Kind/name)". A text starting with '{' that is not valid JSON
// is read as YAML (a flow-style manifest, "{kind: CertStore, ...}"), with
// YAML's errors.
StatusOr<std::vector<Document>> ParseDocuments(const std::string& text);

// Parses exactly one object of the given kind (for the operator, which
// receives JSON from the API server). `text` may be YAML or JSON; text
// starting with '{' is JSON only (invalid JSON is an error "JSON at byte N:
// ...", never retried as YAML), so these never reach yaml-cpp for what the
// API server sends.
StatusOr<CertStore> ParseCertStore(const std::string& text);
StatusOr<Issuer> ParseIssuer(const std::string& text);
StatusOr<TrustBundle> ParseTrustBundle(const std::string& text);
StatusOr<SecretObject> ParseSecret(const std::string& text);
StatusOr<NamespaceObject> ParseNamespace(const std::string& text);
StatusOr<ConfigMapObject> ParseConfigMap(const std::string& text);
// A metadata-only list response (PartialObjectMetadataList, JSON only): the
// items' metadata and the continue token ("" on the last page).
struct MetadataList {
  std::vector<ObjectMeta> items;
  std::string continue_token;
};
StatusOr<MetadataList> ParseMetadataList(const std::string& text);
// The items of a list response (JSON only): a SecretList / ConfigMapList.
StatusOr<std::vector<SecretObject>> ParseSecretList(const std::string& text);
StatusOr<std::vector<ConfigMapObject>> ParseConfigMapList(
    const std::string& text);

// A status condition, as the operator last wrote it.
struct ReadyCondition {
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;
  std::string last_transition_time;  // RFC 3339
};
// nullopt when the object has no status or no Ready condition (or is not
// parseable). JSON (text starting with '{') is read through json.h, other
// text as YAML. Never throws.
std::optional<ReadyCondition> ParseReadyCondition(
    const std::string& object_json);

// What the operator last wrote into an object's status that the next write
// builds on. Missing fields stay empty / zero; the text is read as
// ParseReadyCondition reads it. Never throws.
// An issuer's CA rotation (status.rotation): the roots still trusted while
// certificates they signed may be in use, and how far the rotation got.
struct PreviousCa {
  std::string fingerprint_sha256;
  std::string certificate;  // PEM
};
struct CaRotation {
  std::string started_at;            // RFC 3339
  std::string trust_distributed_at;  // every truststore holds the new root
  std::string reissued_at;           // every certificate comes from the new CA
  std::vector<PreviousCa> previous_cas;
  // The members the current step waits for (at most 5 names) and how many.
  std::vector<std::string> waiting_for;
  int64_t waiting_count = 0;
};

// A TrustBundle's status.entries[] (and status.dropped[], with `reason`).
struct BundleEntryStatus {
  std::string subject;
  std::string fingerprint_sha256;
  std::string not_after;  // RFC 3339, as written
  std::string reason;     // dropped entries: "Expired" | "NotCA"
  bool operator==(const BundleEntryStatus& o) const {
    return subject == o.subject && fingerprint_sha256 == o.fingerprint_sha256 &&
           not_after == o.not_after && reason == o.reason;
  }
};

struct ObservedStatus {
  std::optional<ReadyCondition> ready;
  std::optional<ReadyCondition> issuing;
  int failed_attempts = 0;  // status.failedIssuanceAttempts
  int64_t observed_generation = 0;
  int64_t revision = 0;
  std::string renewal_time;  // RFC 3339, as written
  std::string not_before;    // RFC 3339, as written
  std::string not_after;     // RFC 3339, as written
  std::string fingerprint_sha256;
  std::string serial_number;                  // status.serialNumber
  std::string last_renew_request;             // status.lastRenewRequest
  int64_t truststore_certificates = 0;        // status.truststore.certificates
  std::string truststore_earliest_not_after;  // RFC 3339, as written
  // CertStores: the issuer root that signed the stored certificate, and the
  // issuer roots its truststore holds (status.truststore.issuerCAs).
  std::string issuer_ca_fingerprint;
  std::vector<std::string> truststore_issuer_cas;
  // Issuers: the root CA certificate (PEM, public) the status was written
  // for, and a CA rotation in progress (status.rotation).
  std::string ca_certificate;
  std::optional<CaRotation> rotation;
  // TrustBundles: the certificates written, those spec.filter dropped, the
  // namespaces written and the targets refused ("ns/Kind/name: why").
  std::vector<BundleEntryStatus> bundle_entries, bundle_dropped;
  std::vector<std::string> bundle_namespaces, bundle_conflicts, bundle_failures;
};
ObservedStatus ParseObservedStatus(const std::string& object_json);

}  // namespace certstore::api

#endif  // CERTSTORE_API_PARSE_H_
