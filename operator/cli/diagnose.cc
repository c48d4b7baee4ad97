// `kubectl certstore diagnose`: predicts the mutual-TLS handshake between a
// server and a client from the stores each loads (engine/handshake.h), in
// Java's words, with the fix for each failure. The stores come from
// CertStores (their Secrets, opened with their own passwords), from Secrets,
// or from local directories.
#include <iostream>

#include "operator/api/parse.h"
#include "operator/cli/cluster.h"
#include "operator/cli/commands.h"
#include "operator/cli/secret_password.h"
#include "operator/common/files.h"
#include "operator/common/time_format.h"
#include "operator/engine/handshake.h"
#include "operator/kube/resource.h"

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
  return OkStatus();
}

StatusOr<Side> FromCertStore(Cluster& cluster, const std::string& ref,
                             const std::string& role) {
  auto [ns, name] = SplitRef(ref, cluster.default_ns());
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
    std::cout << (c.ok ? "OK    " : "FAIL  ") << c.what << "\n";
    if (c.ok) continue;
    std::cout << "      Java (" << c.reported_by << "): " << c.java_error
              << "\n";
    if (!c.peer_sees.empty())
      std::cout << "      The "
                << (c.reported_by == "server" ? "client" : "server")
                << " sees: " << c.peer_sees << "\n";
    if (!c.detail.empty()) std::cout << "      Why: " << c.detail << "\n";
    std::cout << "      Fix: " << c.fix << "\n";
  }
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
                                                {"at"}}));
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
  std::cout << "Mutual TLS: server " << server->stores.owner << ", client "
            << client->stores.owner << ", host "
            << (p.host.empty() ? "-" : p.host) << ", Java " << options.java.text
            << ", at " << FormatRfc3339(options.at) << "\n";
  Print(p);
  std::string first;
  for (const auto& c : p.checks)
    if (!c.ok && first.empty()) first = c.what;
  std::cout << "Verdict: the handshake would "
            << (p.succeeds ? "SUCCEED" : "FAIL (first: " + first + ")") << "\n";
  return p.succeeds ? kExitOk : kExitFailed;
}

}  // namespace certstore::cli
