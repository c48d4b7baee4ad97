// HTTP transport to the API server, behind an interface so that unit tests
// can use a fake and only one translation unit includes cpprestsdk.
#ifndef CERTSTORE_KUBE_TRANSPORT_H_
#define CERTSTORE_KUBE_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "operator/common/status.h"
#include "operator/kube/config.h"

namespace certstore::kube {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string verb;            // "LIST" / "WATCH" when not just the method
  std::string path;            // "/api/v1/namespaces/x/secrets?limit=5"
  std::string body;
  std::string content_type = "application/json";
  std::string accept =
      "application/json";            // e.g. a PartialObjectMetadata media type
  std::chrono::seconds timeout{30};  // whole request (idle timeout for streams)
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request. Unavailable when the connection fails or times out
  // (the message names the server and the cause); any HTTP status is a
  // successful transport result.
  virtual StatusOr<HttpResponse> Do(const HttpRequest& req) = 0;
  // Sends a request whose response body streams (watch). Calls `on_status`
  // once with the HTTP status, then `on_data` for every chunk as it arrives
  // until the server ends the body (OK), the idle timeout passes
  // (DeadlineExceeded), the connection breaks (Unavailable), `on_data`
  // returns false (OK) or Cancel() is called (Aborted). For a non-2xx status
  // the body is delivered the same way.
  virtual Status Stream(
      const HttpRequest& req, const std::function<void(int status)>& on_status,
      const std::function<bool(const std::string& chunk)>& on_data) = 0;
  // Aborts streams in progress and makes new ones fail. Thread-safe.
  virtual void Cancel() = 0;
};
using TransportPtr = std::unique_ptr<Transport>;

// The real transport (cpprestsdk). Takes the config; TLS material is
// applied per connection; bearer tokens from a token file are re-read when
// the file changes; exec plugins are run when their credential expires.
// InvalidArgument for unusable TLS material.
StatusOr<TransportPtr> NewHttpTransport(ClusterConfig config);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_TRANSPORT_H_
