// When a certificate should be renewed.
#ifndef CERTSTORE_ENGINE_RENEWAL_H_
#define CERTSTORE_ENGINE_RENEWAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "operator/api/types.h"
#include "operator/common/clock.h"

namespace certstore::engine {

// notAfter minus: renewBefore when set and shorter than the lifetime;
// renewBeforePercentage of the lifetime when set; otherwise one third of the
// lifetime. Never before notBefore.
TimePoint RenewalTime(TimePoint not_before, TimePoint not_after,
                      const api::KeystoreSpec& spec);
// The same rule from its two settings (a Go duration; a percentage).
TimePoint RenewalTime(TimePoint not_before, TimePoint not_after,
                      const std::optional<std::string>& renew_before,
                      std::optional<int> renew_before_percentage);

// RenewalTime moved earlier by a jitter in [0, min(10% of the interval from
// issue (notBefore plus the clock-skew backdating) to the renewal time,
// 1 hour)), so thousands of certificates
// issued together do not all renew in the same second. The jitter is a
// function of `seed` (the certificate's fingerprint): the status, the
// work-queue timer and a restarted operator all compute the same time.
// Never before notBefore; with an empty seed, no jitter.
TimePoint JitteredRenewalTime(TimePoint not_before, TimePoint not_after,
                              const api::KeystoreSpec& spec,
                              std::string_view seed);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_RENEWAL_H_
