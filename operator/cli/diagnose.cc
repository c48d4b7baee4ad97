// `kubectl certstore diagnose`: predicts the mutual-TLS handshake between a
// server and a client from the stores each loads (engine/handshake.h), in
// Java's words, with the fix for each failure. The stores come from
// CertStores (their Secrets, opened with their own passwords), from Secrets,
// or from local directories.
#include <iostream>

#include "operator/api/parse.h"
#include "operator/cli/cluster.h"
#include "operator/cli/commands.h"
#include "operator/cli/printable.h"
#include "operator/cli/secret_password.h"
#include "operator/cli/tls_probe.h"
#include "operator/common/files.h"
#include "operator/common/time_format.h"
#include "operator/engine/handshake.h"
#include "operator/kube/resource.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/pkcs12.h"

namespace certstore::cli {
namespace {

struct Side {
  engine::PeerStores stores;
  std::string issuer;  // "Kind/name" for CertStores, "" otherwise
};

// "NS/NAME" or "NAME" (in the default namespace).
std::pair<std::string, std::string> SplitRef(const std::string& ref,
                                             const std::string& def_ns) {
  size_t slash = ref.find('/');
  if (slash == std::string::npos) return {def_ns, ref};
  return {ref.substr(0, slash), ref.substr(slash + 1)};
}

// The first of `keys` that `s` holds: its name and bytes.
bool Pick(const api::SecretObject& s, std::initializer_list<const char*> keys,
          std::string* name, std::string* bytes) {
  for (const char* k : keys) {
    auto it = s.data.find(k);
    if (it == s.data.end()) continue;
    *name = k;
    *bytes = it->second;
    return true;
  }
  return false;
}

// A side from one Secret (and, for a separate truststore, a second one).
Status FromSecrets(Cluster& cluster, const api::SecretObject& main,
                   const api::SecretObject& trust, Side* side) {
  engine::PeerStores& p = side->stores;
  Pick(main, {api::kKeystoreP12Key, api::kKeystoreJksKey}, &p.keystore_name,
       &p.keystore);
  if (!Pick(trust, {api::kTruststoreP12Key, api::kTruststoreJksKey},
            &p.truststore_name, &p.truststore))
    return FailedPreconditionError(
        "Secret " + cluster.ns() + "/" + trust.metadata.name +
        " holds no truststore.p12 or truststore.jks (a JVM needs one)");
  std::string from;
  ASSIGN_OR_RETURN(p.password, PasswordOf(cluster, main, &from));
  if (trust.metadata.name != main.metadata.name) {
    ASSIGN_OR_RETURN(p.truststore_password, PasswordOf(cluster, trust, &from));
  }
  return OkStatus();
}

StatusOr<Side> FromCertStore(Cluster& cluster, const std::string& ref,
                             const std::string& role) {
  auto [ns, name] = SplitRef(ref, cluster.default_ns());
  RETURN_IF_ERROR(CheckObjectName(ns));
  RETURN_IF_ERROR(CheckObjectName(name));
  cluster.UseNamespace(ns);
  ASSIGN_OR_RETURN(std::string json,
                   cluster.client().Get(kube::CertStoresResource(), ns, name));
  ASSIGN_OR_RETURN(api::CertStore cs, api::ParseCertStore(json));
  Side side;
  side.stores.role = role;
  side.stores.owner = "CertStore " + ns + "/" + name;
  side.issuer = std::string(api::IssuerKindName(cs.spec.issuer_ref.kind)) +
                "/" + cs.spec.issuer_ref.name;
  ASSIGN_OR_RETURN(api::SecretObject main,
                   GetSecret(cluster, cs.spec.secret_name));
  if (cs.spec.truststore && !cs.spec.truststore->secret_name.empty() &&
      cs.spec.truststore->secret_name != cs.spec.secret_name) {
    ASSIGN_OR_RETURN(api::SecretObject trust,
                     GetSecret(cluster, cs.spec.truststore->secret_name));
    RETURN_IF_ERROR(FromSecrets(cluster, main, trust, &side));
  } else {
    RETURN_IF_ERROR(FromSecrets(cluster, main, main, &side));
  }
  return side;
}

StatusOr<Side> FromSecretRef(Cluster& cluster, const std::string& ref,
                             const std::string& role) {
  auto [ns, name] = SplitRef(ref, cluster.default_ns());
  RETURN_IF_ERROR(CheckObjectName(ns));
  cluster.UseNamespace(ns);
  ASSIGN_OR_RETURN(api::SecretObject s, GetSecret(cluster, name));
  Side side;
  side.stores.role = role;
  side.stores.owner = "Secret " + ns + "/" + name;
  RETURN_IF_ERROR(FromSecrets(cluster, s, s, &side));
  return side;
}

// DIR/keystore.p12 (or .jks), DIR/truststore.p12 (or .jks), DIR/password.
StatusOr<Side> FromDir(const std::string& dir, const std::string& role) {
  Side side;
  engine::PeerStores& p = side.stores;
  p.role = role;
  p.owner = "directory " + dir;
  for (const char* k : {api::kKeystoreP12Key, api::kKeystoreJksKey})
    if (PathExists(dir + "/" + k)) {
      p.keystore_name = k;
      ASSIGN_OR_RETURN(p.keystore, ReadFile(dir + "/" + k));
      break;
    }
  for (const char* k : {api::kTruststoreP12Key, api::kTruststoreJksKey})
    if (PathExists(dir + "/" + k)) {
      p.truststore_name = k;
      ASSIGN_OR_RETURN(p.truststore, ReadFile(dir + "/" + k));
      break;
    }
  if (p.truststore_name.empty())
    return NotFoundError(dir + ": no truststore.p12 or truststore.jks");
  if (PathExists(dir + "/password")) {
    ASSIGN_OR_RETURN(std::string pw, ReadFile(dir + "/password"));
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r'))
      pw.pop_back();
    p.password = SecretBytes(std::move(pw));
  }
  return side;
}

// The side named by --ROLE, --ROLE-secret or --ROLE-dir (exactly one).
StatusOr<Side> LoadSide(const Args& args, const std::string& role,
                        std::unique_ptr<Cluster>* cluster) {
  std::string cs = args.Get(role), secret = args.Get(role + "-secret"),
              dir = args.Get(role + "-dir");
  int given = !cs.empty() + !secret.empty() + !dir.empty();
  if (given != 1)
    return InvalidArgumentError("give exactly one of --" + role +
                                " NS/NAME, --" + role + "-secret NS/NAME, --" +
                                role + "-dir DIR");
  if (!dir.empty()) return FromDir(dir, role);
  if (!*cluster) {
    ASSIGN_OR_RETURN(*cluster, Cluster::Connect(args));
  }
  return cs.empty() ? FromSecretRef(**cluster, secret, role)
                    : FromCertStore(**cluster, cs, role);
}

// What to add to one side's truststore to trust the other's issuer.
std::string TrustHint(const Side& validator, const Side& peer) {
  if (peer.issuer.empty()) return "";
  if (peer.issuer == validator.issuer) return "- issuer: {}";
  return "a secret or configMap source holding the CA of " + peer.issuer;
}

void Print(const engine::HandshakePrediction& p) {
  for (const auto& c : p.checks) {
    std::cout << (c.ok ? "OK    " : "FAIL  ") << Printable(c.what) << "\n";
    if (c.ok) continue;
    std::cout << "      Java (" << c.reported_by
              << "): " << Printable(c.java_error) << "\n";
    if (!c.peer_sees.empty())
      std::cout << "      The "
                << (c.reported_by == "server" ? "client" : "server")
                << " sees: " << c.peer_sees << "\n";
    if (!c.detail.empty())
      std::cout << "      Why: " << Printable(c.detail) << "\n";
    std::cout << "      Fix: " << Printable(c.fix) << "\n";
  }
}

// The first key entry of the client's keystore (for the real handshake);
// empty when it has none or it does not open (the checks say why).
void ClientKey(const engine::PeerStores& p, pki::EvpPkeyPtr* key,
               std::vector<pki::X509Ptr>* chain) {
  if (p.keystore_name.empty()) return;
  bool jks = p.keystore.size() >= 2 &&
             static_cast<unsigned char>(p.keystore[0]) == 0xFE;
  auto parsed = jks ? pki::ParseJks(p.keystore, p.password)
                    : pki::ParsePkcs12(p.keystore, p.password);
  if (!parsed.ok()) return;
  for (auto& e : parsed->entries)
    if (e.type == pki::EntryType::kPrivateKey && e.key && !e.chain.empty()) {
      *key = std::move(e.key);
      *chain = std::move(e.chain);
      return;
    }
}

void PrintRejection(const TlsProbe& probe, const Side& client) {
  std::cout << "FAIL  the server accepts the client (real handshake)\n"
            << "      Java (client): javax.net.ssl.SSLHandshakeException: "
            << (probe.alert.empty() ? "Remote host terminated the handshake"
                                    : "Received fatal alert: " + probe.alert)
            << "\n      OpenSSL: " << probe.failure << "\n";
  if (probe.alert == "certificate_required" || !probe.sent_certificate)
    std::cout << "      Why: the server requires a client certificate and "
                 "got none it accepts\n      Fix: "
              << client.stores.owner
              << ": a keystore with a certificate issued by a CA the server "
                 "names above (spec.keystore, usages: [clientAuth])\n";
  else
    std::cout << "      Why: the server rejected the client's certificate "
                 "(its CA is not in the server's truststore, it lacks "
                 "clientAuth, or it expired)\n      Fix: the server's "
                 "truststore must hold the client's CA; "
              << client.stores.owner << ": usages must include clientAuth\n";
}

// --connect HOST:PORT: a real handshake with the client's stores, explained.
int Connect(const std::string& target, Side& client,
            engine::HandshakeOptions options) {
  size_t colon = target.rfind(':');
  int port = 0;
  if (colon != std::string::npos && colon + 1 < target.size() &&
      target.size() - colon <= 6 &&
      target.find_first_not_of("0123456789", colon + 1) == std::string::npos)
    port = std::stoi(target.substr(colon + 1));
  if (port <= 0 || port > 65535) {
    std::cerr << "diagnose: --connect: HOST:PORT, not \"" << target << "\"\n";
    return kExitUsage;
  }
  std::string host = target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  pki::EvpPkeyPtr key;
  std::vector<pki::X509Ptr> chain;
  ClientKey(client.stores, &key, &chain);
  std::vector<X509*> raw;
  for (const auto& c : chain) raw.push_back(c.get());
  // Java's key manager: a certificate whose chain has an issuer the server
  // names (any, when it names none).
  auto offer = [&](const std::vector<std::string>& names) {
    if (names.empty()) return true;
    for (const auto& c : chain)
      for (const auto& n : names)
        if (pki::IssuerText(c.get()) == n) return true;
    return false;
  };
  std::string sni = options.host.empty() ? host : options.host;
  auto probe = ProbeTls(host, port, sni, key.get(), raw, offer,
                        std::chrono::seconds(10));
  if (!probe.ok()) {
    std::cerr << "diagnose: " << probe.status().message() << "\n";
    return kExitUsage;
  }
  if (options.host.empty()) options.host = sni;
  engine::HandshakePrediction p =
      engine::PredictAgainstServer(client.stores, probe->server, options);
  std::cout << "Real TLS handshake: client " << Printable(client.stores.owner)
            << " -> " << Printable(probe->server.name) << " (SNI "
            << Printable(sni) << ")";
  if (!probe->protocol.empty()) std::cout << ", " << probe->protocol;
  std::cout << "\nThe server sent " << probe->server.chain.size()
            << " certificate(s):\n";
  for (const auto& c : probe->server.chain)
    std::cout << "  " << Printable(pki::SubjectText(c.get())) << "  (issuer "
              << Printable(pki::IssuerText(c.get())) << ")\n";
  if (!probe->server.chain.empty()) {
    X509* top = probe->server.chain.back().get();
    std::cout << "  Your truststore needs: \""
              << Printable(pki::IsSelfSigned(top) ? pki::SubjectText(top)
                                                  : pki::IssuerText(top))
              << "\"\n";
  }
  if (probe->server.requested_client_certificate) {
    std::cout << "It asked for a client certificate"
              << (probe->server.acceptable_ca_names.empty()
                      ? " (naming no CAs)\n"
                      : " issued by one of:\n");
    for (const auto& n : probe->server.acceptable_ca_names)
      std::cout << "  " << Printable(n) << "\n";
    std::cout << "The client " << (probe->sent_certificate ? "sent" : "sent no")
              << " certificate.\n";
  } else {
    std::cout << "It did not ask for a client certificate.\n";
  }
  Print(p);
  bool accepted = probe->handshake_ok && probe->answered;
  if (accepted)
    std::cout << "OK    the server accepts the client (real handshake)\n";
  else
    PrintRejection(*probe, client);
  bool ok = p.succeeds && accepted;
  std::cout << "Verdict: a Java client with these stores would "
            << (ok ? "SUCCEED" : "FAIL") << "\n";
  return ok ? kExitOk : kExitFailed;
}

}  // namespace

int RunDiagnose(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, WithClusterFlags({{"server"},
                                                {"client"},
                                                {"server-secret"},
                                                {"client-secret"},
                                                {"server-dir"},
                                                {"client-dir"},
                                                {"host"},
                                                {"java"},
                                                {"at"},
                                                {"connect"}}));
  if (!args.ok()) {
    std::cerr << "diagnose: " << args.status().message() << "\n";
    return kExitUsage;
  }
  engine::HandshakeOptions options;
  options.host = args->Get("host");
  auto java = engine::ParseJavaVersion(args->Get("java", "17"));
  if (!java.ok()) {
    std::cerr << "diagnose: " << java.status().message() << "\n";
    return kExitUsage;
  }
  options.java = *java;
  options.at = std::chrono::system_clock::now();
  if (!args->Get("at").empty()) {
    auto at = ParseRfc3339(args->Get("at"));
    if (!at.ok()) {
      std::cerr << "diagnose: --at: " << at.status().message() << "\n";
      return kExitUsage;
    }
    options.at = *at;
  }
  std::unique_ptr<Cluster> cluster;
  if (!args->Get("connect").empty()) {
    if (!args->Get("server").empty() || !args->Get("server-secret").empty() ||
        !args->Get("server-dir").empty()) {
      std::cerr << "diagnose: --connect takes the place of --server\n";
      return kExitUsage;
    }
    auto client = LoadSide(*args, "client", &cluster);
    if (!client.ok()) {
      std::cerr << "diagnose: client: " << client.status().message() << "\n";
      return kExitUsage;
    }
    return Connect(args->Get("connect"), *client, options);
  }
  auto server = LoadSide(*args, "server", &cluster);
  if (!server.ok()) {
    std::cerr << "diagnose: server: " << server.status().message() << "\n";
    return kExitUsage;
  }
  auto client = LoadSide(*args, "client", &cluster);
  if (!client.ok()) {
    std::cerr << "diagnose: client: " << client.status().message() << "\n";
    return kExitUsage;
  }
  server->stores.trust_source_hint = TrustHint(*client, *server);
  client->stores.trust_source_hint = TrustHint(*server, *client);
  engine::HandshakePrediction p =
      engine::PredictMutualTls(server->stores, client->stores, options);
  std::cout << "Mutual TLS: server " << Printable(server->stores.owner)
            << ", client " << Printable(client->stores.owner) << ", host "
            << (p.host.empty() ? "-" : Printable(p.host)) << ", Java "
            << Printable(options.java.text) << ", at "
            << FormatRfc3339(options.at) << "\n";
  Print(p);
  std::string first;
  for (const auto& c : p.checks)
    if (!c.ok && first.empty()) first = c.what;
  std::cout << "Verdict: the handshake would "
            << (p.succeeds ? "SUCCEED" : "FAIL (first: " + first + ")") << "\n";
  return p.succeeds ? kExitOk : kExitFailed;
}

}  // namespace certstore::cli
