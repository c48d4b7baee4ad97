// Exponential backoff shared by the informer, the work queue and the
// reconcilers: base * 2^attempt, capped. Pure functions; thread-safe.
#ifndef CERTSTORE_COMMON_BACKOFF_H_
#define CERTSTORE_COMMON_BACKOFF_H_

#include <chrono>

namespace certstore {

// The delay before retry number `attempt` (0 = first retry): `base` doubled
// `attempt` times, never more than `cap`. Negative attempts count as 0.
std::chrono::milliseconds ExponentialBackoff(std::chrono::milliseconds base,
                                             std::chrono::milliseconds cap,
                                             int attempt);

// `d` scaled by a random factor in [1 - fraction, 1] so that many clients
// failing together do not retry together. `fraction` is clamped to [0, 1].
std::chrono::milliseconds WithJitter(std::chrono::milliseconds d,
                                     double fraction);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_BACKOFF_H_
