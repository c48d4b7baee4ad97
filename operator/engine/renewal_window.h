// Maintenance windows for renewals (spec.renewal): a renewal that is due
// (issuance reason Renewal) and not urgent waits for the next window; one
// that has become urgent goes on at once and says so. Other reasons (a new
// spec, a missing or expired certificate, a CA rotation, a request) never
// wait. Times are UTC. Pure: no I/O.
#ifndef CERTSTORE_ENGINE_RENEWAL_WINDOW_H_
#define CERTSTORE_ENGINE_RENEWAL_WINDOW_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/types.h"
#include "operator/common/clock.h"

namespace certstore::engine {

// Whether `now` is inside one of `windows` (validated), and otherwise when
// the next one opens (within the next 8 days; nullopt without windows).
struct WindowState {
  bool open = false;
  std::optional<TimePoint> next_open;
  std::chrono::seconds next_duration{0};  // of the window opening next
};
WindowState WindowAt(const std::vector<api::RenewalWindow>& windows,
                     TimePoint now);

// When a due renewal stops waiting: notAfter - urgentBefore, or halfway
// between `renewal` (the renewal time) and notAfter.
TimePoint UrgentAt(const api::RenewalSpec& spec, TimePoint renewal,
                   TimePoint not_after);

struct RenewalGate {
  bool wait = false;               // keep the certificate for now
  std::optional<TimePoint> until;  // wait: look again then
  std::string message;             // why (for status and the Event)
};
// For a renewal due at `renewal` of a certificate valid until `not_after`.
// Without windows: never waits, no message. A wait for a window ends at a
// point inside it chosen by `seed` (the certificate's fingerprint: less
// than half the window and at most an hour after it opens), so certificates
// waiting for the same window do not all renew in its first second.
RenewalGate GateRenewal(const api::RenewalSpec* spec, TimePoint renewal,
                        TimePoint not_after, TimePoint now,
                        std::string_view seed = "");

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_RENEWAL_WINDOW_H_
