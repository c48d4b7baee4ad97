#include "operator/common/log.h"

#include <iostream>
#include <mutex>

#include "operator/api/json.h"
#include "operator/common/clock.h"
#include "operator/common/time_format.h"

namespace certstore {
namespace {

std::mutex mu;
LogOptions options;  // GUARDED_BY(mu)

const char* Name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

StatusOr<LogLevel> ParseLogLevel(const std::string& text) {
  for (LogLevel l :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError})
    if (text == Name(l)) return l;
  return InvalidArgumentError("log level \"" + text +
                              "\": must be debug, info, warn or error");
}

void ConfigureLogging(const LogOptions& o) {
  std::lock_guard<std::mutex> l(mu);
  options = o;
}

void Log(LogLevel level, const std::string& msg, const LogFields& fields) {
  std::string ts = FormatRfc3339(SystemClock::Get().Now());
  std::lock_guard<std::mutex> l(mu);
  if (level < options.min_level) return;
  std::ostream& out = options.out ? *options.out : std::cerr;
  std::string line;
  if (options.json) {
    json::Writer w;
    w.BeginObject()
        .Field("ts", ts)
        .Field("level", Name(level))
        .Field("msg", msg);
    for (const auto& [k, v] : fields) w.Field(k, v);
    line = w.EndObject().Take();
  } else {
    line = ts + " " + Name(level) + " " + msg;
    for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  }
  out << line << std::endl;
}

}  // namespace certstore
