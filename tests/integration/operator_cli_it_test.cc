// kubectl-certstore against the real API server and the suite's operator:
// `renew` (one new certificate per request, reason Requested, refused for a
// truststore-only CertStore) and `inspect secret/NAME` (every store of the
// Secret opened with its own password; clean refusals for a missing Secret,
// a wrong password and no RBAC).
#include <chrono>
#include <thread>

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
      "apiVersion: v1\nkind: Secret\nmetadata: {name: mixed}\ndata:\n"
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

}  // namespace
}  // namespace certstore
