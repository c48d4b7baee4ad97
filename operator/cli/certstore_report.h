// `kubectl certstore status NAME`: one CertStore in depth. Gathered from the
// API server (the CertStore, its Secret(s), its issuer's rotation, its
// Events) and printed as text or as JSON. The stores are read from the
// Secret, not from status, so a tampered or stale Secret shows as a
// mismatch. Nothing secret is gathered into the report: passwords open the
// stores and are dropped; keys are never read out.
#ifndef CERTSTORE_CLI_CERTSTORE_REPORT_H_
#define CERTSTORE_CLI_CERTSTORE_REPORT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "operator/api/json.h"
#include "operator/api/parse.h"
#include "operator/cli/cluster.h"
#include "operator/common/clock.h"

namespace certstore::cli {

struct CertSummary {
  std::string subject, issuer, serial, not_after, fingerprint;
  std::optional<TimePoint> not_after_time;
  std::vector<std::string> sans, extended_key_usage;
};

struct EventSummary {
  std::string type, reason, message, last_seen;
  int64_t count = 1;
};

struct CertStoreReport {
  std::string ns, name;
  std::string issuer_kind, issuer_name;
  bool has_keystore = false, has_truststore = false;
  api::ObservedStatus status;
  // Read from the Secret(s).
  std::string secret_name, trust_secret_name;
  std::string secret_error;  // why the stores could not be read ("" = read)
  std::string keystore_source, truststore_source;  // the data keys read
  std::vector<CertSummary> chain;                  // leaf first
  std::vector<CertSummary> trust;
  std::vector<std::string> mismatches;      // Secret vs status
  std::optional<api::CaRotation> rotation;  // the issuer's, when rotating
  std::vector<EventSummary> events;         // oldest first, at most 5
};

// Reads everything about CertStore cluster.ns()/name. Errors: the CertStore
// cannot be read (NotFound, PermissionDenied...). A Secret that cannot be
// read or opened is a finding (secret_error), not an error.
StatusOr<CertStoreReport> GatherCertStore(Cluster& cluster,
                                          const std::string& name,
                                          TimePoint now);

void PrintCertStore(std::ostream& os, const CertStoreReport& r, TimePoint now,
                    bool colour);
void WriteCertStore(json::Writer& w, const CertStoreReport& r, TimePoint now);

// An issuer's status.rotation as a JSON member "rotation".
void WriteRotation(json::Writer& w, const api::CaRotation& rotation);

// "True"/"False" in green/red on a terminal.
std::string Coloured(const std::string& status, bool colour);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_CERTSTORE_REPORT_H_
