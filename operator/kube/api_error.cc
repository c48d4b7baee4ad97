#include "operator/kube/api_error.h"

#include <algorithm>

#include "operator/api/json.h"

namespace certstore::kube {
namespace {

struct ServerStatus {
  std::string reason, message;
  std::vector<std::string> causes;
};

ServerStatus ParseServerStatus(const std::string& body) {
  ServerStatus s;
  auto doc = json::Document::Parse(body);
  if (!doc) {
    // Not a Status object (a proxy's HTML page, say): use the raw body.
    s.message = body.substr(0, 200);
    return s;
  }
  json::Value v = doc->Root();
  if (!v.IsObject()) return s;
  s.reason = v["reason"].String();
  s.message = v["message"].String();
  for (const json::Value& cause : v["details"]["causes"].Elements())
    if (cause.IsObject())
      s.causes.push_back(std::string(cause["field"].String()) + ": " +
                         std::string(cause["message"].String()));
  return s;
}

}  // namespace

Status StatusFromResponse(const HttpResponse& resp, const std::string& what) {
  int code = resp.status;
  if (code >= 200 && code < 300) return OkStatus();
  ServerStatus s = ParseServerStatus(resp.body);
  std::string msg =
      what + ": " +
      (s.message.empty() ? "HTTP " + std::to_string(code) : s.message);
  switch (code) {
    case 400:
      return InvalidArgumentError(msg);
    case 401:
      return PermissionDeniedError(what +
                                   ": unauthorized (the API server "
                                   "rejected the credentials)");
    case 403:
      return PermissionDeniedError(msg);
    case 404:
      return NotFoundError(msg);
    case 409:
      if (s.reason == "AlreadyExists")
        return Status(StatusCode::kAlreadyExists, msg);
      return AbortedError(msg);
    case 410:
      return Status(StatusCode::kOutOfRange, msg);
    case 422: {
      // The message already lists the causes; keep it whole.
      return InvalidArgumentError(msg);
    }
    case 429:
      return Status(StatusCode::kResourceExhausted, msg);
    case 504:
      return Status(StatusCode::kDeadlineExceeded, msg);
    default:
      if (code >= 500) return UnavailableError(msg);
      return InvalidArgumentError(msg + " (HTTP " + std::to_string(code) + ")");
  }
}

int RetryAfterSeconds(const HttpResponse& resp) {
  auto it = resp.headers.find("retry-after");
  if (it == resp.headers.end()) return 1;
  int v = std::atoi(it->second.c_str());
  return std::clamp(v, 1, 60);
}

}  // namespace certstore::kube
