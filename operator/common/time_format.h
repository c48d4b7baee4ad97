// RFC 3339 timestamps in UTC, the format of Kubernetes status fields.
#ifndef CERTSTORE_COMMON_TIME_FORMAT_H_
#define CERTSTORE_COMMON_TIME_FORMAT_H_

#include <string>

#include "operator/common/clock.h"
#include "operator/common/status.h"

namespace certstore {

// "2026-11-23T17:53:00Z" (whole seconds, UTC).
std::string FormatRfc3339(TimePoint t);

// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)". InvalidArgument
// naming the text on any other input.
StatusOr<TimePoint> ParseRfc3339(const std::string& text);

// `t` relative to `now` as kubectl prints ages, one unit, rounded down:
// "in 61d", "3h ago", "in 45s", "now" (under a second); days up to two
// years, then years ("in 9y"); hours from 2h, minutes from 2m.
std::string FormatRelative(TimePoint t, TimePoint now);

// Converts a UTC calendar time to a TimePoint without consulting the local
// time zone.
TimePoint FromUtc(int year, int month, int day, int hour, int min, int sec);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_TIME_FORMAT_H_
