// `kubectl-certstore render` end to end: both layouts, re-runs that keep the
// certificates, and bad input that writes nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "operator/api/parse.h"
#include "operator/pki/certificate.h"
#include "tests/cli/cli_runner.h"

namespace certstore::cli {
namespace {
using namespace testing;  // NOLINT

using Files = std::set<std::string>;

Files ListDir(const std::string& dir) {
  Files out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.insert(e.path().filename().string());
  return out;
}

// CertStore name -> serial, from render's report on stderr.
std::map<std::string, std::string> Serials(const std::string& err) {
  std::map<std::string, std::string> out;
  static const std::regex re(
      "CertStore default/([a-z-]+): [^\\n]*serial ([0-9a-f]+)");
  for (std::sregex_iterator it(err.begin(), err.end(), re), end; it != end;
       ++it)
    out[(*it)[1]] = (*it)[2];
  return out;
}

std::string SerialOfPem(const std::string& path) {
  auto certs = pki::ParseCertificatesPem(Slurp(path));
  EXPECT_TRUE(certs.ok()) << path << ": " << certs.status();
  return certs.ok() ? pki::SerialHex(certs->front().get()) : "";
}

class CliRenderTest : public ::testing::Test {
 protected:
  RunResult Run(const std::vector<std::string>& args) {
    return RunCli(args, capture_.path());
  }
  TempDir dir_, capture_;
};

TEST_F(CliRenderTest, SecretsLayout) {
  std::string out = dir_ / "out";
  RunResult r = Run({"render", "-f", LabYaml(), "--out", out});
  ASSERT_EQ(r.code, 0) << r.All();
  EXPECT_NE(r.err.find("created root CA in Secret default/lab-root-ca"),
            std::string::npos);
  EXPECT_NE(r.err.find("issued (Initial)"), std::string::npos) << r.err;
  const Files all = {"keystore.p12",   "keystore.jks", "truststore.p12",
                     "truststore.jks", "tls.crt",      "tls.key",
                     "ca.crt",         "password"};
  for (const char* secret : {"mtls-server-stores", "mtls-client-stores"}) {
    SCOPED_TRACE(secret);
    fs::path d = fs::path(out) / secret;
    EXPECT_EQ(ListDir(d), all);
    for (const auto& f : all)  // owner-only: these are secrets
      EXPECT_EQ(fs::status(d / f).permissions() & fs::perms::all,
                fs::perms::owner_read | fs::perms::owner_write)
          << f;
  }
  EXPECT_TRUE(fs::exists(out + "/.certstore-state/default/lab-root-ca.yaml"));
  auto serials = Serials(r.err);
  EXPECT_EQ(serials.size(), 2u);
  EXPECT_EQ(serials["server"],
            SerialOfPem(out + "/mtls-server-stores/tls.crt"));
  EXPECT_EQ(serials["client"],
            SerialOfPem(out + "/mtls-client-stores/tls.crt"));
}

TEST_F(CliRenderTest, FilesLayout) {
  std::string lab = dir_ / "lab";
  RunResult r =
      Run({"render", "-f", LabYaml(), "--out", lab, "--layout", "files"});
  ASSERT_EQ(r.code, 0) << r.All();
  Files want;
  for (const std::string who : {"server", "client"})
    for (const char* suffix : {".p12", "-trust.p12", ".jks", "-trust.jks",
                               ".crt", ".key", "-ca.crt", ".password"})
      want.insert(who + suffix);
  EXPECT_EQ(ListDir(lab), want);
  EXPECT_EQ(Serials(r.err)["server"], SerialOfPem(lab + "/server.crt"));
}

TEST_F(CliRenderTest, RerunKeepsCertificatesAndBytes) {
  for (const char* layout : {"secrets", "files"}) {
    SCOPED_TRACE(layout);
    std::string out = dir_ / layout;
    RunResult first =
        Run({"render", "-f", LabYaml(), "--out", out, "--layout", layout});
    ASSERT_EQ(first.code, 0) << first.All();
    std::string p12 = out + (std::string(layout) == "files"
                                 ? "/server.p12"
                                 : "/mtls-server-stores/keystore.p12");
    std::string bytes = Slurp(p12);
    RunResult second =
        Run({"render", "-f", LabYaml(), "--out", out, "--layout", layout});
    ASSERT_EQ(second.code, 0) << second.All();
    EXPECT_EQ(second.err.find("created root CA"), std::string::npos)
        << second.err;
    EXPECT_NE(second.err.find("certificate kept"), std::string::npos)
        << second.err;
    EXPECT_NE(second.err.find("stores unchanged"), std::string::npos)
        << second.err;
    EXPECT_EQ(Serials(second.err), Serials(first.err));
    EXPECT_EQ(Serials(second.err).size(), 2u);
    EXPECT_EQ(Slurp(p12), bytes);
  }
}

TEST_F(CliRenderTest, YamlOutputPrintsSecretManifests) {
  RunResult r = Run({"render", "-f", LabYaml(), "-o", "yaml"});
  ASSERT_EQ(r.code, 0) << r.All();
  auto docs = api::ParseDocuments(r.out);
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  const auto& s = std::get<api::SecretObject>((*docs)[0].object);
  EXPECT_EQ(s.metadata.name, "mtls-server-stores");
  EXPECT_EQ(s.metadata.labels.at("app.kubernetes.io/managed-by"),
            "certstore-operator");
  EXPECT_EQ(s.data.size(), 8u);
  EXPECT_TRUE(fs::is_empty(dir_.path()));  // nothing written
}

struct BadInput {
  const char* name;
  const char* from;               // replaced in examples/mtls-lab.yaml ...
  const char* to;                 // ... by this
  std::vector<std::string> want;  // in stderr; "@" stands for the input file
};

std::vector<BadInput> BadInputs() {
  return {
      {"InvalidYaml",
       "formats: [PKCS12, JKS, PEM]\n---",
       "formats: [PKCS12, JKS, PEM\n---",
       {"@: invalid YAML at line"}},
      {"InvalidField",
       "dnsNames: [mtls-server.lab.local",
       "dnsNames: [mtls_server.lab.local",
       {"@: document 2 (CertStore/server): spec.keystore.dnsNames[0]: must "
        "be"}},
      {"UnknownField",
       "usages: [clientAuth]",
       "usage: [clientAuth]",
       {"@: document 3 (CertStore/client): spec.keystore.usage: unknown "
        "field"}},
      {"WrongType",
       "secretName: mtls-client-stores",
       "secretName: [mtls-client-stores]",
       {"@: document 3 (CertStore/client): spec.secretName: must be a string"}},
      {"InvalidIssuer",
       "duration: 87600h",
       "duration: 10y",
       {"@: document 1 (ClusterCertIssuer/lab-root-ca): "
        "spec.selfSigned.duration"}},
      {"UnknownIssuer",
       "issuerRef: {kind: ClusterCertIssuer, name: lab-root-ca}",
       "issuerRef: {kind: ClusterCertIssuer, name: lab-ca}",
       {"@: document 2 (CertStore/server): spec.issuerRef: ClusterCertIssuer "
        "lab-ca is not "
        "in the input"}},
      // The issuer's policy, applied offline by the same engine.
      {"PolicyDeniesAName",
       "dnsNames: [mtls-server.lab.local, localhost]",
       "dnsNames: [mtls-server.lab.local, payments.example.com]",
       {"@: document 2 (CertStore/server): PolicyDenied: "
        "spec.keystore.dnsNames[1] "
        "\"payments.example.com\" is not allowed by ClusterCertIssuer "
        "lab-root-ca"}},
      {"PolicyDeniesTheNamespace",
       "    namespaceSelector: {}",
       "    namespaceSelector: {matchLabels: {tier: lab}}",
       {"@: document 2 (CertStore/server): PolicyDenied: namespace default is "
        "not selected by "
        "ClusterCertIssuer lab-root-ca"}},
      {"PolicyDeniesTheDuration",
       "    maxDuration: 8760h",
       "    maxDuration: 720h",
       {"@: document 2 (CertStore/server): PolicyDenied: "
        "spec.keystore.duration \"2160h\" "
        "exceeds ClusterCertIssuer lab-root-ca's spec.policy.maxDuration "
        "(720h)"}},
      {"MissingPasswordSecret",
       "  formats: [PKCS12, JKS, PEM]\n---",
       "  formats: [PKCS12, JKS, PEM]\n  password: {secretKeyRef: {name: "
       "server-pass}}\n---",
       {"@: document 2 (CertStore/server): spec.password.secretKeyRef: Secret "
        "default/server-pass not found"}},
  };
}

// A Namespace document in the input gives the labels a namespaceSelector
// reads, as in a cluster.
TEST_F(CliRenderTest, NamespaceLabelsFromTheInputAdmitAPolicy) {
  std::string text = Slurp(LabYaml());
  std::string from = "    namespaceSelector: {}";
  text.replace(text.find(from), from.size(),
               "    namespaceSelector: {matchLabels: {tier: lab}}");
  text +=
      "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: "
      "{tier: lab}}\n";
  std::string input = dir_ / "labelled.yaml";
  Spit(input, text);
  RunResult r = Run({"render", "-f", input, "--out", dir_ / "out"});
  EXPECT_EQ(r.code, 0) << r.All();
}

// A tenant's CertIssuer may not sign with the ClusterCertIssuer's key, in
// the input (same namespace as the cluster resource namespace) or through
// --ca-cert/--ca-key: render refuses and writes nothing.
TEST_F(CliRenderTest, ATenantCertIssuerCannotSignWithTheClusterCa) {
  std::string text = Slurp(LabYaml());
  std::string from =
      "  issuerRef: {kind: ClusterCertIssuer, name: lab-root-ca}\n  "
      "secretName: mtls-server-stores";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(),
               "  issuerRef: {name: mine}\n  secretName: mtls-server-stores");
  text +=
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
      "{name: mine}\n"
      "spec: {ca: {secretName: lab-root-ca}}\n";
  std::string input = dir_ / "thief.yaml";
  Spit(input, text);
  RunResult r = Run({"render", "-f", input, "--out", dir_ / "out"});
  EXPECT_EQ(r.code, 1) << r.All();
  EXPECT_NE(r.err.find("PolicyDenied: CertIssuer mine names Secret "
                       "default/lab-root-ca, the CA of "
                       "ClusterCertIssuer lab-root-ca"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out"));

  // --ca-cert/--ca-key serve ClusterCertIssuers only.
  std::string ca_dir = dir_ / "ca";
  fs::create_directories(ca_dir);
  RunResult gen =
      Run({"render", "-f", LabYaml(), "--out", ca_dir, "--layout", "files"});
  ASSERT_EQ(gen.code, 0) << gen.All();
  std::string tenant = dir_ / "tenant.yaml";
  Spit(tenant,
       "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
       "mine}\n"
       "spec: {ca: {secretName: anything}}\n---\n"
       "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
       "pay}\nspec:\n"
       "  issuerRef: {name: mine}\n  secretName: pay\n  formats: [PEM]\n"
       "  keystore: {dnsNames: [api.payments.svc]}\n");
  RunResult r2 =
      Run({"render", "-f", tenant, "--out", dir_ / "out2", "--ca-cert",
           ca_dir + "/server-ca.crt", "--ca-key", ca_dir + "/server.key"});
  EXPECT_EQ(r2.code, 1) << r2.All();
  EXPECT_NE(r2.err.find("no `ca` ClusterCertIssuer in the input needs them"),
            std::string::npos)
      << r2.err;
  EXPECT_FALSE(fs::exists(dir_ / "out2"));
}

// Input a tenant wrote cannot bring its own issuer, policy, namespace or CA,
// cannot escape the output directory, and cannot use a ClusterCertIssuer's
// root that an earlier run left in the state directory.
TEST_F(CliRenderTest, TenantInputCannotWidenThePolicyOrEscapeTheOutput) {
  auto tenant = [&](const std::string& name, const std::string& yaml) {
    std::string path = dir_ / name;
    Spit(path, yaml);
    return path;
  };
  const std::string store =
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "pay}\nspec:\n"
      "  issuerRef: {kind: ClusterCertIssuer, name: lab-root-ca}\n  "
      "secretName: pay\n"
      "  formats: [PEM]\n  keystore: {dnsNames: [api.payments.svc]}\n";
  struct Case {
    const char* name;
    std::string yaml;
    const char* want;
  } cases[] = {
      {"OwnIssuer",
       "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\nmetadata: "
       "{name: evil}\n"
       "spec: {ca: {secretName: lab-root-ca}, policy: {namespaceSelector: {}, "
       "dnsNames: ['*.*.svc']}}\n",
       "kind ClusterCertIssuer is not allowed in a --tenant-file"},
      {"OwnNamespaceLabels",
       "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n",
       "kind Namespace is not allowed in a --tenant-file"},
      {"OtherNamespace",
       "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
       "x, namespace: "
       "payments}\nspec: {issuerRef: {name: z9}, secretName: x, keystore: "
       "{commonName: x}}\n",
       "namespace \"payments\": a --tenant-file renders into -n default only"},
      {"PathTraversal",
       "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
       "../../escaped}\n"
       "spec: {issuerRef: {name: z9}, secretName: x, keystore: {commonName: "
       "x}}\n",
       "metadata.name: must be a DNS-1123 subdomain, got \"../../escaped\""},
      {"ReplacesATrustedObject",
       "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
       "server}\n"
       "spec: {issuerRef: {name: z9}, secretName: x, keystore: {commonName: "
       "x}}\n",
       "CertStore default/server is declared twice in the input"},
      {"SuppliesTheClusterCa",
       "apiVersion: v1\nkind: Secret\nmetadata: {name: "
       "lab-root-ca}\nstringData: {tls.crt: x}\n"
       "---\n" +
           store,
       "declares Secret default/lab-root-ca, which is the CA of "
       "ClusterCertIssuer lab-root-ca"},
  };
  // A first run leaves the lab's root in the state directory.
  std::string state = dir_ / "state";
  ASSERT_EQ(Run({"render", "-f", LabYaml(), "--out", dir_ / "first", "--state",
                 state})
                .code,
            0);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out = dir_ / (std::string("out-") + c.name);
    RunResult r = Run({"render", "-f", LabYaml(), "--tenant-file",
                       tenant(c.name, c.yaml), "--out", out, "--state", state});
    EXPECT_EQ(r.code, 1) << r.All();
    EXPECT_NE(r.err.find(c.want), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
  EXPECT_FALSE(
      fs::exists(dir_ / "escaped.yaml"));  // state/default/../../escaped.yaml
  // Without the lab in this run's input, its root in the state directory
  // still belongs to the ClusterCertIssuer only.
  RunResult r = Run(
      {"render", "-f",
       tenant(
           "thief.yaml",
           "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
           "{name: mine}\nspec: {ca: {secretName: lab-root-ca}}\n---\n"
           "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
           "{name: pay}\nspec:\n  issuerRef: {name: mine}\n  secretName: pay\n"
           "  keystore: {dnsNames: [api.payments.svc]}\n"),
       "--out", dir_ / "out-state", "--state", state});
  EXPECT_EQ(r.code, 1) << r.All();
  EXPECT_NE(r.err.find("the CA of ClusterCertIssuer/lab-root-ca; only that "
                       "issuer may use it"),
            std::string::npos)
      << r.err;
}

// The state directory holds CA and leaf keys: only its owner may enter it.
TEST_F(CliRenderTest, StateDirectoryIsPrivate) {
  std::string state = dir_ / "private-state";
  RunResult r =
      Run({"render", "-f", LabYaml(), "--out", dir_ / "out", "--state", state});
  ASSERT_EQ(r.code, 0) << r.All();
  for (const std::string& d : {state, state + "/default"}) {
    struct stat st {};
    ASSERT_EQ(::stat(d.c_str(), &st), 0) << d;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << d;
  }
}

class CliBadInputTest : public CliRenderTest,
                        public ::testing::WithParamInterface<BadInput> {};

TEST_P(CliBadInputTest, FailsNamingFileDocumentAndFieldAndWritesNothing) {
  const BadInput& c = GetParam();
  std::string text = Slurp(LabYaml());
  size_t at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  text.replace(at, std::string(c.from).size(), c.to);
  std::string input = dir_ / "bad.yaml";
  Spit(input, text);
  std::string out = dir_ / "out";
  RunResult r = Run({"render", "-f", input, "--out", out});
  EXPECT_EQ(r.code, 1) << r.All();
  for (std::string w : c.want) {
    w.replace(w.find('@'), 1, input);
    EXPECT_NE(r.err.find(w), std::string::npos)
        << "want: " << w << "\nstderr: " << r.err;
  }
  EXPECT_FALSE(fs::exists(out)) << "render wrote " << out;
}

INSTANTIATE_TEST_SUITE_P(Inputs, CliBadInputTest,
                         ::testing::ValuesIn(BadInputs()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST_F(CliRenderTest, MissingFileWritesNothing) {
  std::string out = dir_ / "out";
  RunResult r =
      Run({"render", "-f", LabYaml(), "-f", dir_ / "nope.yaml", "--out", out});
  EXPECT_EQ(r.code, 1) << r.All();
  EXPECT_NE(r.err.find("no such file: " + (dir_ / "nope.yaml")),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliRenderTest, FailedRerunLeavesEarlierOutputAlone) {
  std::string out = dir_ / "out";
  ASSERT_EQ(Run({"render", "-f", LabYaml(), "--out", out}).code, 0);
  std::string p12 = out + "/mtls-server-stores/keystore.p12";
  std::string bytes = Slurp(p12);
  std::string text = Slurp(LabYaml());
  text.replace(text.find("usages: [serverAuth]"), 20,
               "usages: [serverAuth, serverAuth]");
  Spit(dir_ / "bad.yaml", text);
  RunResult r = Run({"render", "-f", dir_ / "bad.yaml", "--out", out});
  EXPECT_EQ(r.code, 1) << r.All();
  EXPECT_NE(r.err.find("spec.keystore.usages[1]: Duplicate value"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Slurp(p12), bytes);
}

TEST_F(CliRenderTest, UsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"render"},
        {"render", "-f", LabYaml()},
        {"render", "-f", LabYaml(), "--out", "x", "-o", "yaml"},
        {"render", "-f", LabYaml(), "--out", "x", "--layout", "flat"},
        {"render", "--bogus"},
        {"frobnicate"}}) {
    RunResult r = Run(args);
    EXPECT_EQ(r.code, 2) << args.back() << ": " << r.All();
    EXPECT_FALSE(r.err.empty());
  }
}

}  // namespace
}  // namespace certstore::cli
