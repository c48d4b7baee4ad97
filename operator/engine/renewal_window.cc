#include "operator/engine/renewal_window.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "operator/common/duration.h"
#include "operator/common/time_format.h"

namespace certstore::engine {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                 "Thu", "Fri", "Sat"};

bool OnDay(const api::RenewalWindow& w, int64_t day) {
  if (w.days.empty()) return true;
  // 1970-01-01 was a Thursday.
  const char* name = kDays[((day % 7) + 7 + 4) % 7];
  return std::find(w.days.begin(), w.days.end(), name) != w.days.end();
}

}  // namespace

WindowState WindowAt(const std::vector<api::RenewalWindow>& windows,
                     TimePoint now) {
  using std::chrono::seconds;
  WindowState out;
  int64_t now_s =
      std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  int64_t today = now_s / 86400 - (now_s % 86400 < 0 ? 1 : 0);
  for (const auto& w : windows) {
    if (w.start.size() != 5) continue;
    int64_t start_of_day = std::stoi(w.start.substr(0, 2)) * 3600 +
                           std::stoi(w.start.substr(3, 2)) * 60;
    auto d = ParseGoDuration(w.duration);
    if (!d.ok()) continue;
    // Yesterday's window may still be open; the next one is at most a week
    // away.
    for (int64_t day = today - 1; day <= today + 8; ++day) {
      if (!OnDay(w, day)) continue;
      TimePoint start = TimePoint(seconds(day * 86400 + start_of_day));
      if (start <= now && now < start + *d) out.open = true;
      if (start > now && (!out.next_open || start < *out.next_open)) {
        out.next_open = start;
        out.next_duration = *d;
      }
    }
  }
  return out;
}

TimePoint UrgentAt(const api::RenewalSpec& spec, TimePoint renewal,
                   TimePoint not_after) {
  if (spec.urgent_before) {
    auto d = ParseGoDuration(*spec.urgent_before);
    if (d.ok()) return not_after - *d;
  }
  return renewal + (not_after - renewal) / 2;
}

RenewalGate GateRenewal(const api::RenewalSpec* spec, TimePoint renewal,
                        TimePoint not_after, TimePoint now,
                        std::string_view seed) {
  RenewalGate g;
  if (!spec || spec->windows.empty()) return g;
  WindowState w = WindowAt(spec->windows, now);
  if (w.open) {
    g.message = "inside a maintenance window (spec.renewal.windows)";
    return g;
  }
  TimePoint urgent = UrgentAt(*spec, renewal, not_after);
  if (now >= urgent) {
    g.message =
        "outside the maintenance windows, but urgent: the certificate "
        "expires at " +
        FormatRfc3339(not_after) + " (urgent since " + FormatRfc3339(urgent) +
        ")";
    return g;
  }
  g.wait = true;
  g.until = urgent;
  if (w.next_open && *w.next_open < urgent) {
    // Spread over the window's first half (at most an hour), by seed.
    uint64_t h = 1469598103934665603ull;  // FNV-1a: stable everywhere
    for (unsigned char c : seed) {
      h ^= c;
      h *= 1099511628211ull;
    }
    auto spread = std::min<std::chrono::seconds>(w.next_duration / 2,
                                                 std::chrono::hours(1));
    TimePoint at = *w.next_open;
    if (!seed.empty() && spread.count() > 0)
      at += std::chrono::seconds(h % static_cast<uint64_t>(spread.count()));
    g.until = std::min(at, urgent);
  }
  g.message = "renewal due since " + FormatRfc3339(renewal) +
              " waits for the next maintenance window";
  if (w.next_open)
    g.message += " (opens at " + FormatRfc3339(*w.next_open) + ")";
  g.message += ": renews at " + FormatRfc3339(*g.until) + ", and from " +
               FormatRfc3339(urgent) +
               " regardless (urgent: the certificate expires at " +
               FormatRfc3339(not_after) + ")";
  return g;
}

}  // namespace certstore::engine
