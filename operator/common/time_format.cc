#include "operator/common/time_format.h"

#include <cstdio>
#include <ctime>

namespace certstore {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's
// algorithm); avoids timegm(), which depends on the C library's TZ state.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

TimePoint FromUtc(int year, int month, int day, int hour, int min, int sec) {
  int64_t days = DaysFromCivil(year, month, day);
  int64_t secs = days * 86400 + int64_t{hour} * 3600 + int64_t{min} * 60 + sec;
  return TimePoint(std::chrono::seconds(secs));
}

std::string FormatRfc3339(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

StatusOr<TimePoint> ParseRfc3339(const std::string& text) {
  int y, mo, d, h, mi, s;
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
                  &mi, &s, &n) != 6 ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return InvalidArgumentError("invalid RFC 3339 time \"" + text + "\"");
  }
  size_t i = static_cast<size_t>(n);
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  }
  int offset = 0;
  std::string rest = text.substr(i);
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
             rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2)
      return InvalidArgumentError("invalid RFC 3339 offset in \"" + text +
                                  "\"");
    offset = (oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1);
  } else {
    return InvalidArgumentError("invalid RFC 3339 time \"" + text +
                                "\": missing Z or offset");
  }
  return FromUtc(y, mo, d, h, mi, s) - std::chrono::seconds(offset);
}

std::string FormatRelative(TimePoint t, TimePoint now) {
  using std::chrono::duration_cast;
  int64_t secs =
      duration_cast<std::chrono::seconds>(t > now ? t - now : now - t).count();
  if (secs == 0) return "now";
  constexpr int64_t kMinute = 60, kHour = 3600, kDay = 86400;
  std::string amount;
  if (secs >= 2 * 365 * kDay)
    amount = std::to_string(secs / (365 * kDay)) + "y";
  else if (secs >= 2 * kDay)
    amount = std::to_string(secs / kDay) + "d";
  else if (secs >= 2 * kHour)
    amount = std::to_string(secs / kHour) + "h";
  else if (secs >= 2 * kMinute)
    amount = std::to_string(secs / kMinute) + "m";
  else
    amount = std::to_string(secs) + "s";
  return t > now ? "in " + amount : amount + " ago";
}

}  // namespace certstore
