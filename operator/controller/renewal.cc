#include "operator/controller/renewal.h"

#include <algorithm>

#include "operator/common/duration.h"

namespace certstore::controller {

TimePoint RenewalTime(TimePoint not_before, TimePoint not_after,
                      const api::KeystoreSpec& spec) {
  auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(not_after - not_before);
  std::chrono::seconds before = lifetime / 3;
  if (spec.renew_before) {
    auto rb = ParseGoDuration(*spec.renew_before);
    // A renewBefore longer than the (possibly clamped) lifetime would renew
    // immediately and forever; fall back to the default then.
    if (rb.ok() && *rb < lifetime) before = *rb;
  } else if (spec.renew_before_percentage) {
    before = lifetime * *spec.renew_before_percentage / 100;
  }
  return std::max(not_before, not_after - before);
}

}  // namespace certstore::controller
