// A prediction of a Java mutual-TLS handshake from the stores each side
// loads (`kubectl certstore diagnose`): every check JSSE makes, in the order
// it makes them, each with the exact text Java prints when it fails, which
// JVM prints it, and the fix. Pure: stores in, checks out; no network.
//
// What JSSE does, and what is checked here:
//   1. Each side opens its keystore and truststore with its password
//      (a wrong password, or a PKCS12 profile the Java version cannot read,
//      fails before any connection); a truststore needs a trustedCertEntry.
//   2. The server needs a PrivateKeyEntry whose key matches its certificate.
//   3. The server asks for a client certificate naming the subjects of its
//      trust anchors; the client's key manager offers its key only when a
//      certificate of its chain was issued by one of those names, and sends
//      an empty chain otherwise (and when it has no keystore).
//   4. The client validates the server's chain (as sent: the keystore
//      entry's chain) against its truststore at the given time, then the
//      serverAuth extended key usage, then the host name as Java matches it
//      (IP SANs for an address; DNS SANs, or the CN when there are none).
//   5. The server validates the client's chain the same way, with
//      clientAuth and no host name.
#ifndef CERTSTORE_ENGINE_HANDSHAKE_H_
#define CERTSTORE_ENGINE_HANDSHAKE_H_

#include <optional>
#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::engine {

// One side's stores, as its JVM is configured with them.
struct PeerStores {
  std::string role;  // "server" or "client"
  // Data key or file name ("keystore.p12", "keystore.jks"); "" = no
  // keystore configured (javax.net.ssl.keyStore unset).
  std::string keystore_name;
  std::string keystore;
  std::string truststore_name;  // "truststore.p12", "truststore.jks"
  std::string truststore;
  SecretBytes password;
  // javax.net.ssl.trustStorePassword when it differs (a separate truststore
  // Secret has its own); unset: `password`.
  std::optional<SecretBytes> truststore_password;
  // Where a fix goes, e.g. "CertStore demo/server"; also names the side in
  // the output.
  std::string owner;
  // For fixes: what the peer's certificate is issued by, as a trust source
  // the owner could add (e.g. "issuer: {kind: ClusterCertIssuer, name:
  // lab-root-ca}"); "" when unknown.
  std::string trust_source_hint;
};

// The JVMs' version, as far as it changes what they read: PKCS12 stores
// protected with AES/PBKDF2 and an HMAC-SHA-256 MAC (profile Modern2023)
// need 8u301+, 11.0.12+ or 12+.
struct JavaVersion {
  int feature = 17;          // 8, 11, 17, 21...
  bool reads_modern = true;  // 8u301+ / 11.0.12+
  std::string text = "17";   // as given
};
// "8" (before 8u301), "8u301" (or later update), "11" (before 11.0.12),
// "11.0.12", "17", "21"... InvalidArgument naming the accepted forms.
StatusOr<JavaVersion> ParseJavaVersion(const std::string& text);

struct HandshakeOptions {
  std::string host;  // what the client dials: a DNS name or an IP address
  TimePoint at;      // when the handshake happens
  JavaVersion java;
};

struct HandshakeCheck {
  std::string what;  // "client trusts the server's certificate chain"
  bool ok = true;
  // When !ok: the side whose JVM throws, the exception text it prints (the
  // part a search engine finds), what the other side sees, a short class
  // shared by the two ("PKIX path building failed"), and the fix.
  std::string reported_by;
  std::string java_error;
  std::string peer_sees;
  std::string error_class;
  std::string detail;
  std::string fix;
};

struct HandshakePrediction {
  std::vector<HandshakeCheck> checks;
  bool succeeds = true;
  std::string host;  // the host checked (the default when none was given)
};

// Runs every check that can run (a store that does not open stops the
// checks that need it). When options.host is empty, the server's first DNS
// SAN (else its first IP SAN, else its CN) is used.
HandshakePrediction PredictMutualTls(const PeerStores& server,
                                     const PeerStores& client,
                                     HandshakeOptions options);

// What a live server showed in a real handshake (diagnose --connect).
struct LiveServer {
  std::string name;                 // "server 127.0.0.1:8443"
  std::vector<pki::X509Ptr> chain;  // as sent, leaf first
  bool requested_client_certificate = false;
  // The subjects of the CAs its CertificateRequest named (may be empty).
  std::vector<std::string> acceptable_ca_names;
};

// The client's checks against a live server: its stores open, it trusts
// the chain the server sent (path and validity, serverAuth, host), and, when
// the server asked for a certificate, whether Java's key manager would send
// one for the CAs it named. Whether the server then accepts it only the
// real handshake tells.
HandshakePrediction PredictAgainstServer(const PeerStores& client,
                                         const LiveServer& server,
                                         HandshakeOptions options);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_HANDSHAKE_H_
