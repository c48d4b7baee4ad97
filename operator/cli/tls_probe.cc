#include "operator/cli/tls_probe.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "operator/pki/certificate.h"

namespace certstore::cli {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// What the certificate callback sees and decides.
struct CertState {
  EVP_PKEY* key;
  const std::vector<X509*>* chain;
  const std::function<bool(const std::vector<std::string>&)>* offer;
  TlsProbe* probe;
};

int CertCallback(SSL* ssl, void* arg) {
  auto* st = static_cast<CertState*>(arg);
  st->probe->server.requested_client_certificate = true;
  std::vector<std::string> names;
  if (const STACK_OF(X509_NAME)* cas = SSL_get0_peer_CA_list(ssl))
    for (int i = 0; i < sk_X509_NAME_num(cas); ++i)
      names.push_back(pki::NameText(sk_X509_NAME_value(cas, i)));
  st->probe->server.acceptable_ca_names = names;
  if (st->key == nullptr || st->chain->empty() || !(*st->offer)(names))
    return 1;  // an empty certificate chain, as Java's key manager sends
  if (SSL_use_certificate(ssl, st->chain->front()) != 1 ||
      SSL_use_PrivateKey(ssl, st->key) != 1)
    return 0;
  for (size_t i = 1; i < st->chain->size(); ++i)
    SSL_add1_chain_cert(ssl, (*st->chain)[i]);
  st->probe->sent_certificate = true;
  return 1;
}

std::string LastSslError() {
  unsigned long e = ERR_peek_last_error();  // NOLINT(runtime/int)
  std::string out;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    out = reason ? reason : "error " + std::to_string(e);
  }
  ERR_clear_error();
  return out;
}

// "tlsv13 alert certificate required" -> "certificate_required".
std::string AlertOf(const std::string& reason) {
  for (const char* prefix : {"tlsv13 alert ", "sslv3 alert ", "tlsv1 alert "})
    if (reason.rfind(prefix, 0) == 0) {
      std::string a = reason.substr(strlen(prefix));
      for (char& ch : a)
        if (ch == ' ') ch = '_';
      return a;
    }
  return "";
}

StatusOr<int> Connect(const std::string& host, int port,
                      std::chrono::seconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string where = host + ":" + std::to_string(port);
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) !=
      0)
    return UnavailableError("cannot resolve " + host);
  std::string last = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    last = strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  return UnavailableError("cannot connect to " + where + ": " + last);
}

}  // namespace

StatusOr<TlsProbe> ProbeTls(
    const std::string& host, int port, const std::string& sni, EVP_PKEY* key,
    const std::vector<X509*>& chain,
    const std::function<bool(const std::vector<std::string>&)>& offer,
    std::chrono::seconds timeout) {
  ASSIGN_OR_RETURN(int raw, Connect(host, port, timeout));
  Fd fd(raw);
  TlsProbe probe;
  probe.server.name = "server " + host + ":" + std::to_string(port);
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return InternalError("cannot create a TLS context");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  CertState state{key, &chain, &offer, &probe};
  SSL_CTX_set_cert_cb(ctx.get(), CertCallback, &state);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) return InternalError("cannot create a TLS connection");
  SSL_set_fd(ssl.get(), fd.get());
  SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
  ERR_clear_error();
  int rc = SSL_connect(ssl.get());
  if (STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl.get()))
    for (int i = 0; i < sk_X509_num(sent); ++i)
      probe.server.chain.push_back(pki::ShareCert(sk_X509_value(sent, i)));
  if (rc != 1) {
    probe.failure = LastSslError();
    if (probe.failure.empty()) probe.failure = "the connection was closed";
    probe.alert = AlertOf(probe.failure);
    return probe;
  }
  probe.handshake_ok = true;
  probe.protocol = SSL_get_version(ssl.get());
  // TLS 1.3: the server judges the client's certificate after the client
  // finished; its verdict arrives with the first read.
  std::string request =
      "GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n";
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <=
      0) {
    probe.failure = LastSslError();
    probe.alert = AlertOf(probe.failure);
    return probe;
  }
  char buf[512];
  int n = SSL_read(ssl.get(), buf, sizeof buf);
  if (n > 0) {
    probe.answered = true;
  } else {
    int err = SSL_get_error(ssl.get(), n);
    if (err == SSL_ERROR_ZERO_RETURN) {
      probe.answered = true;  // closed cleanly after the handshake
    } else {
      probe.failure = LastSslError();
      if (probe.failure.empty())
        probe.failure = "the server closed the connection";
      probe.alert = AlertOf(probe.failure);
    }
  }
  SSL_shutdown(ssl.get());
  return probe;
}

}  // namespace certstore::cli
