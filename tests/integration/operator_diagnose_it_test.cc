// `kubectl certstore diagnose` against reality: pairs of stores issued by
// the operator on the local control plane (and two made by hand, for what
// the operator never writes), each predicted by the plugin and then tried
// with a real Java JSSE mutual-TLS handshake (tests/interop/java/MtlsPeer)
// using the very same stores. The verdict (exit code) must match Java's
// outcome, and the first FAIL line must name the error Java reported. And
// `diagnose --connect`: real handshakes with a client's stores against
// openssl s_server and a Java server, explained.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "operator/common/base64.h"
#include "operator/common/time_format.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

// Every error class diagnose names; the one in its first FAIL line must be
// in Java's own message.
const char* const kErrorClasses[] = {
    "password was incorrect",
    "Integrity check failed",
    "trustAnchors parameter must be non-empty",
    "PKIX path building failed",
    "validity check failed",
    "Extended key usage does not permit use for TLS server authentication",
    "Extended key usage does not permit use for TLS client authentication",
    "No subject alternative",
    "Empty client certificate chain",
    "No available authentication scheme",
};

// Files one JVM is started with.
struct JvmFiles {
  std::string keystore = "-";  // "-": none
  std::string truststore, password;
};

struct JavaOutcome {
  bool ok = false;
  std::string reported;  // the root cause as the failing JVM printed it
  std::string transcript;
};

// `argv` with faketime in front when `at` is set (both JVMs then live at
// that time; the monotonic clock stays real or the JVM stalls).
std::vector<std::string> AtTime(std::vector<std::string> argv,
                                const std::string& at) {
  if (at.empty()) return argv;
  argv.insert(argv.begin(), {"faketime", at});
  return argv;
}

// A real JSSE handshake: MtlsPeer server (client auth required) and client.
JavaOutcome RealHandshake(const std::string& classes, const JvmFiles& server,
                          const JvmFiles& client, const std::string& host,
                          const std::string& dir, const std::string& at) {
  JavaOutcome out;
  std::string log = dir + "/server.log";
  std::vector<std::string> sargv =
      AtTime({"java", "-cp", classes, "MtlsPeer", "server", server.keystore,
              server.truststore, server.password, "30"},
             at);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    std::vector<char*> a;
    for (auto& s : sargv) a.push_back(s.data());
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  ProcessGuard guard(pid);
  std::string port;
  bool exited = false;
  Eventually(
      [&] {
        std::string text = ReadFile(log).value_or("");
        size_t p = text.find("PORT ");
        if (p != std::string::npos) {
          port = text.substr(p + 5, text.find('\n', p) - p - 5);
          return true;
        }
        int status;
        exited = waitpid(pid, &status, WNOHANG) == pid;
        if (exited) guard.Release();
        return exited;
      },
      std::chrono::seconds(30));
  if (port.empty()) {
    // The server JVM did not start: its exception is the outcome.
    out.reported = ReadFile(log).value_or("");
    out.transcript = "server did not start:\n" + out.reported;
    return out;
  }
  CommandResult c = RunCommand(
      AtTime({"java", "-cp", classes, "MtlsPeer", "client", host, port,
              client.keystore, client.truststore, client.password},
             at),
      "", std::chrono::seconds(60), {"FAKETIME_DONT_FAKE_MONOTONIC=1"});
  // Give the server a moment to print its side.
  Eventually(
      [&] {
        return ReadFile(log).value_or("").find("SERVED") != std::string::npos ||
               ReadFile(log).value_or("").find("HANDSHAKE_FAILED") !=
                   std::string::npos;
      },
      std::chrono::seconds(5));
  std::string slog = ReadFile(log).value_or("");
  out.ok = c.ok();
  out.transcript = "client: " + c.output + "server: " + slog;
  size_t hf = slog.find("HANDSHAKE_FAILED ");
  std::string server_error =
      hf == std::string::npos ? "" : slog.substr(hf, slog.find('\n', hf) - hf);
  // The side that found the problem says what it is; the other only
  // received an alert, or lost the connection (Broken pipe).
  if (server_error.find("javax.net.ssl.SSL") != std::string::npos &&
      server_error.find("Received fatal alert") == std::string::npos)
    out.reported = server_error;
  else
    out.reported = c.output;
  return out;
}

// Writes one Secret's stores as JVM files under `dir`/`prefix`.
JvmFiles WriteJvmFiles(const api::SecretObject& s, const std::string& dir,
                       const std::string& prefix,
                       const std::string& password_override = "") {
  JvmFiles f;
  auto get = [&](const char* k) {
    auto it = s.data.find(k);
    return it == s.data.end() ? std::string() : it->second;
  };
  for (const char* k : {"keystore.p12", "keystore.jks"})
    if (!get(k).empty()) {
      f.keystore = dir + "/" + prefix + "-" + k;
      EXPECT_TRUE(WriteFileAtomic(f.keystore, get(k)).ok());
      break;
    }
  for (const char* k : {"truststore.p12", "truststore.jks"})
    if (!get(k).empty()) {
      f.truststore = dir + "/" + prefix + "-" + k;
      EXPECT_TRUE(WriteFileAtomic(f.truststore, get(k)).ok());
      break;
    }
  f.password = dir + "/" + prefix + ".password";
  EXPECT_TRUE(WriteFileAtomic(f.password, password_override.empty()
                                              ? get("password")
                                              : password_override)
                  .ok());
  return f;
}

CommandResult Diagnose(std::vector<std::string> args) {
  args.insert(args.begin(), {KUBECTL_CERTSTORE, "diagnose"});
  args.push_back("--kubeconfig");
  args.push_back(env->kubeconfig());
  return RunCommand(args, "", std::chrono::seconds(60));
}

// The error class named on diagnose's first "Java (...)" line; "" if none.
std::string FirstFailureClass(const std::string& output) {
  size_t fail = output.find("\nFAIL  ");
  if (fail == std::string::npos) return "";
  size_t java = output.find("Java (", fail);
  std::string line = output.substr(java, output.find('\n', java) - java);
  for (const char* c : kErrorClasses)
    if (line.find(c) != std::string::npos) return c;
  return "unknown: " + line;
}

std::string CertStore(const std::string& name, const std::string& issuer,
                      const std::string& body) {
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
         "metadata: {name: " +
         name + "}\nspec:\n  issuerRef: {name: " + issuer +
         "}\n  secretName: " + name + "-stores\n" + body;
}

std::string Keystore(const std::string& cn, const std::string& usages,
                     const std::string& extra = "") {
  return "  keystore: {commonName: " + cn + ", dnsNames: [" + cn +
         "], usages: [" + usages + "]" + extra + "}\n";
}

// Hand-made stores (openssl and keytool, as users make them): a root, an
// intermediate it signed, a server leaf from the intermediate whose keystore
// lacks the intermediate, and a client leaf from the root.
void MakeStoresWithoutIntermediate(const std::string& dir) {
  auto run = [&](std::vector<std::string> argv) {
    CommandResult r = RunCommand(argv, "", std::chrono::seconds(60));
    ASSERT_TRUE(r.ok()) << argv[0] << " " << argv[1] << ": " << r.output;
  };
  std::filesystem::create_directories(dir + "/server");
  std::filesystem::create_directories(dir + "/client");
  std::string ca_ext = dir + "/ca.ext", srv_ext = dir + "/srv.ext",
              cli_ext = dir + "/cli.ext";
  ASSERT_TRUE(WriteFileAtomic(ca_ext,
                              "basicConstraints=critical,CA:TRUE\n"
                              "keyUsage=critical,keyCertSign,cRLSign\n")
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(srv_ext,
                              "subjectAltName=DNS:hand.test\n"
                              "extendedKeyUsage=serverAuth\n")
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(cli_ext, "extendedKeyUsage=clientAuth\n").ok());
  auto key = [&](const std::string& name) {
    run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-out", dir + "/" + name + ".key"});
  };
  for (const char* k : {"root", "inter", "server", "client"}) key(k);
  run({"openssl", "req", "-x509", "-key", dir + "/root.key", "-subj",
       "/CN=Hand Root", "-days", "30", "-addext",
       "basicConstraints=critical,CA:TRUE", "-addext",
       "keyUsage=critical,keyCertSign,cRLSign", "-out", dir + "/root.crt"});
  auto issue = [&](const std::string& name, const std::string& cn,
                   const std::string& signer, const std::string& ext) {
    run({"openssl", "req", "-new", "-key", dir + "/" + name + ".key", "-subj",
         "/CN=" + cn, "-out", dir + "/" + name + ".csr"});
    run({"openssl", "x509", "-req", "-in", dir + "/" + name + ".csr", "-CA",
         dir + "/" + signer + ".crt", "-CAkey", dir + "/" + signer + ".key",
         "-CAcreateserial", "-days", "20", "-extfile", ext, "-out",
         dir + "/" + name + ".crt"});
  };
  issue("inter", "Hand Intermediate", "root", ca_ext);
  issue("server", "hand.test", "inter", srv_ext);
  issue("client", "hand-client", "root", cli_ext);
  for (const char* side : {"server", "client"}) {
    std::string d = dir + "/" + side;
    ASSERT_TRUE(WriteFileAtomic(d + "/password", "handpass").ok());
    // The server's keystore: the leaf alone (no -certfile: the mistake).
    std::vector<std::string> p12 = {"openssl",
                                    "pkcs12",
                                    "-export",
                                    "-inkey",
                                    dir + "/" + side + ".key",
                                    "-in",
                                    dir + "/" + side + ".crt",
                                    "-name",
                                    side,
                                    "-passout",
                                    "pass:handpass",
                                    "-out",
                                    d + "/keystore.p12"};
    if (std::string(side) == "client") {
      p12.push_back("-certfile");
      p12.push_back(dir + "/root.crt");
    }
    run(p12);
    run({"keytool", "-importcert", "-noprompt", "-alias", "root", "-file",
         dir + "/root.crt", "-keystore", d + "/truststore.p12", "-storetype",
         "PKCS12", "-storepass", "handpass"});
  }
}

struct Pair {
  std::string name;
  std::vector<std::string> diagnose;  // --server.../--client...
  std::function<JvmFiles()> server_files, client_files;
  std::string host;
  std::string at;  // RFC 3339; "" = now
  bool succeeds;
  std::string error_class;  // expected, when !succeeds
};

TEST_F(OperatorIT, DiagnosePredictsRealJavaHandshakes) {
  std::string dir = "/tmp/operator-diagnose-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string classes = JavaClasses(dir);
  MakeStoresWithoutIntermediate(dir + "/hand");
  if (HasFatalFailure()) return;

  auto self_signed = [](const std::string& name) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\n"
           "metadata: {name: " +
           name + "}\nspec:\n  selfSigned: {secretName: " + name +
           "-ca, commonName: " + name + " Root}\n";
  };
  Apply(self_signed("team") + self_signed("other"));
  std::map<std::string, std::string> roots;
  for (const char* issuer : {"team", "other"}) {
    ASSERT_TRUE(Eventually(
        [&] {
          roots[issuer] = Jsonpath("certissuer.certstore.dev", issuer,
                                   "{.status.caCertificate}");
          return !roots[issuer].empty();
        },
        std::chrono::seconds(30)))
        << OperatorLog();
  }
  Apply(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: team-root}\n"
      "data:\n  ca.crt: |\n" +
      [&] {
        std::string indented;
        size_t start = 0;
        const std::string& pem = roots["team"];
        while (start < pem.size()) {
          size_t end = pem.find('\n', start);
          if (end == std::string::npos) end = pem.size();
          indented += "    " + pem.substr(start, end - start) + "\n";
          start = end + 1;
        }
        return indented;
      }());
  const std::string own = "  truststore: {}\n";
  const std::string own_and_team =
      "  truststore:\n    sources:\n    - issuer: {}\n    - configMap: "
      "{name: team-root, key: ca.crt}\n";
  Apply(CertStore("srv", "team", Keystore("srv.test", "serverAuth") + own) +
        CertStore("cli", "team", Keystore("cli.test", "clientAuth") + own) +
        CertStore("srv-eku", "team", Keystore("srv.test", "clientAuth") + own) +
        CertStore("cli-eku", "team", Keystore("cli.test", "serverAuth") + own) +
        CertStore("srv-other", "other",
                  Keystore("srv.test", "serverAuth") + own_and_team) +
        CertStore("cli-other", "other",
                  Keystore("cli.test", "clientAuth") + own_and_team) +
        CertStore("cli-trust", "team", own) +
        CertStore("srv-legacy", "team",
                  Keystore("srv.test", "serverAuth") + own +
                      "  pkcs12: {profile: LegacyDES}\n") +
        CertStore(
            "srv-jks", "team",
            Keystore("srv.test", "serverAuth") + own + "  formats: [JKS]\n"));
  for (const char* n : {"srv", "cli", "srv-eku", "cli-eku", "srv-other",
                        "cli-other", "cli-trust", "srv-legacy", "srv-jks"})
    ASSERT_TRUE(WaitReady(n, "True")) << n << "\n" << OperatorLog();

  // The Secret of a CertStore as JVM files (read when the pair runs).
  auto files = [&](const std::string& cs, const std::string& pair,
                   const std::string& password = "") {
    return [this, cs, pair, password, dir]() {
      auto s = Secret(cs + "-stores");
      EXPECT_TRUE(s.has_value()) << cs;
      return s ? WriteJvmFiles(*s, dir + "/" + pair, cs, password) : JvmFiles();
    };
  };
  auto hand = [&](const std::string& side) {
    return [dir, side]() {
      JvmFiles f;
      std::string d = dir + "/hand/" + side;
      f.keystore = d + "/keystore.p12";
      f.truststore = d + "/truststore.p12";
      f.password = d + "/password";
      return f;
    };
  };
  // A Secret with srv's stores and the wrong password, as someone might
  // restore it next to a changed password.
  {
    auto srv = Secret("srv-stores");
    ASSERT_TRUE(srv.has_value());
    Apply(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: srv-wrong-pw}\n"
        "data:\n  keystore.p12: " +
        Base64Encode(srv->data["keystore.p12"]) +
        "\n  truststore.p12: " + Base64Encode(srv->data["truststore.p12"]) +
        "\n  password: " + Base64Encode("not-the-password") + "\n");
  }
  auto ns = [&](const std::string& n) { return ns_ + "/" + n; };
  std::string later = FormatRfc3339(std::chrono::system_clock::now() +
                                    std::chrono::hours(24 * 200));
  std::string later_faketime = later.substr(0, 10) + " " + later.substr(11, 8);

  std::vector<Pair> pairs = {
      {"works",
       {"--server", ns("srv"), "--client", ns("cli")},
       files("srv", "works"),
       files("cli", "works"),
       "srv.test",
       "",
       true,
       ""},
      {"server-lacks-serverAuth",
       {"--server", ns("srv-eku"), "--client", ns("cli")},
       files("srv-eku", "srv-eku"),
       files("cli", "srv-eku"),
       "srv.test",
       "",
       false,
       "Extended key usage does not permit use for TLS server authentication"},
      {"client-lacks-clientAuth",
       {"--server", ns("srv"), "--client", ns("cli-eku")},
       files("srv", "cli-eku"),
       files("cli-eku", "cli-eku"),
       "srv.test",
       "",
       false,
       "Extended key usage does not permit use for TLS client authentication"},
      {"san-mismatch",
       {"--server", ns("srv"), "--client", ns("cli"), "--host", "other.test"},
       files("srv", "san"),
       files("cli", "san"),
       "other.test",
       "",
       false,
       "No subject alternative"},
      {"server-root-not-trusted-by-client",
       {"--server", ns("srv-other"), "--client", ns("cli")},
       files("srv-other", "srv-root"),
       files("cli", "srv-root"),
       "srv.test",
       "",
       false,
       "PKIX path building failed"},
      {"client-root-not-trusted-by-server",
       {"--server", ns("srv"), "--client", ns("cli-other")},
       files("srv", "cli-root"),
       files("cli-other", "cli-root"),
       "srv.test",
       "",
       false,
       "Empty client certificate chain"},
      {"client-without-keystore",
       {"--server", ns("srv"), "--client", ns("cli-trust")},
       files("srv", "no-ks"),
       files("cli-trust", "no-ks"),
       "srv.test",
       "",
       false,
       "Empty client certificate chain"},
      {"expired-at-a-later-time",
       {"--server", ns("srv"), "--client", ns("cli"), "--at", later},
       files("srv", "expired"),
       files("cli", "expired"),
       "srv.test",
       later_faketime,
       false,
       "validity check failed"},
      {"intermediate-missing",
       {"--server-dir", dir + "/hand/server", "--client-dir",
        dir + "/hand/client"},
       hand("server"),
       hand("client"),
       "hand.test",
       "",
       false,
       "PKIX path building failed"},
      {"legacy-des-server-modern-client-java-17",
       {"--server", ns("srv-legacy"), "--client", ns("cli"), "--java", "17"},
       files("srv-legacy", "legacy"),
       files("cli", "legacy"),
       "srv.test",
       "",
       true,
       ""},
      {"jks-server",
       {"--server", ns("srv-jks"), "--client", ns("cli")},
       files("srv-jks", "jks"),
       files("cli", "jks"),
       "srv.test",
       "",
       true,
       ""},
      {"wrong-password",
       {"--server-secret", ns("srv-wrong-pw"), "--client", ns("cli")},
       files("srv", "wrong-pw", "not-the-password"),
       files("cli", "wrong-pw"),
       "srv.test",
       "",
       false,
       "password was incorrect"},
  };
  for (const Pair& p : pairs) {
    SCOPED_TRACE(p.name);
    std::filesystem::create_directories(dir + "/" + p.name);
    CommandResult d = Diagnose(p.diagnose);
    ASSERT_TRUE(d.exit_code == 0 || d.exit_code == 1) << d.output;
    JvmFiles server = p.server_files(), client = p.client_files();
    // The client JVM without a keystore when the CertStore has none.
    if (server.keystore.empty()) server.keystore = "-";
    if (client.keystore.empty()) client.keystore = "-";
    JavaOutcome java = RealHandshake(classes, server, client, p.host,
                                     dir + "/" + p.name, p.at);
    EXPECT_EQ(java.ok, p.succeeds) << "Java:\n" << java.transcript;
    EXPECT_EQ(d.exit_code == 0, java.ok)
        << "diagnose disagrees with Java\ndiagnose:\n"
        << d.output << "Java:\n"
        << java.transcript;
    if (!p.succeeds) {
      EXPECT_EQ(FirstFailureClass(d.output), p.error_class) << d.output;
      EXPECT_NE(java.reported.find(p.error_class), std::string::npos)
          << "Java reported something else:\n"
          << java.transcript;
    }
    // Never a password in diagnose's output.
    EXPECT_EQ(d.output.find("not-the-password"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(OperatorIT, DiagnoseConnectExplainsRealHandshakes) {
  std::string dir = "/tmp/operator-connect-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string classes = JavaClasses(dir);
  auto self_signed = [](const std::string& name) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\n"
           "metadata: {name: " +
           name + "}\nspec:\n  selfSigned: {secretName: " + name +
           "-ca, commonName: " + name + " Root}\n";
  };
  const std::string own = "  truststore: {}\n  formats: [PKCS12, PEM]\n";
  Apply(self_signed("team") + self_signed("other") +
        CertStore("srv", "team", Keystore("srv.test", "serverAuth") + own) +
        CertStore("srv-other", "other",
                  Keystore("srv.test", "serverAuth") + own) +
        CertStore("cli", "team", Keystore("cli.test", "clientAuth") + own) +
        CertStore("cli-trust", "team", "  truststore: {}\n"));
  for (const char* n : {"srv", "srv-other", "cli", "cli-trust"})
    ASSERT_TRUE(WaitReady(n, "True")) << n << "\n" << OperatorLog();

  // The PEM files of a server CertStore, for openssl s_server.
  auto pem = [&](const std::string& cs) {
    auto s = Secret(cs + "-stores");
    EXPECT_TRUE(s.has_value());
    for (const char* k : {"tls.crt", "tls.key", "ca.crt"})
      EXPECT_TRUE(
          WriteFileAtomic(dir + "/" + cs + "-" + k, s ? s->data[k] : "").ok());
  };
  pem("srv");
  pem("srv-other");
  auto s_server = [&](LiveEndpoint* e, const std::string& cs) {
    e->port = FreeLoopbackPort();
    StartEndpoint(
        e,
        {"openssl", "s_server", "-accept",
         "127.0.0.1:" + std::to_string(e->port), "-cert",
         dir + "/" + cs + "-tls.crt", "-key", dir + "/" + cs + "-tls.key",
         "-CAfile", dir + "/" + cs + "-ca.crt", "-Verify", "1", "-www"},
        dir + "/" + cs + "-s_server.log", "ACCEPT");
  };
  auto java_server = [&](LiveEndpoint* e, const std::string& cs) {
    auto s = Secret(cs + "-stores");
    ASSERT_TRUE(s.has_value());
    JvmFiles f = WriteJvmFiles(*s, dir, cs + "-java");
    std::string log = dir + "/" + cs + "-java.log";
    StartEndpoint(e,
                  {"java", "-cp", classes, "MtlsPeer", "server", f.keystore,
                   f.truststore, f.password, "60"},
                  log, "PORT ");
    std::string text = ReadFile(log).value_or("");
    size_t p = text.find("PORT ");
    e->port = std::stoi(text.substr(p + 5));
  };
  auto connect = [&](const std::string& client, int port) {
    return Diagnose({"--client", ns_ + "/" + client, "--connect",
                     "127.0.0.1:" + std::to_string(port), "--host",
                     "srv.test"});
  };
  struct Case {
    std::string server, client;
    int exit_code;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"srv",
       "cli",
       0,
       {"It asked for a client certificate issued by one of:\n  CN=team Root",
        "The client sent certificate.",
        "OK    client trusts the server's certificate chain",
        "OK    the server accepts the client (real handshake)",
        "would SUCCEED"}},
      {"srv",
       "cli-trust",
       1,
       {"The client sent no certificate.",
        "FAIL  client sends a certificate the server asks for",
        "Empty client certificate chain",
        "FAIL  the server accepts the client (real handshake)", "would FAIL"}},
      {"srv-other",
       "cli",
       1,
       {"Your truststore needs: \"CN=other Root\"",
        "FAIL  client trusts the server's certificate chain",
        "PKIX path building failed", "would FAIL"}},
  };
  for (const bool java : {false, true}) {
    for (const Case& c : cases) {
      SCOPED_TRACE((java ? "Java server " : "openssl s_server ") + c.server +
                   ", client " + c.client);
      LiveEndpoint e;
      if (java)
        java_server(&e, c.server);
      else
        s_server(&e, c.server);
      if (HasFatalFailure()) return;
      CommandResult r = connect(c.client, e.port);
      EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
      for (const auto& want : c.says)
        EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n"
                                                          << r.output;
    }
  }
  // Nothing listening: an access error (exit 2), said so.
  CommandResult refused = connect("cli", FreeLoopbackPort());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("cannot connect to 127.0.0.1:"),
            std::string::npos)
      << refused.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
