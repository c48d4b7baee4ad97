// A small HTTP server for the operator's own endpoints (/metrics, /healthz,
// /readyz), on civetweb (the server prometheus-cpp is built on, so no new
// dependency). Each path maps to a handler producing status, content type
// and body (or a body writer) per request. Handlers run on the server's threads
// (8 per server; each network read or write times out after 5 s, so a slow
// client holds a thread for a bounded time and a few cannot starve the probes).
#ifndef CERTSTORE_METRICS_HTTP_ENDPOINTS_H_
#define CERTSTORE_METRICS_HTTP_ENDPOINTS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "operator/common/status.h"

namespace certstore::metrics {

// Takes a piece of a streamed body; false when the client is gone.
using BodySink = std::function<bool(std::string_view)>;

struct HttpReply {
  HttpReply() = default;
  HttpReply(int s, std::string type, std::string b)
      : status(s), content_type(std::move(type)), body(std::move(b)) {}
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // When set, the body is what this writes into the sink instead (sent with
  // chunked transfer encoding as it comes, so a large body is never held
  // whole): for /metrics. `body` is ignored then.
  std::function<void(const BodySink&)> stream;
};
using EndpointHandler = std::function<HttpReply()>;

class HttpEndpoints {
 public:
  ~HttpEndpoints();
  // Starts serving `handlers` (exact paths) on `bind_address`: ":8080"
  // (all IPv4 addresses) or "127.0.0.1:8080"; port 0 picks a free port.
  // InvalidArgument for a malformed address, Unavailable when the port
  // cannot be bound (the message names the address).
  static StatusOr<std::unique_ptr<HttpEndpoints>> Start(
      const std::string& bind_address,
      std::map<std::string, EndpointHandler> handlers);
  int port() const { return port_; }

 private:
  HttpEndpoints() = default;
  struct Context;
  std::unique_ptr<Context> ctx_;
  int port_ = 0;
};

// Converts a Go-style bind address (":8080", "127.0.0.1:8080") into a
// civetweb listening port ("8080", "127.0.0.1:8080"). "0" and "" mean
// disabled (nullopt-like: returns ""). InvalidArgument when malformed.
StatusOr<std::string> ListeningPort(const std::string& bind_address);

}  // namespace certstore::metrics

#endif  // CERTSTORE_METRICS_HTTP_ENDPOINTS_H_
