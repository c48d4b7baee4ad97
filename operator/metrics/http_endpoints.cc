#include "operator/metrics/http_endpoints.h"

#include <civetweb.h>

#include <cctype>
#include <mutex>
#include <string_view>

namespace certstore::metrics {
namespace {

std::once_flag init_once;

int Serve(struct mg_connection* conn, void* data) {
  const auto* handler = static_cast<const EndpointHandler*>(data);
  HttpReply reply;
  try {
    reply = (*handler)();
  } catch (const std::exception& e) {
    reply = {500, "text/plain; charset=utf-8",
             std::string("internal error: ") + e.what() + "\n"};
  }
  const char* reason = reply.status == 200   ? "OK"
                       : reply.status == 503 ? "Service Unavailable"
                       : reply.status == 500 ? "Internal Server Error"
                                             : "Error";
  if (reply.stream) {
    // HTTP/1.0 has no chunked encoding: such a client gets the body as it
    // comes, ended by the close.
    const struct mg_request_info* ri = mg_get_request_info(conn);
    bool chunked = !(ri != nullptr && ri->http_version != nullptr &&
                     std::string_view(ri->http_version) == "1.0");
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
              reply.status, reason, reply.content_type.c_str(),
              chunked ? "Transfer-Encoding: chunked\r\n" : "");
    bool open = true;
    try {
      reply.stream([&](std::string_view piece) {
        // A chunk of length 0 would end the body early.
        if (piece.empty()) return open;
        int sent = chunked ? mg_send_chunk(conn, piece.data(),
                                           static_cast<unsigned>(piece.size()))
                           : mg_write(conn, piece.data(), piece.size());
        open = open && sent > 0;
        return open;
      });
    } catch (const std::exception&) {
      // Headers are gone: the body cannot become an error reply any more.
      // Closing without the last chunk tells the client it is incomplete.
      return 500;
    }
    if (open && chunked)
      mg_send_chunk(conn, "", 0);  // the last chunk: body complete
    return reply.status;
  }
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            reply.status, reason, reply.content_type.c_str(),
            reply.body.size());
  mg_write(conn, reply.body.data(), reply.body.size());
  return reply.status;
}

}  // namespace

struct HttpEndpoints::Context {
  struct mg_context* server = nullptr;
  std::map<std::string, EndpointHandler> handlers;
  ~Context() {
    if (server) mg_stop(server);
  }
};

HttpEndpoints::~HttpEndpoints() = default;

StatusOr<std::string> ListeningPort(const std::string& bind_address) {
  if (bind_address.empty() || bind_address == "0") return std::string();
  size_t colon = bind_address.rfind(':');
  std::string host =
      colon == std::string::npos ? "" : bind_address.substr(0, colon);
  std::string port = colon == std::string::npos
                         ? bind_address
                         : bind_address.substr(colon + 1);
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port)
    digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits || std::stoi(port) > 65535)
    return InvalidArgumentError(
        "bind address \"" + bind_address +
        "\": want [HOST]:PORT, e.g. :8080 or 127.0.0.1:8080, or 0 to "
        "disable");
  if (host.find(':') != std::string::npos ||
      host.find('[') != std::string::npos)
    return InvalidArgumentError(
        "bind address \"" + bind_address +
        "\": IPv6 is not supported (civetweb is built without it)");
  return host.empty() ? port : host + ":" + port;
}

StatusOr<std::unique_ptr<HttpEndpoints>> HttpEndpoints::Start(
    const std::string& bind_address,
    std::map<std::string, EndpointHandler> handlers) {
  ASSIGN_OR_RETURN(std::string listening, ListeningPort(bind_address));
  if (listening.empty())
    return InvalidArgumentError("bind address is disabled");
  std::call_once(init_once, [] { mg_init_library(0); });
  std::unique_ptr<HttpEndpoints> out(new HttpEndpoints());
  out->ctx_ = std::make_unique<Context>();
  out->ctx_->handlers = std::move(handlers);
  // Enough threads that a few slow or stalled clients cannot starve the
  // probes, and a bound on every read and write so each is let go.
  const char* options[] = {"listening_ports",
                           listening.c_str(),
                           "num_threads",
                           "8",
                           "request_timeout_ms",
                           "5000",
                           "enable_keep_alive",
                           "no",
                           nullptr};
  struct mg_callbacks callbacks = {};
  out->ctx_->server = mg_start(&callbacks, nullptr, options);
  if (!out->ctx_->server)
    return UnavailableError("cannot listen on " + bind_address +
                            " (port in use or address not local)");
  for (auto& [path, handler] : out->ctx_->handlers)
    mg_set_request_handler(out->ctx_->server, path.c_str(), Serve, &handler);
  struct mg_server_port ports[4] = {};
  int n = mg_get_server_ports(out->ctx_->server, 4, ports);
  if (n > 0) out->port_ = ports[0].port;
  return out;
}

}  // namespace certstore::metrics
