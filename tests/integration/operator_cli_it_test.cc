// kubectl-certstore against the real API server and the suite's operator:
// `renew` (one new certificate per request, reason Requested, refused for a
// truststore-only CertStore), `inspect secret/NAME` (every store of the
// Secret opened with its own password; clean refusals for a missing Secret,
// a wrong password and no RBAC) and `status` (a Ready, a failing, a
// rotating and a tampered CertStore, text and JSON, the table, an issuer).
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "operator/api/json.h"
#include "operator/common/base64.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

// Runs the built plugin as the cluster admin (or as `kubeconfig`).
CommandResult Plugin(std::vector<std::string> args,
                     const std::string& kubeconfig = "",
                     const std::vector<std::string>& extra_env = {}) {
  args.insert(args.begin(), KUBECTL_CERTSTORE);
  args.push_back("--kubeconfig");
  args.push_back(kubeconfig.empty() ? env->kubeconfig() : kubeconfig);
  return RunCommand(args, "", std::chrono::seconds(120), extra_env);
}

std::string CertStoreYaml(const std::string& name, const std::string& body) {
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
         "metadata: {name: " +
         name + "}\nspec:\n  issuerRef: {name: team}\n" + body;
}

// The revision annotation of Secret `secret` in `ns`: one per issuance.
std::string Revision(const std::string& ns, const std::string& secret) {
  CommandResult r = env->Kubectl(
      {"-n", ns, "get", "secret", secret, "-o",
       "jsonpath={.metadata.annotations.certstore\\.dev/revision}"});
  return r.ok() ? r.output : "";
}

TEST_F(OperatorIT, CliRenewIssuesOneCertificatePerRequest) {
  Apply(
      Issuer("team") +
      CertStoreYaml("app",
                    "  secretName: app-stores\n  keystore: {commonName: "
                    "app}\n  truststore: {}\n  formats: [PKCS12, PEM]\n") +
      CertStoreYaml("trust", "  secretName: trust-stores\n  truststore: {}\n"));
  ASSERT_TRUE(WaitReady("app", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("trust", "True")) << OperatorLog();
  std::string serial0 = CertStoreField("app", "{.status.serialNumber}");
  ASSERT_EQ(Revision(ns_, "app-stores"), "1");

  auto start = std::chrono::steady_clock::now();
  CommandResult r = Plugin({"renew", "app", "-n", ns_, "--wait=60s"});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.exit_code, 0) << r.output << OperatorLog();
  std::string serial1 = CertStoreField("app", "{.status.serialNumber}");
  EXPECT_NE(serial1, serial0);
  EXPECT_NE(r.output.find("renewed: serial " + serial1 + " (was " + serial0),
            std::string::npos)
      << r.output;
  EXPECT_LT(took, std::chrono::seconds(30)) << "renewal took too long";
  EXPECT_EQ(Condition("app", "Issuing", "reason"), "Requested");
  std::string request = CertStoreField(
      "app", "{.metadata.annotations.certstore\\.dev/renew-request}");
  ASSERT_FALSE(request.empty());
  EXPECT_EQ(CertStoreField("app", "{.status.lastRenewRequest}"), request);
  auto secret = Secret("app-stores");
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->metadata.annotations["certstore.dev/renew-request"],
            request);
  EXPECT_EQ(secret->metadata.annotations["certstore.dev/revision"], "2");
  std::string events = EventsMentioning({"Requested: renewal requested"});
  EXPECT_NE(events.find("Requested: renewal requested"), std::string::npos)
      << events;

  // The same request again, and an unrelated annotation: nothing issued.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "annotate", "--overwrite",
                            "certstore.certstore.dev/app",
                            "certstore.dev/renew-request=" + request,
                            "team.example/touched=yes"})
                  .ok());
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(CertStoreField("app", "{.status.serialNumber}"), serial1);
  EXPECT_EQ(Revision(ns_, "app-stores"), "2") << "a request was honoured twice";

  // A truststore-only CertStore has nothing to renew: refused by name,
  // skipped by --all, which renews the rest.
  CommandResult refused = Plugin({"renew", "trust", "-n", ns_});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("trust has no keystore"), std::string::npos)
      << refused.output;
  EXPECT_EQ(
      CertStoreField("trust",
                     "{.metadata.annotations.certstore\\.dev/renew-request}"),
      "");
  CommandResult all = Plugin({"renew", "--all", "-n", ns_, "--wait=60s"});
  ASSERT_EQ(all.exit_code, 0) << all.output << OperatorLog();
  EXPECT_NE(all.output.find("trust skipped"), std::string::npos) << all.output;
  EXPECT_NE(CertStoreField("app", "{.status.serialNumber}"), serial1);
  EXPECT_EQ(Revision(ns_, "app-stores"), "3");

  CommandResult missing = Plugin({"renew", "nope", "-n", ns_});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("not found"), std::string::npos)
      << missing.output;
}

TEST_F(OperatorIT, CliInspectSecretOpensEveryStoreWithItsOwnPassword) {
  const std::string user_password = "s3cret-store-pass";
  passwords_.push_back(user_password);
  Apply(Issuer("team") +
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: pw}\n"
        "stringData: {password: " +
        user_password + "}\n" +
        CertStoreYaml("app",
                      "  secretName: app-stores\n  keystore: {commonName: "
                      "app, dnsNames: [app.example]}\n  truststore: {}\n"
                      "  formats: [PKCS12, JKS, PEM]\n") +
        CertStoreYaml("sep",
                      "  secretName: sep-stores\n  keystore: {commonName: "
                      "sep}\n  truststore: {secretName: sep-trust}\n"
                      "  formats: [PKCS12, JKS]\n  password: {secretKeyRef: "
                      "{name: pw, key: password}}\n"));
  ASSERT_TRUE(WaitReady("app", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("sep", "True")) << OperatorLog();
  auto app = Secret("app-stores");
  ASSERT_TRUE(app.has_value());
  const std::string generated = app->data["password"];
  ASSERT_FALSE(generated.empty());

  CommandResult r = Plugin({"inspect", "secret/app-stores", "-n", ns_});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* want :
       {"== keystore.p12", "== keystore.jks", "== truststore.p12",
        "== truststore.jks", "== tls.crt", "== tls.key", "== ca.crt",
        "Type: PKCS12", "Type: JKS", "PrivateKeyEntry", "trustedCertEntry",
        "DNS:app.example", "Password: its \"password\" key",
        "OK        keystore.p12 and tls.crt hold the same certificate",
        "OK        keystore.jks and tls.crt hold the same certificate",
        "OK        tls.key matches tls.crt",
        "OK        truststore.p12 and ca.crt trust the same certificates",
        "OK        truststore.jks and ca.crt trust the same certificates"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n"
                                                      << r.output;
  EXPECT_EQ(r.output.find("MISMATCH"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(generated), std::string::npos);
  EXPECT_EQ(r.output.find("PRIVATE KEY-----"), std::string::npos);

  // The referenced password, for the main and the separate trust Secret.
  for (const char* s : {"secret/sep-stores", "secret/sep-trust"}) {
    CommandResult sep = Plugin({"inspect", s, "-n", ns_});
    EXPECT_EQ(sep.exit_code, 0) << s << "\n" << sep.output;
    EXPECT_NE(sep.output.find("Type: PKCS12"), std::string::npos) << sep.output;
    EXPECT_EQ(sep.output.find(user_password), std::string::npos);
  }

  // Stores that disagree (a hand-made Secret: the keystore of one, the
  // PEM of another) are reported, exit 1.
  Apply(
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mixed\n"
      "  annotations: {certstore.dev/certstore: \"\\u001b[2J\\u001b]52;c;"
      "aGk=\\u0007evil\"}\ndata:\n"
      "  keystore.p12: " +
      Base64Encode(app->data["keystore.p12"]) +
      "\n  password: " + Base64Encode(generated) +
      "\n  tls.crt: " + Base64Encode(app->data["ca.crt"]) + "\n");
  CommandResult mixed = Plugin({"inspect", "secret/mixed", "-n", ns_});
  EXPECT_EQ(mixed.exit_code, 1) << mixed.output;
  EXPECT_NE(mixed.output.find(
                "MISMATCH  keystore.p12 and tls.crt hold the same certificate"),
            std::string::npos)
      << mixed.output;
  // A tenant's annotation cannot drive the terminal: shown escaped.
  EXPECT_EQ(mixed.output.find('\x1b'), std::string::npos) << mixed.output;
  EXPECT_NE(mixed.output.find("written for CertStore \\x1b[2J\\x1b]52;c;"
                              "aGk=\\x07evil"),
            std::string::npos)
      << mixed.output;

  // A wrong password: the store does not open, named; exit 1.
  CommandResult wrong = Plugin(
      {"inspect", "secret/app-stores", "-n", ns_, "--password-env", "WRONG_PW"},
      "", {"WRONG_PW=not-the-password"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("key keystore.p12"), std::string::npos)
      << wrong.output;
  EXPECT_NE(wrong.output.find("Cannot open"), std::string::npos)
      << wrong.output;

  // A missing Secret, and a user without RBAC on Secrets: exit 2, said so.
  CommandResult missing = Plugin({"inspect", "secret/nope", "-n", ns_});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("\"nope\" not found"), std::string::npos)
      << missing.output;
  std::string nobody = env->UserKubeconfig("cli-nobody");
  ASSERT_FALSE(nobody.empty());
  CommandResult forbidden =
      Plugin({"inspect", "secret/app-stores", "-n", ns_}, nobody);
  EXPECT_EQ(forbidden.exit_code, 2) << forbidden.output;
  EXPECT_NE(forbidden.output.find("forbidden"), std::string::npos)
      << forbidden.output;
  EXPECT_EQ(forbidden.output.find(generated), std::string::npos);
}

// The JSON report of `status NAME -o json`, parsed (null document on error).
// The plugin as the admin, with standard output alone in `output` (a
// sanitizer's exit report goes to standard error; JSON is parsed from
// standard output only) and standard error in *err.
CommandResult PluginStdout(std::vector<std::string> args, std::string* err) {
  std::string path = "/tmp/cli-it-" + std::to_string(getpid()) + ".err";
  args.insert(args.begin(), {"bash", "-c", "exec \"$0\" \"$@\" 2>\"$ERR\"",
                             KUBECTL_CERTSTORE});
  args.push_back("--kubeconfig");
  args.push_back(env->kubeconfig());
  CommandResult r =
      RunCommand(args, "", std::chrono::seconds(120), {"ERR=" + path});
  *err = ReadFile(path).value_or("");
  std::remove(path.c_str());
  return r;
}

// The JSON report of `status NAME -o json`, parsed.
std::optional<json::Document> StatusJson(const std::string& ns,
                                         const std::string& target,
                                         int exit_code = 0) {
  std::string err, error;
  CommandResult r =
      PluginStdout({"status", target, "-n", ns, "-o", "json"}, &err);
  EXPECT_EQ(r.exit_code, exit_code) << r.output << err;
  auto doc = json::Document::Parse(r.output, &error);
  EXPECT_TRUE(doc.has_value()) << error << "\nstdout:\n"
                               << r.output << "\nstderr:\n"
                               << err;
  return doc;
}

TEST_F(OperatorIT, CliStatusReadyFailingRotatingAndTampered) {
  std::string dir = "/tmp/operator-cli-status-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  OpensslRoot one = MakeOpensslRoot(dir, "Status Root One");
  OpensslRoot two = MakeOpensslRoot(dir, "Status Root Two");
  auto ca_secret = [&](const std::string& cn) {
    CommandResult y =
        env->Kubectl({"-n", ns_, "create", "secret", "tls", "team-ca", "--cert",
                      dir + "/" + cn + ".crt", "--key", dir + "/" + cn + ".key",
                      "--dry-run=client", "-o", "yaml"});
    ASSERT_TRUE(y.ok()) << y.output;
    Apply(y.output);
  };
  ca_secret("Status Root One");
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
      "{name: team}\nspec:\n  ca: {secretName: team-ca}\n" +
      CertStoreYaml("ok",
                    "  secretName: ok-stores\n  keystore: {commonName: ok, "
                    "dnsNames: [ok.example], duration: 500h}\n"
                    "  truststore: {}\n  formats: [PKCS12, PEM]\n") +
      CertStoreYaml("soon",
                    "  secretName: soon-stores\n  keystore: {commonName: "
                    "soon, duration: 300h}\n  formats: [PEM]\n") +
      CertStoreYaml("bad",
                    "  secretName: bad-stores\n  keystore: {commonName: bad}\n"
                    "  password: {secretKeyRef: {name: missing-pw}}\n"));
  ASSERT_TRUE(WaitReady("ok", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("soon", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("bad", "False", "InputNotFound")) << OperatorLog();
  ASSERT_TRUE(Eventually(
      [&] {
        return !Jsonpath("certissuer.certstore.dev", "team",
                         "{.status.caCertificate}")
                    .empty();
      },
      std::chrono::seconds(30)));
  const std::string serial = CertStoreField("ok", "{.status.serialNumber}");

  // Ready: field by field from -o json, and the same facts in the text.
  auto ok = StatusJson(ns_, "ok");
  ASSERT_TRUE(ok.has_value());
  json::Value v = ok->Root();
  EXPECT_EQ(v["name"].String(), "ok");
  EXPECT_EQ(v["namespace"].String(), ns_);
  EXPECT_EQ(v["ready"]["status"].String(), "True");
  EXPECT_EQ(v["ready"]["reason"].String(), "Issued");
  EXPECT_EQ(v["issuer"]["kind"].String(), "CertIssuer");
  EXPECT_EQ(v["issuer"]["name"].String(), "team");
  EXPECT_EQ(v["policy"].String(), "allowed");
  EXPECT_EQ(v["certificate"]["serialNumber"].String(), serial);
  EXPECT_EQ(v["certificate"]["expiresIn"].String(), "in 20d");
  EXPECT_FALSE(v["certificate"]["renewalDue"].Bool(true));
  EXPECT_EQ(v["failedIssuanceAttempts"].Int(), 0);
  EXPECT_TRUE(v["secret"]["readable"].Bool());
  EXPECT_TRUE(v["secret"]["matchesStatus"].Bool());
  EXPECT_EQ(v["secret"]["keystore"]["source"].String(), "tls.crt");
  EXPECT_EQ(v["secret"]["keystore"]["chain"][0]["serialNumber"].String(),
            serial);
  EXPECT_EQ(v["secret"]["keystore"]["chain"][0]["subjectAltNames"][0].String(),
            "DNS:ok.example");
  EXPECT_EQ(v["secret"]["truststore"]["certificates"].Size(), 1u);
  EXPECT_NE(
      std::string(
          v["secret"]["truststore"]["certificates"][0]["subject"].String())
          .find("Status Root One"),
      std::string::npos);
  EXPECT_FALSE(v["rotation"].Exists());
  bool issued_event = false;
  for (const json::Value& e : v["events"].Elements())
    issued_event = issued_event || (e["reason"].String() == "Issued" &&
                                    e["type"].String() == "Normal");
  EXPECT_TRUE(issued_event) << ok->Root().Serialize();
  CommandResult text = Plugin({"status", "ok", "-n", ns_});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const std::string& want : std::vector<std::string>{
           "CertStore " + ns_ + "/ok\n",
           "Ready:        True Issued: certificate " + serial,
           "Issuer:       CertIssuer/team (policy: allowed)",
           "Certificate:  serial " + serial, "(in 20d)",
           "SANs: DNS:ok.example; extended key usage: ",
           "Truststore (ca.crt), 1 certificate(s):", "Matches status: yes",
           std::string("Normal  Issued")})
    EXPECT_NE(text.output.find(want), std::string::npos) << want << "\n"
                                                         << text.output;
  EXPECT_EQ(text.output.find("\033["), std::string::npos)
      << "colour when not on a terminal";

  // Failing: the reason and message, no certificate, the Secret not there.
  auto bad = StatusJson(ns_, "bad", 1);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->Root()["ready"]["status"].String(), "False");
  EXPECT_EQ(bad->Root()["ready"]["reason"].String(), "InputNotFound");
  EXPECT_NE(
      std::string(bad->Root()["ready"]["message"].String()).find("missing-pw"),
      std::string::npos);
  EXPECT_GE(bad->Root()["failedIssuanceAttempts"].Int().value_or(0), 1);
  EXPECT_FALSE(bad->Root()["certificate"].Exists());
  EXPECT_FALSE(bad->Root()["secret"]["readable"].Bool(true));
  EXPECT_NE(
      std::string(bad->Root()["secret"]["error"].String()).find("not found"),
      std::string::npos);

  // The table: soonest expiry first, the failing one (no expiry) last.
  std::string table_err;
  CommandResult table =
      PluginStdout({"status", "-n", ns_, "-o", "json"}, &table_err);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  auto rows = json::Document::Parse(table.output);
  ASSERT_TRUE(rows.has_value()) << table.output;
  json::Value items = rows->Root()["items"];
  ASSERT_EQ(items.Size(), 3u);
  EXPECT_EQ(items[0]["name"].String(), "soon");
  EXPECT_EQ(items[1]["name"].String(), "ok");
  EXPECT_EQ(items[1]["expiresIn"].String(), "in 20d");
  EXPECT_EQ(items[1]["window"].String(), "");
  EXPECT_EQ(items[2]["name"].String(), "bad");
  EXPECT_EQ(items[2]["ready"].String(), "False");
  EXPECT_EQ(items[2]["reason"].String(), "InputNotFound");
  std::string all_err;
  CommandResult all = PluginStdout({"status", "-A"}, &all_err);
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_EQ(all.output.rfind("NAMESPACE", 0), 0u) << all.output;
  std::regex ok_row("\n" + ns_ +
                    " +ok +True +(Issued|Ready) +CertIssuer/team +" +
                    CertStoreField("ok", "{.status.notAfter}") + " +in 20d");
  EXPECT_TRUE(std::regex_search(all.output, ok_row)) << all.output;
  CommandResult yaml = Plugin({"status", "ok", "-n", ns_, "-o", "yaml"});
  EXPECT_NE(yaml.output.find("serialNumber: \"" + serial + "\""),
            std::string::npos)
      << yaml.output;

  // Tampered: the operator paused, the Secret's PEM replaced by another
  // certificate; status reads the Secret and says so.
  ASSERT_EQ(kill(pid_, SIGSTOP), 0);
  CommandResult patched = env->Kubectl(
      {"-n", ns_, "patch", "secret", "ok-stores", "--type", "merge", "-p",
       "{\"data\":{\"tls.crt\":\"" + Base64Encode(two.crt) + "\"}}"});
  auto tampered = StatusJson(ns_, "ok", 1);
  CommandResult tampered_text = Plugin({"status", "ok", "-n", ns_});
  kill(pid_, SIGCONT);
  ASSERT_TRUE(patched.ok()) << patched.output;
  ASSERT_TRUE(tampered.has_value());
  EXPECT_FALSE(tampered->Root()["secret"]["matchesStatus"].Bool(true));
  EXPECT_NE(std::string(tampered->Root()["secret"]["mismatches"][0].String())
                .find("status says " + serial),
            std::string::npos);
  EXPECT_NE(tampered_text.output.find("MISMATCH: the Secret's certificate"),
            std::string::npos)
      << tampered_text.output;
  // The operator repairs it.
  EXPECT_TRUE(Eventually(
      [&] {
        std::string ignored;
        CommandResult r =
            PluginStdout({"status", "ok", "-n", ns_, "-o", "json"}, &ignored);
        auto again = json::Document::Parse(r.output);
        return r.exit_code == 0 && again &&
               again->Root()["secret"]["matchesStatus"].Bool();
      },
      std::chrono::seconds(30)));

  // Rotating: the CA Secret replaced; the CertStore and the issuer show
  // the rotation while it runs (two propagation delays at least).
  ca_secret("Status Root Two");
  std::optional<json::Document> rotating;
  ASSERT_TRUE(Eventually(
      [&] {
        std::string ignored;
        CommandResult r =
            PluginStdout({"status", "ok", "-n", ns_, "-o", "json"}, &ignored);
        rotating = json::Document::Parse(r.output);
        return rotating && rotating->Root()["rotation"].Exists();
      },
      std::chrono::seconds(30), std::chrono::milliseconds(200)))
      << OperatorLog();
  EXPECT_FALSE(
      std::string(rotating->Root()["rotation"]["startedAt"].String()).empty());
  CommandResult issuer = Plugin({"status", "issuer/team", "-n", ns_});
  EXPECT_EQ(issuer.exit_code, 0) << issuer.output;
  for (const char* want :
       {"CertIssuer ", "CA:        ", "Members:   3 CertStore(s)",
        "Policy:    none: its own namespace"})
    EXPECT_NE(issuer.output.find(want), std::string::npos) << want << "\n"
                                                           << issuer.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
