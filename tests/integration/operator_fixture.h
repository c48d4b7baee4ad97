// The operator integration fixture: one certstore-operator process per test
// binary, run as a ServiceAccount bound to exactly the RBAC rules the chart
// ships (deploy/rbac), against the local control plane; each test gets a
// fresh namespace. Shared by the operator_*_it_test.cc files.
#ifndef CERTSTORE_TESTS_INTEGRATION_OPERATOR_FIXTURE_H_
#define CERTSTORE_TESTS_INTEGRATION_OPERATOR_FIXTURE_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "operator/api/parse.h"
#include "operator/common/files.h"
#include "tests/integration/rotation_order.h"
#include "tests/integration/secret_pair_history.h"
#include "tests/support/kube_test_env.h"

namespace certstore {

inline KubeTestEnv* const env = KubeTestEnv::Register();

// A TCP port on 127.0.0.1 that nothing listens on right now.
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// A server process on a free loopback port, stopped by PID at scope exit.
struct LiveEndpoint {
  pid_t pid = -1;
  int port = 0;
  ~LiveEndpoint() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

// Starts `argv` with output to `log`, waits until `ready` appears in it.
inline void StartEndpoint(LiveEndpoint* e, std::vector<std::string> argv,
                          const std::string& log, const std::string& ready) {
  std::remove(log.c_str());  // not the previous server's line
  e->pid = fork();
  if (e->pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> a;
    for (auto& x : argv) a.push_back(x.data());
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  EXPECT_TRUE(Eventually(
      [&] {
        return ReadFile(log).value_or("").find(ready) != std::string::npos;
      },
      std::chrono::seconds(30)))
      << ReadFile(log).value_or("");
}

// A root CA made with the openssl command line, as a user would: `dir`/<cn>.crt
// and .key, and their contents.
struct OpensslRoot {
  std::string crt, key;
};
inline OpensslRoot MakeOpensslRoot(const std::string& dir,
                                   const std::string& cn) {
  std::string crt = dir + "/" + cn + ".crt", key = dir + "/" + cn + ".key";
  CommandResult r = RunCommand({"openssl",
                                "req",
                                "-x509",
                                "-newkey",
                                "ec",
                                "-pkeyopt",
                                "ec_paramgen_curve:P-256",
                                "-nodes",
                                "-keyout",
                                key,
                                "-out",
                                crt,
                                "-days",
                                "30",
                                "-subj",
                                "/O=Lab/CN=" + cn,
                                "-addext",
                                "basicConstraints=critical,CA:TRUE",
                                "-addext",
                                "keyUsage=critical,keyCertSign,cRLSign"});
  EXPECT_TRUE(r.ok()) << r.output;
  return {ReadFile(crt).value_or(""), ReadFile(key).value_or("")};
}

inline pid_t ApiServerPid() {
  std::ifstream in(env->state_dir() + "/pids/kube-apiserver.pid");
  pid_t pid = -1;
  in >> pid;
  return pid;
}

// SIGSTOPs the API server; SIGCONTs it when it goes out of scope, whatever
// the test's fate (the rest of the suite needs it).
class FrozenApiServer {
 public:
  FrozenApiServer() : pid_(ApiServerPid()) {
    if (pid_ > 0) kill(pid_, SIGSTOP);
  }
  ~FrozenApiServer() { Thaw(); }
  bool ok() const { return pid_ > 0; }
  void Thaw() {
    if (pid_ > 0) kill(pid_, SIGCONT);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

// SIGKILLs and reaps a process the test started when it goes out of scope
// (a failed ASSERT must not leave an operator running), unless released.
class ProcessGuard {
 public:
  explicit ProcessGuard(pid_t pid) : pid_(pid) {}
  ~ProcessGuard() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void Release() { pid_ = -1; }  // the test reaped it itself

 private:
  pid_t pid_;
};

class OperatorIT : public ::testing::Test {
 protected:
  // The suite operator's --ca-rotation-propagation-delay (60 s by default).
  static constexpr int kPropagationDelaySeconds = 6;
  // The suite operator's --workload-restart-window (below the delay).
  static constexpr int kRestartWindowSeconds = 4;
  // Its --ca-rotation-member-deadline (1h by default): how long a rotation
  // waits for a member whose Secret cannot be written.
  static constexpr int kMemberDeadlineSeconds = 25;
  // Its --health-api-silence (60s by default): /healthz fails when the API
  // server has not answered for this long.
  static constexpr int kApiSilenceSeconds = 10;
  // Its --shutdown-timeout (10s by default).
  static constexpr int kShutdownTimeoutSeconds = 8;
  // Its --renew-request-interval (60s by default).
  static constexpr int kRenewRequestIntervalSeconds = 2;
  static void SetUpTestSuite() {
    ASSERT_TRUE(env->InstallCrds());
    crns_ = "certstore-system-" + std::to_string(getpid());
    ASSERT_TRUE(env->Kubectl({"create", "namespace", crns_}).ok());
    // Run as a ServiceAccount bound to exactly the rules the chart ships.
    CommandResult rbac = env->Kubectl(
        {"apply", "-f",
         KubeTestEnv::SourceDir() + "/deploy/rbac/clusterrole.yaml"});
    ASSERT_TRUE(rbac.ok()) << rbac.output;
    std::string sa_kubeconfig =
        env->ServiceAccountKubeconfig(crns_, "certstore-operator");
    ASSERT_FALSE(sa_kubeconfig.empty());
    ASSERT_TRUE(
        env->Kubectl({"create", "clusterrolebinding",
                      "certstore-operator-" + crns_,
                      "--clusterrole=certstore-operator",
                      "--serviceaccount=" + crns_ + ":certstore-operator"})
            .ok());
    ASSERT_TRUE(
        env->Kubectl({"-n", crns_, "create", "rolebinding", "leader-election",
                      "--clusterrole=certstore-operator-leader-election",
                      "--serviceaccount=" + crns_ + ":certstore-operator"})
            .ok());
    log_ = "/tmp/operator-it-" + std::to_string(getpid()) + ".log";
    health_port_ = FreeLoopbackPort();
    metrics_port_ = FreeLoopbackPort();
    sa_kubeconfig_ = sa_kubeconfig;
    operator_args_ = {"--kubeconfig",
                      sa_kubeconfig,
                      "--cluster-resource-namespace",
                      crns_,
                      "--leader-elect",
                      "--health-probe-bind-address",
                      "127.0.0.1:" + std::to_string(health_port_),
                      "--metrics-bind-address",
                      "127.0.0.1:" + std::to_string(metrics_port_),
                      "--ca-rotation-propagation-delay",
                      std::to_string(kPropagationDelaySeconds) + "s",
                      "--workload-restart-window",
                      std::to_string(kRestartWindowSeconds) + "s",
                      "--ca-rotation-member-deadline",
                      std::to_string(kMemberDeadlineSeconds) + "s",
                      "--health-api-silence",
                      std::to_string(kApiSilenceSeconds) + "s",
                      "--shutdown-timeout",
                      std::to_string(kShutdownTimeoutSeconds) + "s",
                      "--renew-request-interval",
                      std::to_string(kRenewRequestIntervalSeconds) + "s"};
    pid_ = SpawnOperator(operator_args_, log_);
  }
  // Starts build/bin/certstore-operator with `args`, output to `log_path`.
  static pid_t SpawnOperator(const std::vector<std::string>& args,
                             const std::string& log_path) {
    std::string bin =
        std::string(CERTSTORE_BINARY_DIR) + "/bin/certstore-operator";
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    return pid;
  }
  // The last 4,000 characters of a log file (sanitizer reports end there).
  static std::string LogTail(const std::string& path) {
    std::string text = ReadFile(path).value_or("");
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "operator exit " << status << "; log tail:\n"
          << LogTail(log_);
    }
    std::string log = ReadFile(log_).value_or("");
    // The operator's log never holds key material.
    EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos);
    for (const auto& pw : passwords_)
      EXPECT_EQ(log.find(pw), std::string::npos);
    std::remove(log_.c_str());
  }
  void SetUp() override {
    ns_ = env->CreateNamespace();
    ASSERT_FALSE(ns_.empty());
  }
  std::optional<api::SecretObject> Secret(const std::string& name) {
    CommandResult r =
        env->Kubectl({"-n", ns_, "get", "secret", name, "-o", "json"});
    if (!r.ok()) return std::nullopt;
    auto s = api::ParseSecret(r.output);
    if (!s.ok()) return std::nullopt;
    return std::move(s).value();
  }
  std::string Jsonpath(const std::string& kind, const std::string& name,
                       const std::string& path) {
    CommandResult r =
        env->Kubectl({"-n", ns_, "get", kind, name, "-o", "jsonpath=" + path});
    return r.ok() ? r.output : "";
  }
  std::string Issuer(const std::string& name) {
    return "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
           "{name: " +
           name + "}\nspec:\n  selfSigned: {secretName: " + name +
           "-ca, commonName: " + name + " Root}\n";
  }
  // Applies `yaml` in the test's namespace; fails the test when refused.
  void Apply(const std::string& yaml) {
    CommandResult r = env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml);
    ASSERT_TRUE(r.ok()) << r.output;
  }
  // A field of a status condition of CertStore `name`: "status", "reason"...
  std::string Condition(const std::string& name, const std::string& type,
                        const std::string& field) {
    return Jsonpath(
        "certstore.certstore.dev", name,
        "{.status.conditions[?(@.type==\"" + type + "\")]." + field + "}");
  }
  // Waits until CertStore `name` is Ready=`status` with `reason` (any reason
  // when empty).
  bool WaitReady(const std::string& name, const std::string& status,
                 const std::string& reason = "",
                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
    return Eventually(
        [&] {
          return Condition(name, "Ready", "status") == status &&
                 (reason.empty() ||
                  Condition(name, "Ready", "reason") == reason);
        },
        timeout);
  }
  // The Events of this test's namespace as `kubectl get events -o json`,
  // once they mention every one of `needles` (Events are sent after the
  // status write, by a background sender), or after 20 s as they are then.
  std::string EventsMentioning(const std::vector<std::string>& needles) {
    std::string out;
    Eventually(
        [&] {
          out = env->Kubectl({"-n", ns_, "get", "events", "-o", "json"}).output;
          for (const auto& n : needles)
            if (out.find(n) == std::string::npos) return false;
          return true;
        },
        std::chrono::seconds(20));
    return out;
  }
  // A JSONPath of CertStore `name`, e.g. "{.status.serialNumber}".
  std::string CertStoreField(const std::string& name, const std::string& path) {
    return Jsonpath("certstore.certstore.dev", name, path);
  }
  std::string OperatorLog() { return ReadFile(log_).value_or(""); }
  // Creates or updates in place (kubectl apply) the kubernetes.io/tls Secret
  // `name` of this test's namespace holding `root` as tls.crt and tls.key,
  // and with `with_ca_crt` as ca.crt too (as cert-manager writes a CA).
  void ApplyCaSecret(const std::string& name, const OpensslRoot& root,
                     bool with_ca_crt = false) {
    std::string dir = "/tmp/operator-ca-secret-" + std::to_string(getpid());
    ASSERT_TRUE(WriteFileAtomic(dir + "-tls.crt", root.crt).ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "-tls.key", root.key).ok());
    std::vector<std::string> args = {"-n",
                                     ns_,
                                     "create",
                                     "secret",
                                     "generic",
                                     name,
                                     "--type",
                                     "kubernetes.io/tls",
                                     "--from-file=tls.crt=" + dir + "-tls.crt",
                                     "--from-file=tls.key=" + dir + "-tls.key"};
    if (with_ca_crt) args.push_back("--from-file=ca.crt=" + dir + "-tls.crt");
    args.insert(args.end(), {"--dry-run=client", "-o", "yaml"});
    CommandResult y = env->Kubectl(args);
    ASSERT_TRUE(y.ok()) << y.output;
    Apply(y.output);
  }
  // A `ca` CertIssuer `issuer` on CA Secret `secret` (ApplyCaSecret first)
  // and the RotationPairYaml pair; true once both are Ready and the issuer
  // has recorded its root.
  bool ApplyRotationPair(const std::string& issuer, const std::string& secret) {
    Apply(
        "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
        "{name: " +
        issuer + "}\nspec:\n  ca: {secretName: " + secret + "}\n" +
        RotationPairYaml(issuer));
    return WaitReady("server", "True") && WaitReady("client", "True") &&
           Eventually(
               [&] {
                 return !Jsonpath("certissuer.certstore.dev", issuer,
                                  "{.status.caCertificate}")
                             .empty();
               },
               std::chrono::seconds(30));
  }
  // Waits (up to 120 s) until CertIssuer `issuer`'s CA rotation to the root
  // with fingerprint `new_fp` is over for the RotationPairYaml pair: both
  // certificates from the new root, each truststore holding one root, and
  // no status.rotation left.
  bool WaitRotatedTo(const std::string& issuer, const std::string& new_fp) {
    return Eventually(
        [&] {
          for (const char* cs : {"server", "client"})
            if (CertStoreField(cs, "{.status.issuerCAFingerprintSHA256}") !=
                    new_fp ||
                CertStoreField(cs, "{.status.truststore.certificates}") != "1")
              return false;
          return Jsonpath("certissuer.certstore.dev", issuer,
                          "{.status.rotation}")
              .empty();
        },
        std::chrono::seconds(120));
  }

  // A Java JSSE mutual-TLS server (tests/interop/java/MtlsPeer.java) on a
  // free loopback port, loading PKCS12 stores from `dir`/<prefix>.p12,
  // <prefix>-trust.p12 and <prefix>.password (as WriteStores writes them).
  struct JavaServer {
    pid_t pid = -1;
    std::string port;
  };
  static std::string JavaClasses(const std::string& dir) {
    std::string classes = dir + "/classes";
    if (access((classes + "/MtlsPeer.class").c_str(), F_OK) == 0)
      return classes;
    std::string src =
        KubeTestEnv::SourceDir() + "/tests/interop/java/MtlsPeer.java";
    CommandResult r = RunCommand({"javac", "-d", classes, src}, "",
                                 std::chrono::seconds(120));
    EXPECT_TRUE(r.ok()) << r.output;
    return classes;
  }
  // Writes keystore.p12, truststore.p12 and password of Secret `s` as
  // `dir`/<prefix>.p12, <prefix>-trust.p12, <prefix>.password.
  static void WriteStores(const api::SecretObject& s, const std::string& dir,
                          const std::string& prefix) {
    auto get = [&](const char* k) {
      auto it = s.data.find(k);
      return it == s.data.end() ? std::string() : it->second;
    };
    EXPECT_TRUE(
        WriteFileAtomic(dir + "/" + prefix + ".p12", get("keystore.p12")).ok());
    EXPECT_TRUE(WriteFileAtomic(dir + "/" + prefix + "-trust.p12",
                                get("truststore.p12"))
                    .ok());
    EXPECT_TRUE(
        WriteFileAtomic(dir + "/" + prefix + ".password", get("password"))
            .ok());
  }
  static JavaServer StartJavaServer(const std::string& dir,
                                    const std::string& prefix,
                                    int seconds = 60) {
    JavaServer out;
    std::string classes = JavaClasses(dir);
    std::string log = dir + "/" + prefix + ".server.log";
    std::remove(log.c_str());  // not the previous server's PORT line
    out.pid = fork();
    if (out.pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execlp("java", "java", "-cp", classes.c_str(), "MtlsPeer", "server",
             (dir + "/" + prefix + ".p12").c_str(),
             (dir + "/" + prefix + "-trust.p12").c_str(),
             (dir + "/" + prefix + ".password").c_str(),
             std::to_string(seconds).c_str(), nullptr);
      _exit(127);
    }
    EXPECT_TRUE(Eventually(
        [&] {
          std::string text = ReadFile(log).value_or("");
          size_t p = text.find("PORT ");
          if (p == std::string::npos) return false;
          out.port = text.substr(p + 5, text.find('\n', p) - p - 5);
          return true;
        },
        std::chrono::seconds(30)))
        << ReadFile(log).value_or("");
    return out;
  }
  static void StopJavaServer(JavaServer* s) {
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, nullptr, 0);
    s->pid = -1;
  }
  // A Java client with the stores `dir`/<prefix>...; "-" as prefix: no
  // keystore (the truststore and password of "client").
  static CommandResult JavaClient(const std::string& dir,
                                  const std::string& prefix,
                                  const std::string& host,
                                  const std::string& port) {
    std::string keystore = prefix == "-" ? "-" : dir + "/" + prefix + ".p12";
    std::string p = prefix == "-" ? "client" : prefix;
    return RunCommand({"java", "-cp", JavaClasses(dir), "MtlsPeer", "client",
                       host, port, keystore, dir + "/" + p + "-trust.p12",
                       dir + "/" + p + ".password"});
  }

  // Every (server, client) pair of Secret versions `history` saw together
  // completes a Java mutual-TLS handshake (server name `host`). Returns how
  // many handshakes ran; each failure is a test failure naming the pair.
  static int HandshakeEveryPairSeenTogether(const SecretPairHistory& history,
                                            const std::string& dir,
                                            const std::string& host) {
    std::set<std::string> servers;
    for (const auto& [srv, cli] : history.together()) servers.insert(srv);
    int handshakes = 0;
    for (const std::string& srv : servers) {
      const auto& s = history.versions().at(srv);
      WriteStores(s.secret, dir, "server");
      passwords_.push_back(s.secret.data.at("password"));
      JavaServer server = StartJavaServer(dir, "server");
      EXPECT_FALSE(server.port.empty());
      if (server.port.empty()) continue;
      for (const auto& [srv2, cli] : history.together()) {
        if (srv2 != srv) continue;
        const auto& c = history.versions().at(cli);
        WriteStores(c.secret, dir, "client");
        passwords_.push_back(c.secret.data.at("password"));
        CommandResult ok = JavaClient(dir, "client", host, server.port);
        EXPECT_TRUE(ok.ok())
            << "server (leaf from " << s.leaf_issuer << ", trusts "
            << s.trusted.size() << ") and client (leaf from " << c.leaf_issuer
            << ", trusts " << c.trusted.size() << "): " << ok.output;
        ++handshakes;
      }
      StopJavaServer(&server);
    }
    return handshakes;
  }

  inline static std::string crns_, log_, sa_kubeconfig_;
  inline static std::vector<std::string> operator_args_;
  inline static pid_t pid_ = -1;
  inline static int health_port_ = 0, metrics_port_ = 0;
  inline static std::vector<std::string> passwords_;
  std::string ns_;
};

}  // namespace certstore

#endif  // CERTSTORE_TESTS_INTEGRATION_OPERATOR_FIXTURE_H_
