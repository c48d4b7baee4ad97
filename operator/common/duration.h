// Go-style durations ("2160h", "1h30m", "90s") as used by Kubernetes APIs.
#ifndef CERTSTORE_COMMON_DURATION_H_
#define CERTSTORE_COMMON_DURATION_H_

#include <chrono>
#include <string>

#include "operator/common/status.h"

namespace certstore {

// Parses a Go duration string with units h, m, s, ms, us/µs, ns; fractions
// allowed ("1.5h"). Returns whole seconds (sub-second parts are truncated).
// Errors: InvalidArgument naming the offending text for empty input, a
// missing or unknown unit, a negative sign, or overflow.
StatusOr<std::chrono::seconds> ParseGoDuration(const std::string& text);

// Formats seconds the way Go's time.Duration.String() does for whole
// seconds: "2160h0m0s", "1m30s", "0s".
std::string FormatGoDuration(std::chrono::seconds d);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_DURATION_H_
