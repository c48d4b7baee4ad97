// The operator against the real API server: a CertStore applied with kubectl
// becomes a Secret whose stores Java can load, status says so, a deleted
// Secret comes back, a store-only change keeps the certificate, and bad
// input is reported without a Secret or a hot loop.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "operator/api/parse.h"
#include "operator/common/files.h"
#include "operator/pki/certificate.h"
#include "operator/pki/pkcs12.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

TEST_F(OperatorIT, IssuesStoresJavaCanLoadAndReportsReady) {
  std::string yaml =
      Issuer("team") +
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: "
      "app}\nspec:\n  issuerRef: {name: team}\n  secretName: app-stores\n"
      "  keystore: {alias: app, commonName: app.local, dnsNames: [app.local]}\n"
      "  truststore: {}\n  formats: [PKCS12, JKS, PEM]\n";
  CommandResult apply = env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml);
  ASSERT_TRUE(apply.ok()) << apply.output;
  ASSERT_TRUE(Eventually([&] { return Secret("app-stores").has_value(); },
                         std::chrono::seconds(60)))
      << ReadFile(log_).value_or("");
  auto s = *Secret("app-stores");
  EXPECT_EQ(s.metadata.labels["app.kubernetes.io/managed-by"],
            "certstore-operator");
  for (const char* k :
       {"keystore.p12", "truststore.p12", "keystore.jks", "truststore.jks",
        "tls.crt", "tls.key", "ca.crt", "password"})
    EXPECT_TRUE(s.data.count(k)) << k;
  passwords_.push_back(s.data["password"]);
  auto ks =
      pki::ParsePkcs12(s.data["keystore.p12"], SecretBytes(s.data["password"]));
  ASSERT_TRUE(ks.ok()) << ks.status();
  ASSERT_EQ(ks->entries.size(), 1u);
  EXPECT_EQ(ks->entries[0].type, pki::EntryType::kPrivateKey);
  EXPECT_EQ(ks->entries[0].alias, "app");
  auto ts = pki::ParsePkcs12(s.data["truststore.p12"],
                             SecretBytes(s.data["password"]));
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->entries[0].type, pki::EntryType::kTrustedCert);
  // The Secret is owned by the CertStore (garbage-collected with it).
  EXPECT_EQ(
      Jsonpath("secret", "app-stores", "{.metadata.ownerReferences[0].kind}"),
      "CertStore");

  ASSERT_TRUE(Eventually(
      [&] {
        return Jsonpath("certstore.certstore.dev", "app",
                        "{.status.conditions[?(@.type==\"Ready\")].status}") ==
               "True";
      },
      std::chrono::seconds(30)));
  std::string serial =
      Jsonpath("certstore.certstore.dev", "app", "{.status.serialNumber}");
  auto leaf = pki::ParseCertificatesPem(s.data["tls.crt"]);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(serial, pki::SerialHex(leaf->front().get()));
  EXPECT_FALSE(
      Jsonpath("certstore.certstore.dev", "app", "{.status.renewalTime}")
          .empty());
  EXPECT_EQ(Jsonpath("certissuer.certstore.dev", "team",
                     "{.status.conditions[?(@.type==\"Ready\")].status}"),
            "True");
  // An Issued event, and no secret material in any Event.
  std::string events = EventsMentioning({"\"reason\": \"Issued\""});
  EXPECT_NE(events.find("\"reason\": \"Issued\""), std::string::npos) << events;
  EXPECT_EQ(events.find(s.data["password"]), std::string::npos);
}

// The lab from examples/mtls-lab.yaml, applied as is: the stores from the
// two Secrets complete a real Java mutual-TLS handshake, and the same server
// refuses a client without its keystore.
TEST_F(OperatorIT, MtlsLabSecretsCompleteAJavaHandshake) {
  std::string lab =
      ReadFile(KubeTestEnv::SourceDir() + "/examples/mtls-lab.yaml")
          .value_or("");
  ASSERT_FALSE(lab.empty());
  CommandResult apply = env->Kubectl({"-n", ns_, "apply", "-f", "-"}, lab);
  ASSERT_TRUE(apply.ok()) << apply.output;
  for (const char* cs : {"server", "client"})
    ASSERT_TRUE(Eventually(
        [&] {
          return Jsonpath(
                     "certstore.certstore.dev", cs,
                     "{.status.conditions[?(@.type==\"Ready\")].status}") ==
                 "True";
        },
        std::chrono::seconds(60)))
        << cs << "\n"
        << ReadFile(log_).value_or("");
  CommandResult wait =
      env->Kubectl({"-n", ns_, "wait", "--for=condition=Ready",
                    "certstore.certstore.dev/server", "--timeout=10s"});
  EXPECT_TRUE(wait.ok()) << wait.output;

  std::string dir = "/tmp/operator-lab-" + std::to_string(getpid());
  for (const auto& [secret, prefix] :
       {std::pair<std::string, std::string>{"mtls-server-stores", "server"},
        {"mtls-client-stores", "client"}}) {
    auto s = Secret(secret);
    ASSERT_TRUE(s.has_value()) << secret;
    passwords_.push_back(s->data["password"]);
    WriteStores(*s, dir, prefix);
  }
  JavaServer server = StartJavaServer(dir, "server");
  ASSERT_FALSE(server.port.empty());
  CommandResult ok =
      JavaClient(dir, "client", "mtls-server.lab.local", server.port);
  EXPECT_TRUE(ok.ok()) << ok.output;
  EXPECT_NE(ok.output.find("OK HTTP/1.1 200 OK hello CN=mtls-client"),
            std::string::npos)
      << ok.output;
  CommandResult no_keystore =
      JavaClient(dir, "-", "mtls-server.lab.local", server.port);
  EXPECT_FALSE(no_keystore.ok()) << no_keystore.output;
  StopJavaServer(&server);
  std::filesystem::remove_all(dir);
}

TEST_F(OperatorIT, DeletedSecretIsRecreatedAndStoreChangesKeepTheCertificate) {
  std::string yaml =
      Issuer("team2") +
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: "
      "svc}\nspec:\n  issuerRef: {name: team2}\n  secretName: svc-stores\n"
      "  keystore: {commonName: svc}\n";
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml).ok());
  ASSERT_TRUE(Eventually([&] { return Secret("svc-stores").has_value(); },
                         std::chrono::seconds(60)));
  passwords_.push_back(Secret("svc-stores")->data["password"]);
  std::string crt = Secret("svc-stores")->data["tls.crt"];

  // A format change re-encodes with the same certificate.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "patch", "certstore.certstore.dev",
                            "svc", "--type=merge", "-p",
                            "{\"spec\":{\"formats\":[\"PEM\",\"JKS\"]}}"})
                  .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("svc-stores");
        return s && s->data.count("keystore.jks") &&
               !s->data.count("keystore.p12");
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(Secret("svc-stores")->data["tls.crt"], crt) << "same certificate";

  // Deleting the Secret brings it back.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "delete", "secret", "svc-stores"}).ok());
  ASSERT_TRUE(Eventually([&] { return Secret("svc-stores").has_value(); },
                         std::chrono::seconds(30)));
  EXPECT_TRUE(Secret("svc-stores")->data.count("keystore.jks"));
}

TEST_F(OperatorIT, TamperingIsRepairedIdentityChangeReissuesDeletionCollects) {
  std::string yaml =
      Issuer("team4") +
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: "
      "web}\nspec:\n  issuerRef: {name: team4}\n  secretName: web-stores\n"
      "  keystore: {commonName: web, dnsNames: [web.local]}\n";
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml).ok());
  ASSERT_TRUE(Eventually([&] { return Secret("web-stores").has_value(); },
                         std::chrono::seconds(60)));
  auto original = *Secret("web-stores");
  passwords_.push_back(original.data["password"]);

  // Tampered store: repaired, same certificate.
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "patch", "secret", "web-stores", "--type=merge",
                    "-p", "{\"data\":{\"keystore.p12\":\"Z2FyYmFnZQ==\"}}"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("web-stores");
        return s && pki::ParsePkcs12(s->data["keystore.p12"],
                                     SecretBytes(s->data["password"]))
                        .ok();
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(Secret("web-stores")->data["tls.crt"], original.data["tls.crt"]);

  // Identity change: a new certificate with the new name.
  std::string serial =
      Jsonpath("certstore.certstore.dev", "web", "{.status.serialNumber}");
  ASSERT_TRUE(
      env->Kubectl(
             {"-n", ns_, "patch", "certstore.certstore.dev", "web",
              "--type=merge", "-p",
              "{\"spec\":{\"keystore\":{\"dnsNames\":[\"web2.local\"]}}}"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        std::string now = Jsonpath("certstore.certstore.dev", "web",
                                   "{.status.serialNumber}");
        return !now.empty() && now != serial;
      },
      std::chrono::seconds(30)));
  auto leaf = pki::ParseCertificatesPem(Secret("web-stores")->data["tls.crt"]);
  ASSERT_TRUE(leaf.ok());
  auto info = pki::DescribeCertificate(leaf->front().get());
  EXPECT_EQ(info.sans, std::vector<std::string>{"DNS:web2.local"});

  // Deleting the CertStore garbage-collects its Secret.
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "delete", "certstore.certstore.dev", "web"})
          .ok());
  EXPECT_TRUE(Eventually([&] { return !Secret("web-stores").has_value(); },
                         std::chrono::seconds(60)));
}

TEST_F(OperatorIT, PasswordProfileAndTruststoreLayouts) {
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "secret", "generic", "pw-a",
                            "--from-literal=password=alpha-Passw0rd"})
                  .ok());
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "secret", "generic", "pw-b",
                            "--from-literal=pw=bravo-Passw0rd"})
                  .ok());
  passwords_.insert(passwords_.end(), {"alpha-Passw0rd", "bravo-Passw0rd"});
  std::string yaml =
      Issuer("team5") +
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: api}\nspec:\n"
      "  issuerRef: {name: team5}\n  secretName: api-stores\n  keystore: "
      "{commonName: api}\n"
      "  truststore: {secretName: api-trust}\n  formats: [PKCS12]\n"
      "  password: {secretKeyRef: {name: pw-a}}\n"
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: trust-only}\n"
      "spec:\n  issuerRef: {name: team5}\n  secretName: trust-only\n  "
      "truststore: {}\n"
      "  formats: [PKCS12, PEM]\n";
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml).ok());
  ASSERT_TRUE(Eventually(
      [&] {
        return Secret("api-trust").has_value() &&
               Secret("trust-only").has_value();
      },
      std::chrono::seconds(60)))
      << ReadFile(log_).value_or("");
  auto main = *Secret("api-stores");
  auto trust = *Secret("api-trust");
  EXPECT_FALSE(main.data.count("password"))
      << "a referenced password is not copied";
  EXPECT_FALSE(main.data.count("truststore.p12"))
      << "the truststore lives in its own Secret";
  auto ks = pki::ParsePkcs12(main.data["keystore.p12"],
                             SecretBytes("alpha-Passw0rd"));
  ASSERT_TRUE(ks.ok()) << ks.status();
  // The shareable truststore Secret has a password of its own.
  ASSERT_TRUE(trust.data.count("password"));
  passwords_.push_back(trust.data["password"]);
  EXPECT_NE(trust.data["password"], "alpha-Passw0rd");
  ASSERT_TRUE(pki::ParsePkcs12(trust.data["truststore.p12"],
                               SecretBytes(trust.data["password"]))
                  .ok());
  EXPECT_FALSE(pki::ParsePkcs12(trust.data["truststore.p12"],
                                SecretBytes("alpha-Passw0rd"))
                   .ok());
  std::string serial = pki::SerialHex(ks->entries[0].chain[0].get());

  // Truststore-only: no key anywhere.
  auto only = *Secret("trust-only");
  EXPECT_FALSE(only.data.count("keystore.p12"));
  EXPECT_FALSE(only.data.count("tls.key"));
  EXPECT_TRUE(only.data.count("ca.crt"));

  // Another password and the LegacyDES profile: re-encoded, same certificate.
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "patch", "certstore.certstore.dev", "api",
                    "--type=merge", "-p",
                    "{\"spec\":{\"password\":{\"secretKeyRef\":{\"name\":\"pw-"
                    "b\",\"key\":"
                    "\"pw\"}},\"pkcs12\":{\"profile\":\"LegacyDES\"}}}"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("api-stores");
        return s && pki::ParsePkcs12(s->data["keystore.p12"],
                                     SecretBytes("bravo-Passw0rd"))
                        .ok();
      },
      std::chrono::seconds(30)));
  auto again = pki::ParsePkcs12(Secret("api-stores")->data["keystore.p12"],
                                SecretBytes("bravo-Passw0rd"));
  EXPECT_EQ(pki::SerialHex(again->entries[0].chain[0].get()), serial);
  EXPECT_NE(again->protection.find("3DES"), std::string::npos)
      << again->protection;
}

TEST_F(OperatorIT, BadInputIsReportedWithoutASecret) {
  std::string yaml =
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "orphan}\nspec:\n"
      "  issuerRef: {name: does-not-exist}\n  secretName: orphan-stores\n  "
      "keystore: {commonName: x}\n";
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml).ok());
  ASSERT_TRUE(Eventually(
      [&] {
        return Jsonpath("certstore.certstore.dev", "orphan",
                        "{.status.conditions[?(@.type==\"Ready\")].reason}") ==
               "IssuerNotFound";
      },
      std::chrono::seconds(30)));
  EXPECT_NE(Jsonpath("certstore.certstore.dev", "orphan",
                     "{.status.conditions[?(@.type==\"Ready\")].message}")
                .find("CertIssuer " + ns_ + "/does-not-exist not found"),
            std::string::npos);
  EXPECT_FALSE(Secret("orphan-stores").has_value());
  EXPECT_EQ(Condition("orphan", "Issuing", "status"), "True");

  // A Secret of that name owned by someone else is never overwritten.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "secret", "generic", "taken",
                            "--from-literal=mine=yes"})
                  .ok());
  std::string yaml2 =
      Issuer("team3") +
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: "
      "clash}\nspec:\n  issuerRef: {name: team3}\n  secretName: taken\n"
      "  keystore: {commonName: clash}\n";
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "apply", "-f", "-"}, yaml2).ok());
  ASSERT_TRUE(Eventually(
      [&] {
        return Jsonpath("certstore.certstore.dev", "clash",
                        "{.status.conditions[?(@.type==\"Ready\")].reason}") ==
               "SecretConflict";
      },
      std::chrono::seconds(30)));
  auto taken = Secret("taken");
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->data.size(), 1u);
  EXPECT_EQ(taken->data["mine"], "yes");

  // Both heal once fixed: the missing issuer appears; the foreign Secret goes.
  Apply(Issuer("does-not-exist"));
  EXPECT_TRUE(WaitReady("orphan", "True", "", std::chrono::seconds(30)))
      << OperatorLog();
  EXPECT_TRUE(Secret("orphan-stores").has_value());
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "delete", "secret", "taken"}).ok());
  EXPECT_TRUE(WaitReady("clash", "True", "", std::chrono::seconds(30)))
      << OperatorLog();
  auto mine = Secret("taken");
  ASSERT_TRUE(mine.has_value());
  passwords_.push_back(mine->data["password"]);
  EXPECT_TRUE(mine->data.count("keystore.p12"));
}

}  // namespace
}  // namespace certstore
