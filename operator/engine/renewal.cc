#include "operator/engine/renewal.h"

#include <algorithm>
#include <cstdint>

#include "operator/common/duration.h"
#include "operator/pki/ca.h"

namespace certstore::engine {

TimePoint RenewalTime(TimePoint not_before, TimePoint not_after,
                      const std::optional<std::string>& renew_before,
                      std::optional<int> renew_before_percentage) {
  auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(not_after - not_before);
  std::chrono::seconds before = lifetime / 3;
  if (renew_before) {
    auto rb = ParseGoDuration(*renew_before);
    // A renewBefore longer than the (possibly clamped) lifetime would renew
    // immediately and forever; fall back to the default then.
    if (rb.ok() && *rb < lifetime) before = *rb;
  } else if (renew_before_percentage) {
    before = lifetime * *renew_before_percentage / 100;
  }
  return std::max(not_before, not_after - before);
}

TimePoint RenewalTime(TimePoint not_before, TimePoint not_after,
                      const api::KeystoreSpec& spec) {
  return RenewalTime(not_before, not_after, spec.renew_before,
                     spec.renew_before_percentage);
}

TimePoint JitteredRenewalTime(TimePoint not_before, TimePoint not_after,
                              const api::KeystoreSpec& spec,
                              std::string_view seed) {
  TimePoint renew = RenewalTime(not_before, not_after, spec);
  if (seed.empty()) return renew;
  // FNV-1a: stable across builds and platforms (std::hash is not).
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : seed) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // Whole seconds, as certificates and status carry them.
  // From issue (notBefore is backdated by the clock-skew allowance), so a
  // jittered renewal never falls before the certificate was made.
  auto window = std::min<std::chrono::seconds>(
      std::chrono::duration_cast<std::chrono::seconds>(
          renew - (not_before + pki::kClockSkewAllowance)) /
          10,
      std::chrono::hours(1));
  if (window.count() <= 0) return renew;
  return renew -
         std::chrono::seconds(h % static_cast<uint64_t>(window.count()));
}

}  // namespace certstore::engine
