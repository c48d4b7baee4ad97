// kubectl-certstore: rendering and inspection of keystores and truststores,
// offline or in a cluster, and renewals on request. Installed on PATH it also
// works as `kubectl certstore ...`.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "operator/cli/commands.h"

namespace {

constexpr char kUsage[] =
    R"(kubectl-certstore: keystores and truststores for Java mutual TLS

Usage:
  kubectl-certstore render -f FILE [-f FILE...] (--out DIR | -o yaml) [flags]
      Issue certificates and write every CertStore's Secret data, offline,
      under the issuers' spec.policy (as the operator applies it).
      --tenant-file FILE           input a tenant wrote (repeatable): only
                                   CertStores, Secrets and ConfigMaps of -n NS;
                                   issuers, Namespaces and CAs come from the
                                   trusted -f files. Use it whenever a
                                   pipeline holding a CA renders others' input
      --out DIR                    write <DIR>/<secretName>/<key> files
      --layout secrets|files       "files": <DIR>/<certstore>.p12, -trust.p12,
                                   .jks, -trust.jks, .crt, .key, -ca.crt,
                                   .password (the hand-made lab's file names)
      -o yaml                      print the Secrets as manifests instead
      --state DIR                  keys, CAs and Secrets between runs
                                   (default: <out>/.certstore-state)
      -n, --namespace NS           namespace for objects without one (default)
      --cluster-resource-namespace NS
                                   where ClusterCertIssuer Secrets live
                                   (default: the --namespace value)
      --system-bundle FILE         CA bundle for systemDefaults sources
      --ca-cert FILE --ca-key FILE CA (PEM, CA first then its chain) and key
                                   for `ca` ClusterCertIssuers whose Secret is
                                   not in the input (a CertIssuer's CA goes in
                                   the input as a Secret)
  kubectl-certstore inspect FILE|DIR [--password-file F|- | --password-env NAME]
      Show what a store holds: entries, aliases, types, chains, subjects,
      SANs, key usages, validity and fingerprints. A DIR is inspected file by
      file, with DIR/password used when no password is given. The password
      comes from a file (- = standard input) or an environment variable;
      --password P also works but puts it in argv, where ps shows it.
  kubectl-certstore inspect secret/NAME [-n NS] [cluster flags]
      Every store in a Secret, opened with the Secret's own password (its
      "password" key, or the Secret its certstore.dev/password-ref annotation
      names), then whether the stores agree: keystores with tls.crt and
      tls.key, truststores with ca.crt. Exit 0 all open and agree, 1 a store
      does not open (wrong password) or disagrees, 2 the Secret cannot be
      read (not found, forbidden, no cluster).
        kubectl certstore inspect secret/mtls-server-stores -n demo
  kubectl-certstore status [NAME | -A] [-n NS] [-o json|yaml] [cluster flags]
  kubectl-certstore status issuer/NAME | clusterissuer/NAME [-o json|yaml]
      Without NAME: a table of the CertStores of the namespace (-A: of every
      namespace), soonest expiry first, with the renewal window marked
      ("renewal due", "expired"). With NAME: Ready and reason, issuer and
      policy outcome, serial, expiry and renewal (relative too), failures,
      the keystore's chain and SANs and the truststore's certificates read
      from the Secret (not from status: a tampered or stale Secret shows as
      MISMATCH), the issuer's CA rotation, the last Events. For an issuer:
      its CA, rotation, policy and member CertStores. Exit 0; for one
      CertStore, 1 unless it is Ready and its Secret agrees with status;
      2 when it cannot be read.
        kubectl certstore status -A
        kubectl certstore status mtls-server -n demo -o json
  kubectl-certstore diagnose (--server NS/NAME | --server-secret NS/NAME |
                              --server-dir DIR)
                             (--client NS/NAME | --client-secret NS/NAME |
                              --client-dir DIR)
                             [--host HOST|IP] [--java VERSION] [--at TIME]
      Predicts the mutual-TLS handshake between a Java server and client
      using these stores: each store opens with its password and is readable
      by that Java (--java 8 = before 8u301, 8u301, 11 = before 11.0.12,
      11.0.12, 17 (default), 21), the client trusts the server's chain, its
      serverAuth usage and the host (default: the server's first DNS name),
      the client sends a certificate the server asks for, the server trusts
      it and its clientAuth usage, all at --at (RFC 3339; default now). One
      OK/FAIL line per check; each FAIL with the exception Java prints, what
      the other side sees, why, and the fix (which field of which
      CertStore). NS/NAME is a CertStore (--server) or a Secret
      (--server-secret); DIR holds keystore.p12|.jks, truststore.p12|.jks
      and password. Exit 0 the handshake would succeed, 1 it would fail,
      2 usage or access errors.
        kubectl certstore diagnose --server demo/server --client demo/client
  kubectl-certstore diagnose (--client NS/NAME | --client-secret NS/NAME |
                              --client-dir DIR) --connect HOST:PORT
                             [--host NAME] [--java VERSION]
      A real TLS handshake from this machine with the client's stores to a
      live endpoint, offering the client certificate as Java's key manager
      would, explained in the same words: the chain the server sent and the
      root it needs, whether it asked for a client certificate and which CAs
      it named, whether it accepted the client.
        kubectl certstore diagnose --client demo/client --connect server.example:8443
  kubectl-certstore renew NAME... [-n NS] [--wait[=DURATION]] [cluster flags]
  kubectl-certstore renew --all [-n NS] [--wait[=DURATION]] [cluster flags]
      Ask the operator for a new certificate now: sets the CertStore's
      certstore.dev/renew-request annotation to the current time; the operator
      issues once per value (Issuing reason Requested, an Event, the
      issuance metric) and records it in status.lastRenewRequest. A
      truststore-only CertStore is refused (--all skips it). The operator
      renews at most once per --renew-request-interval (60s by default)
      after the last issue; an earlier request waits. --wait waits for the
      new serial (default 2m) and prints it; exit 1 if it does not come.
        kubectl certstore renew mtls-server -n demo --wait
  Cluster flags, as kubectl's: --kubeconfig FILE (else $KUBECONFIG, else
  ~/.kube/config, else in-cluster), --context NAME, -n/--namespace NS (else
  the context's namespace, else "default").
  kubectl-certstore version
)";

// The usage of one command (its paragraphs of kUsage, and the cluster
// flags for the commands that read a cluster); "" for an unknown one.
std::string CommandHelp(const std::string& cmd) {
  const std::string me = "  kubectl-certstore " + cmd;
  const bool cluster = cmd == "status" || cmd == "renew" || cmd == "diagnose" ||
                       cmd == "inspect";
  std::istringstream in(kUsage);
  std::string line, out;
  bool on = false;
  while (std::getline(in, line)) {
    if (line.rfind("  kubectl-certstore ", 0) == 0)
      on = line.rfind(me, 0) == 0 &&
           (line.size() == me.size() || line[me.size()] == ' ');
    else if (line.rfind("  Cluster flags", 0) == 0)
      on = cluster;
    if (on) out += line + "\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" ||
      args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::string help = CommandHelp(cmd);
      if (help.empty()) break;
      std::cout << "Usage:\n" << help;
      return 0;
    }
  if (cmd == "render") return certstore::cli::RunRender(args);
  if (cmd == "inspect") return certstore::cli::RunInspect(args);
  if (cmd == "renew") return certstore::cli::RunRenew(args);
  if (cmd == "status") return certstore::cli::RunStatus(args);
  if (cmd == "diagnose") return certstore::cli::RunDiagnose(args);
  if (cmd == "version") {
    std::cout << "kubectl-certstore " << CERTSTORE_VERSION << "\n";
    return 0;
  }
  std::cerr << "kubectl-certstore: unknown command \"" << cmd << "\"\n\n"
            << kUsage;
  return 2;
}
