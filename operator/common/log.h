// Process-wide logging: one line per message on stderr, JSON lines by
// default ({"ts","level","msg",...fields}) or text. Thread-safe.
// Contract for callers: messages and fields never carry private keys or
// passwords (tests scan the operator's output for both).
#ifndef CERTSTORE_COMMON_LOG_H_
#define CERTSTORE_COMMON_LOG_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "operator/common/status.h"

namespace certstore {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug" | "info" | "warn" | "error"; InvalidArgument otherwise.
StatusOr<LogLevel> ParseLogLevel(const std::string& text);

struct LogOptions {
  bool json = true;
  LogLevel min_level = LogLevel::kInfo;
  std::ostream* out = nullptr;  // nullptr = std::cerr
};
// Applies to every later Log() call.
void ConfigureLogging(const LogOptions& options);

using LogFields = std::vector<std::pair<std::string, std::string>>;
void Log(LogLevel level, const std::string& msg, const LogFields& fields = {});

}  // namespace certstore

#endif  // CERTSTORE_COMMON_LOG_H_
