#include "operator/engine/handshake.h"

#include <arpa/inet.h>

#include <optional>
#include <set>

#include "operator/common/time_format.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"
#include "operator/pki/verify.h"

namespace certstore::engine {
namespace {

// What one JVM loaded.
struct Jvm {
  bool stores_open = true;     // every configured store opened
  bool has_key_entry = false;  // a PrivateKeyEntry in the keystore
  pki::EvpPkeyPtr key;
  std::vector<pki::X509Ptr> chain;    // the key entry's, leaf first
  std::vector<pki::X509Ptr> anchors;  // trustedCertEntry certificates
};

bool IsJks(const std::string& bytes) {
  return bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFE &&
         static_cast<unsigned char>(bytes[1]) == 0xED;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::vector<X509*> Raw(const std::vector<pki::X509Ptr>& v, size_t from = 0) {
  std::vector<X509*> out;
  for (size_t i = from; i < v.size(); ++i) out.push_back(v[i].get());
  return out;
}

HandshakeCheck Ok(std::string what) {
  HandshakeCheck c;
  c.what = std::move(what);
  return c;
}

HandshakeCheck Failed(std::string what, std::string reported_by,
                      std::string java_error, std::string peer_sees,
                      std::string error_class, std::string detail,
                      std::string fix) {
  HandshakeCheck c;
  c.what = std::move(what);
  c.ok = false;
  c.reported_by = std::move(reported_by);
  c.java_error = std::move(java_error);
  c.peer_sees = std::move(peer_sees);
  c.error_class = std::move(error_class);
  c.detail = std::move(detail);
  c.fix = std::move(fix);
  return c;
}

std::string PasswordFix(const PeerStores& p) {
  return p.owner +
         ": the stores and the password must belong together: the Secret's "
         "generated `password` key, or the Secret spec.password.secretKeyRef "
         "(spec.truststore.password for a separate truststore Secret) "
         "names (changing it re-encodes the stores; restoring an old Secret "
         "does not)";
}

// Opens one store as the JVM does at start-up; the failing check, or
// nullopt with *contents filled.
std::optional<HandshakeCheck> OpenStore(const PeerStores& p, bool keystore,
                                        const JavaVersion& java,
                                        pki::StoreContents* contents) {
  const std::string& name = keystore ? p.keystore_name : p.truststore_name;
  const std::string& bytes = keystore ? p.keystore : p.truststore;
  std::string what = p.role + " " + (keystore ? "keystore" : "truststore") +
                     " " + name + " opens with its password";
  bool jks = IsJks(bytes);
  const SecretBytes& password =
      keystore || !p.truststore_password ? p.password : *p.truststore_password;
  auto parsed =
      jks ? pki::ParseJks(bytes, password) : pki::ParsePkcs12(bytes, password);
  if (!parsed.ok()) {
    if (parsed.status().code() == StatusCode::kPermissionDenied)
      return Failed(what, p.role,
                    jks ? "java.io.IOException: Keystore was tampered with, "
                          "or password was incorrect"
                        : "java.io.IOException: keystore password was "
                          "incorrect",
                    "", "password was incorrect",
                    std::string(parsed.status().message()), PasswordFix(p));
    return Failed(what, p.role, "java.io.IOException: Invalid keystore format",
                  "", "Invalid keystore format",
                  std::string(parsed.status().message()),
                  p.owner + ": " + name + " is not a " +
                      (jks ? "JKS" : "PKCS12") + " store");
  }
  if (!jks && !java.reads_modern &&
      (parsed->protection.find("PBKDF2") != std::string::npos ||
       parsed->protection.find("MAC SHA256") != std::string::npos))
    return Failed(
        what, p.role,
        "java.io.IOException: Integrity check failed: "
        "java.security.NoSuchAlgorithmException: Algorithm HmacPBESHA256 "
        "not available",
        "", "Integrity check failed",
        "the store is protected with " + parsed->protection + ", which Java " +
            java.text + " cannot read (it needs 8u301+, 11.0.12+ or 12+)",
        p.owner +
            ": spec.pkcs12.profile: LegacyDES, or run the JVM on 8u301+ / "
            "11.0.12+");
  *contents = std::move(parsed).value();
  return std::nullopt;
}

// Loads what one JVM loads; appends the checks.
Jvm Load(const PeerStores& p, const JavaVersion& java,
         std::vector<HandshakeCheck>* checks) {
  Jvm jvm;
  if (!p.keystore_name.empty()) {
    pki::StoreContents ks;
    if (auto failed = OpenStore(p, true, java, &ks)) {
      checks->push_back(std::move(*failed));
      jvm.stores_open = false;
    } else {
      checks->push_back(Ok(p.role + " keystore " + p.keystore_name +
                           " opens with its password"));
      for (auto& e : ks.entries)
        if (e.type == pki::EntryType::kPrivateKey && !jvm.has_key_entry &&
            e.key && !e.chain.empty()) {
          jvm.has_key_entry = true;
          jvm.key = std::move(e.key);
          jvm.chain = std::move(e.chain);
        }
    }
  }
  pki::StoreContents ts;
  if (auto failed = OpenStore(p, false, java, &ts)) {
    checks->push_back(std::move(*failed));
    jvm.stores_open = false;
    return jvm;
  }
  for (auto& e : ts.entries)
    if (e.type == pki::EntryType::kTrustedCert && !e.chain.empty())
      jvm.anchors.push_back(std::move(e.chain.front()));
  std::string what = p.role + " truststore " + p.truststore_name +
                     " holds trusted certificates";
  if (jvm.anchors.empty()) {
    checks->push_back(Failed(
        what, p.role,
        "java.security.InvalidAlgorithmParameterException: the trustAnchors "
        "parameter must be non-empty",
        "", "trustAnchors parameter must be non-empty",
        "no trustedCertEntry in " + p.truststore_name +
            " (a keystore, or a PKCS12 written without Java's trust "
            "attribute)",
        p.owner + ": point the JVM at the truststore this operator writes"));
    jvm.stores_open = false;
  } else {
    checks->push_back(
        Ok(what + " (" + std::to_string(jvm.anchors.size()) + ")"));
  }
  return jvm;
}

// The side's key entry holds its certificate's key; the peer's check of
// the CertificateVerify signature fails otherwise.
HandshakeCheck KeyMatchesCheck(const PeerStores& p, const Jvm& jvm) {
  std::string what = p.role + "'s private key matches its certificate";
  if (pki::KeyMatchesCertificate(jvm.key.get(), jvm.chain.front().get()))
    return Ok(what);
  return Failed(what, p.role == "server" ? "client" : "server",
                "javax.net.ssl.SSLHandshakeException: Cannot verify the "
                "CertificateVerify signature",
                "", "CertificateVerify",
                "the keystore's key is not the key of its certificate",
                p.owner +
                    ": the operator re-issues on KeyMismatch; restore "
                    "the Secret it wrote");
}

// The host the client dials when none is given: the server's first DNS SAN,
// else its first IP SAN, else its CN.
std::string DefaultHost(X509* leaf) {
  pki::CertificateInfo i = pki::DescribeCertificate(leaf);
  for (const std::string prefix : {"DNS:", "IP:"})
    for (const auto& san : i.sans)
      if (san.rfind(prefix, 0) == 0) return san.substr(prefix.size());
  return pki::CommonName(leaf);
}

// Java's HostnameChecker messages.
std::string HostMismatchText(X509* leaf, const std::string& host) {
  pki::CertificateInfo i = pki::DescribeCertificate(leaf);
  bool any_san = !i.sans.empty(), dns_san = false;
  for (const auto& s : i.sans) dns_san = dns_san || s.rfind("DNS:", 0) == 0;
  if (IsIpAddress(host))
    return any_san ? "No subject alternative names matching IP address " +
                         host + " found"
                   : "No subject alternative names present";
  return dns_san
             ? "No subject alternative DNS name matching " + host + " found."
             : "No name matching " + host + " found";
}

// Why `chain` (as sent) does not lead to `anchors`: for the fix.
std::string PathProblem(const std::vector<pki::X509Ptr>& chain,
                        const std::vector<pki::X509Ptr>& anchors) {
  X509* top = chain.back().get();
  for (const auto& a : anchors)
    if (pki::SubjectText(a.get()) == pki::IssuerText(top) &&
        !pki::SignedBy(top, a.get()))
      return "the truststore holds a certificate named \"" +
             pki::SubjectText(a.get()) +
             "\" but not the one that signed the chain (another CA with "
             "the same name, e.g. a replaced root)";
  if (!pki::IsSelfSigned(top))
    return "the chain sent stops at \"" + pki::SubjectText(top) +
           "\", issued by \"" + pki::IssuerText(top) +
           "\", which is neither sent nor trusted: an intermediate is "
           "missing from the keystore, or its CA is not in the truststore";
  return "the chain ends at \"" + pki::SubjectText(top) +
         "\", which the truststore does not hold";
}

// One side validating the other's chain, in Java's order: path (trust and
// validity), then the extended key usage, then (server certificates) the
// host name. Appends one check per step that runs.
bool ValidatePeer(const PeerStores& validator, const Jvm& v,
                  const PeerStores& peer, const Jvm& p, bool server_cert,
                  const HandshakeOptions& o,
                  std::vector<HandshakeCheck>* checks) {
  FakeClock at(o.at);
  X509* leaf = p.chain.front().get();
  std::vector<X509*> sent = Raw(p.chain, 1), anchors = Raw(v.anchors);
  const std::string who = validator.role, whose = peer.role;
  std::string what = who + " trusts the " + whose + "'s certificate chain";
  pki::VerifyOptions any;
  Status path = pki::VerifyChain(leaf, sent, anchors, any, at);
  if (!path.ok()) {
    std::string msg(path.message());
    bool expired = msg.rfind("certificate expired", 0) == 0 ||
                   msg.rfind("certificate not yet valid", 0) == 0;
    if (expired)
      checks->push_back(Failed(
          who + " accepts the validity of the " + whose +
              "'s certificates at " + FormatRfc3339(o.at),
          who,
          "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: "
          "java.security.cert.CertPathValidatorException: validity check "
          "failed",
          "Received fatal alert: certificate_unknown", "validity check failed",
          msg,
          peer.owner +
              ": the operator renews before notAfter (renewalTime); if the "
              "Secret is current, the JVM still holds the old store: restart "
              "it or enable reloading"));
    else
      checks->push_back(Failed(
          what, who,
          "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
          "sun.security.provider.certpath.SunCertPathBuilderException: "
          "unable to find valid certification path to requested target",
          "Received fatal alert: certificate_unknown",
          "PKIX path building failed", PathProblem(p.chain, v.anchors),
          validator.owner + ": add the " + whose + "'s CA to " +
              "spec.truststore.sources" +
              (peer.trust_source_hint.empty()
                   ? std::string()
                   : " (" + peer.trust_source_hint + ")") +
              "; or " + peer.owner +
              ": keep the intermediates in the keystore chain"));
    return false;
  }
  checks->push_back(Ok(what));
  pki::VerifyOptions eku;
  eku.purpose =
      server_cert ? pki::Purpose::kTlsServer : pki::Purpose::kTlsClient;
  const char* usage = server_cert ? "serverAuth" : "clientAuth";
  std::string eku_what = whose + "'s certificate allows " + usage;
  if (!pki::VerifyChain(leaf, sent, anchors, eku, at).ok()) {
    std::string java = std::string(
                           "Extended key usage does not permit use "
                           "for TLS ") +
                       (server_cert ? "server" : "client") + " authentication";
    checks->push_back(
        Failed(eku_what, who, "javax.net.ssl.SSLHandshakeException: " + java,
               "Received fatal alert: certificate_unknown",
               "Extended key usage does not permit", "",
               peer.owner + ": spec.keystore.usages must include " + usage +
                   " (a change issues a new certificate)"));
    return false;
  }
  checks->push_back(Ok(eku_what));
  if (!server_cert) return true;
  pki::VerifyOptions host;
  host.host = o.host;
  std::string host_what = "server's certificate matches host " + o.host;
  if (!pki::VerifyChain(leaf, sent, anchors, host, at).ok()) {
    checks->push_back(Failed(
        host_what, who,
        "javax.net.ssl.SSLHandshakeException: "
        "java.security.cert.CertificateException: " +
            HostMismatchText(leaf, o.host),
        "Received fatal alert: certificate_unknown", "No subject alternative",
        "Java matches " +
            std::string(IsIpAddress(o.host)
                            ? "an IP address against IP SANs only"
                            : "a DNS name against DNS SANs (the CN only when "
                              "there are none)"),
        peer.owner + ": spec.keystore." +
            (IsIpAddress(o.host) ? "ipAddresses" : "dnsNames") +
            " must include " + o.host));
    return false;
  }
  checks->push_back(Ok(host_what));
  return true;
}

// The client's key manager offers its key only for a server that accepts
// one of its chain's issuers (CertificateRequest's certificate_authorities).
bool ClientOffersCertificate(const PeerStores& server,
                             const std::set<std::string>& accepted,
                             const PeerStores& client, const Jvm& c,
                             std::vector<HandshakeCheck>* checks) {
  std::string what = "client sends a certificate the server asks for";
  const char* java_error =
      "javax.net.ssl.SSLHandshakeException: Empty client certificate chain";
  const char* peer_sees =
      "javax.net.ssl.SSLHandshakeException: Received fatal alert: "
      "certificate_required";
  if (client.keystore_name.empty() || !c.has_key_entry) {
    checks->push_back(Failed(
        what, "server", java_error, peer_sees, "Empty client certificate chain",
        client.keystore_name.empty()
            ? "the client has no keystore"
            : "the client's keystore holds no PrivateKeyEntry",
        client.owner +
            ": add spec.keystore (usages: [clientAuth]) and configure "
            "javax.net.ssl.keyStore"));
    return false;
  }
  for (const auto& cert : c.chain)
    if (accepted.count(pki::IssuerText(cert.get()))) {
      checks->push_back(Ok(what));
      return true;
    }
  checks->push_back(Failed(
      what, "server", java_error, peer_sees, "Empty client certificate chain",
      "the server asks for certificates issued by " +
          std::to_string(accepted.size()) +
          " CA(s) its truststore holds; no certificate of the client's "
          "chain is issued by one of them, so Java's key manager sends none",
      server.owner + ": add the client's CA to spec.truststore.sources" +
          (client.trust_source_hint.empty()
               ? std::string()
               : " (" + client.trust_source_hint + ")")));
  return false;
}

}  // namespace

StatusOr<JavaVersion> ParseJavaVersion(const std::string& text) {
  JavaVersion v;
  v.text = text;
  if (text == "8") {
    v.feature = 8;
    v.reads_modern = false;
  } else if (text == "11") {
    v.feature = 11;
    v.reads_modern = false;
  } else if (text.rfind("8u", 0) == 0 || text.rfind("1.8.0_", 0) == 0) {
    std::string update = text.substr(text[0] == '8' ? 2 : 6);
    if (update.empty() ||
        update.find_first_not_of("0123456789") != std::string::npos)
      return InvalidArgumentError("--java " + text + ": e.g. 8u292 or 8u301");
    v.feature = 8;
    v.reads_modern = std::stoi(update.substr(0, 6)) >= 301;
  } else if (text.rfind("11.0.", 0) == 0) {
    std::string patch = text.substr(5);
    if (patch.empty() ||
        patch.find_first_not_of("0123456789") != std::string::npos)
      return InvalidArgumentError("--java " + text + ": e.g. 11.0.12");
    v.feature = 11;
    v.reads_modern = std::stoi(patch.substr(0, 6)) >= 12;
  } else if (!text.empty() && text.size() <= 3 &&
             text.find_first_not_of("0123456789") == std::string::npos &&
             std::stoi(text) >= 12) {
    v.feature = std::stoi(text);
  } else {
    return InvalidArgumentError(
        "--java " + text +
        ": 8 (before 8u301), 8uNNN, 11 (before 11.0.12), 11.0.N, or a "
        "feature release 12 and later (17, 21)");
  }
  return v;
}

HandshakePrediction PredictMutualTls(const PeerStores& server,
                                     const PeerStores& client,
                                     HandshakeOptions options) {
  HandshakePrediction out;
  std::vector<HandshakeCheck>& checks = out.checks;
  Jvm s = Load(server, options.java, &checks);
  Jvm c = Load(client, options.java, &checks);
  if (s.stores_open && !s.has_key_entry)
    checks.push_back(Failed(
        "server keystore holds a PrivateKeyEntry", "server",
        "javax.net.ssl.SSLHandshakeException: No available authentication "
        "scheme",
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: "
        "handshake_failure",
        "No available authentication scheme",
        server.keystore_name.empty()
            ? "the server has no keystore"
            : "no key entry in " + server.keystore_name,
        server.owner + ": spec.keystore (usages: [serverAuth])"));
  if (s.has_key_entry) checks.push_back(KeyMatchesCheck(server, s));
  if (c.has_key_entry) checks.push_back(KeyMatchesCheck(client, c));
  if (s.has_key_entry) {
    if (options.host.empty()) options.host = DefaultHost(s.chain[0].get());
    out.host = options.host;
  }
  std::set<std::string> accepted;
  for (const auto& a : s.anchors) accepted.insert(pki::SubjectText(a.get()));
  bool both = s.stores_open && c.stores_open && s.has_key_entry;
  if (both && ValidatePeer(client, c, server, s, true, options, &checks) &&
      ClientOffersCertificate(server, accepted, client, c, &checks))
    ValidatePeer(server, s, client, c, false, options, &checks);
  for (const auto& ch : checks) out.succeeds = out.succeeds && ch.ok;
  return out;
}

HandshakePrediction PredictAgainstServer(const PeerStores& client,
                                         const LiveServer& server,
                                         HandshakeOptions options) {
  HandshakePrediction out;
  std::vector<HandshakeCheck>& checks = out.checks;
  Jvm c = Load(client, options.java, &checks);
  if (c.has_key_entry) checks.push_back(KeyMatchesCheck(client, c));
  PeerStores peer;
  peer.role = "server";
  peer.owner = server.name;
  Jvm s;
  s.has_key_entry = !server.chain.empty();
  s.chain = pki::ShareCerts(server.chain);
  if (!s.has_key_entry) {
    checks.push_back(Failed("server sends a certificate", "client",
                            "javax.net.ssl.SSLHandshakeException: the server "
                            "sent no certificate",
                            "", "no certificate", "", server.name));
  } else {
    if (options.host.empty()) options.host = DefaultHost(s.chain[0].get());
    out.host = options.host;
  }
  if (c.stores_open && s.has_key_entry &&
      ValidatePeer(client, c, peer, s, true, options, &checks)) {
    if (!server.requested_client_certificate) {
      checks.push_back(Ok("server does not ask for a client certificate"));
    } else {
      std::set<std::string> accepted(server.acceptable_ca_names.begin(),
                                     server.acceptable_ca_names.end());
      // A server that names no CAs accepts any issuer as far as the key
      // manager is concerned.
      if (accepted.empty())
        for (const auto& cert : c.chain)
          accepted.insert(pki::IssuerText(cert.get()));
      ClientOffersCertificate(peer, accepted, client, c, &checks);
    }
  }
  for (const auto& ch : checks) out.succeeds = out.succeeds && ch.ok;
  return out;
}

}  // namespace certstore::engine
