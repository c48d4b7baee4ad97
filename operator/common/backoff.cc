#include "operator/common/backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace certstore {

std::chrono::milliseconds ExponentialBackoff(std::chrono::milliseconds base,
                                             std::chrono::milliseconds cap,
                                             int attempt) {
  // 2^40 ms is decades: clamping the exponent keeps the double finite.
  double ms = static_cast<double>(base.count()) *
              std::pow(2.0, std::clamp(attempt, 0, 40));
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::min(ms, static_cast<double>(cap.count()))));
}

std::chrono::milliseconds WithJitter(std::chrono::milliseconds d,
                                     double fraction) {
  static thread_local std::mt19937 rng(std::random_device{}());
  fraction = std::clamp(fraction, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - fraction, 1.0);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(d.count()) * factor(rng)));
}

}  // namespace certstore
