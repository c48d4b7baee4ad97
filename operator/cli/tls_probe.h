// A real TLS handshake from this machine to a live endpoint with a client's
// stores (`kubectl certstore diagnose --connect`), behaving as Java's key
// manager does: the client certificate is offered only when the server asks
// for one and `offer` accepts the CAs it names. The server's certificate is
// not verified here (engine::PredictAgainstServer checks it in Java's
// terms); the connection goes on so that the server's own verdict on the
// client is seen too.
#ifndef CERTSTORE_CLI_TLS_PROBE_H_
#define CERTSTORE_CLI_TLS_PROBE_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "operator/common/status.h"
#include "operator/engine/handshake.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::cli {

struct TlsProbe {
  engine::LiveServer server;  // chain, whether it asked, the CAs it named
  bool handshake_ok = false;  // the handshake completed
  bool answered = false;      // a request was sent and answered
  bool sent_certificate = false;
  std::string protocol;  // "TLSv1.3"
  // Why it failed, in OpenSSL's words (e.g. "tlsv13 alert certificate
  // required"), and the TLS alert the server sent, if any.
  std::string failure;
  std::string alert;
};

// Connects to host:port within `timeout` and sends `GET / HTTP/1.1` with
// `sni` as server name and Host. Unavailable when the TCP connection fails
// (the message names the address). A TLS failure is a result, not an
// error.
StatusOr<TlsProbe> ProbeTls(
    const std::string& host, int port, const std::string& sni, EVP_PKEY* key,
    const std::vector<X509*>& chain,
    const std::function<bool(const std::vector<std::string>& ca_names)>& offer,
    std::chrono::seconds timeout);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_TLS_PROBE_H_
