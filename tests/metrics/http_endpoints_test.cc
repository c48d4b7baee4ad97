// The operator's HTTP endpoints on a real socket: a streamed body arrives
// chunked and whole, a body that fails half way is visibly cut short, and a
// plain reply keeps its Content-Length.
#include "operator/metrics/http_endpoints.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace certstore::metrics {
namespace {

// GET `path` from 127.0.0.1:port; the raw response, read until the server
// closes the connection (Connection: close; 5 s bound).
std::string RawGet(int port, const std::string& path,
                   const std::string& version = "1.1") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    ADD_FAILURE() << "connect to " << port;
    return "";
  }
  std::string req =
      "GET " + path + " HTTP/" + version + "\r\nHost: 127.0.0.1\r\n\r\n";
  EXPECT_EQ(write(fd, req.data(), req.size()),
            static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// Decodes a chunked body; `complete` tells whether the last (0) chunk came.
std::string Dechunk(const std::string& body, bool* complete) {
  std::string out;
  size_t pos = 0;
  *complete = false;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t len = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (len == 0) {
      *complete = body.compare(eol, 4, "\r\n\r\n") == 0;
      break;
    }
    out += body.substr(eol + 2, len);
    pos = eol + 2 + len + 2;
  }
  return out;
}

TEST(HttpEndpointsTest, AStreamedBodyArrivesChunkedAndWhole) {
  std::map<std::string, EndpointHandler> handlers;
  handlers["/stream"] = [] {
    HttpReply r{200, "text/plain; version=0.0.4", ""};
    r.stream = [](const BodySink& sink) {
      sink("first piece\n");
      sink("");  // an empty piece must not end the body early
      sink(std::string(100000, 'x'));
      sink("\nlast\n");
    };
    return r;
  };
  handlers["/throws"] = [] {
    HttpReply r;
    r.stream = [](const BodySink& sink) {
      sink("partial\n");
      throw std::runtime_error("inventory gone");
    };
    return r;
  };
  handlers["/plain"] = [] { return HttpReply{200, "text/plain", "ok\n"}; };
  auto server = HttpEndpoints::Start("127.0.0.1:0", std::move(handlers));
  ASSERT_TRUE(server.ok()) << server.status();

  std::string resp = RawGet((*server)->port(), "/stream");
  size_t head_end = resp.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << resp;
  std::string head = resp.substr(0, head_end);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: text/plain; version=0.0.4"),
            std::string::npos);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
  bool complete = false;
  std::string body = Dechunk(resp.substr(head_end + 4), &complete);
  EXPECT_TRUE(complete);
  EXPECT_EQ(body, "first piece\n" + std::string(100000, 'x') + "\nlast\n");

  // Failing half way: what was sent stays, but no last chunk: a client
  // (Prometheus) sees an incomplete body, not a short exposition.
  resp = RawGet((*server)->port(), "/throws");
  head_end = resp.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << resp;
  body = Dechunk(resp.substr(head_end + 4), &complete);
  EXPECT_EQ(body, "partial\n");
  EXPECT_FALSE(complete);

  // HTTP/1.0 knows no chunks: the body as it comes, ended by the close.
  resp = RawGet((*server)->port(), "/stream", "1.0");
  head_end = resp.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << resp;
  EXPECT_EQ(resp.substr(0, head_end).find("Transfer-Encoding"),
            std::string::npos);
  EXPECT_EQ(resp.substr(head_end + 4),
            "first piece\n" + std::string(100000, 'x') + "\nlast\n");

  resp = RawGet((*server)->port(), "/plain");
  EXPECT_NE(resp.find("Content-Length: 3\r\n"), std::string::npos) << resp;
  EXPECT_EQ(resp.substr(resp.size() - 3), "ok\n");
}

}  // namespace
}  // namespace certstore::metrics
