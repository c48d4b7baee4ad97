// The Secrets apps expect, against the real API server with the operator as
// its ServiceAccount: kubernetes.io/tls (type validation by the API server,
// read by openssl), the migration of an Opaque Secret, spec.secretTemplate
// kept across repairs, additional formats read by their consumers (openssl
// s_server/s_client with tls-combined.pem, keytool and openssl with tls.der
// and key.der), the separate truststore Secret's own password opened by
// keytool, and a user's own key surviving a tamper repair and a renewal.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "operator/common/base64.h"
#include "operator/common/files.h"
#include "operator/pki/certificate.h"
#include "operator/pki/pkcs12.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

constexpr char kUserKey[] = "application.properties";
constexpr char kUserValue[] = "server.ssl.key-store=/etc/tls/keystore.p12\n";

std::string CertStoreYaml(const std::string& name, const std::string& issuer,
                          const std::string& body) {
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
         "metadata: {name: " +
         name + "}\nspec:\n  issuerRef: {name: " + issuer +
         "}\n  secretName: " + name + "-stores\n" + body;
}

std::string Output(const std::vector<std::string>& argv) {
  CommandResult r = RunCommand(argv);
  EXPECT_TRUE(r.ok()) << r.output;
  return r.output;
}

// A scratch directory for one test, removed at scope exit.
struct ScratchDir {
  explicit ScratchDir(const std::string& test) {
    path = "/tmp/operator-shapes-" + std::to_string(getpid()) + "-" + test;
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  // Writes data key `key` of `s` to path/`key` and returns the file's path.
  std::string File(const api::SecretObject& s, const std::string& key) const {
    std::string out = path + "/" + key;
    auto it = s.data.find(key);
    EXPECT_NE(it, s.data.end()) << key;
    EXPECT_TRUE(
        WriteFileAtomic(out, it == s.data.end() ? "" : it->second).ok());
    return out;
  }
  std::string path;
};

void AddUserKey(const std::string& ns, const std::string& secret) {
  CommandResult r =
      env->Kubectl({"-n", ns, "patch", "secret", secret, "--type=merge", "-p",
                    "{\"data\":{\"" + std::string(kUserKey) + "\":\"" +
                        Base64Encode(kUserValue) + "\"}}"});
  ASSERT_TRUE(r.ok()) << r.output;
}

TEST_F(OperatorIT, SecretShapesTlsTemplateFormatsUserKeys) {
  ScratchDir dir("tls");
  Apply(
      Issuer("shape") +
      CertStoreYaml("app", "shape",
                    "  secretTemplate:\n"
                    "    labels: {team: payments}\n"
                    "    annotations: {reloader.stakater.com/match: \"true\"}\n"
                    "  additionalFormats: [CombinedPEM, DER]\n"
                    "  keystore: {commonName: app.test, dnsNames: [app.test]}\n"
                    "  truststore: {secretName: app-trust}\n"
                    "  formats: [PKCS12, PEM]\n"));
  ASSERT_TRUE(WaitReady("app", "True")) << OperatorLog();
  auto main = Secret("app-stores");
  auto trust = Secret("app-trust");
  ASSERT_TRUE(main && trust);
  passwords_.push_back(main->data["password"]);
  passwords_.push_back(trust->data["password"]);

  // kubernetes.io/tls, accepted by the API server's type validation; the
  // name as a label for exporters and selectors; the template's metadata.
  EXPECT_EQ(main->type, "kubernetes.io/tls");
  EXPECT_EQ(trust->type, "Opaque");
  for (const auto* s : {&*main, &*trust}) {
    EXPECT_EQ(s->metadata.labels.at("team"), "payments");
    EXPECT_EQ(s->metadata.labels.at("certstore.dev/certstore"), "app");
    EXPECT_EQ(s->metadata.annotations.at("reloader.stakater.com/match"),
              "true");
  }
  std::string selected =
      env->Kubectl({"-n", ns_, "get", "secrets", "-l",
                    "certstore.dev/certstore=app", "-o", "name"})
          .output;
  EXPECT_NE(selected.find("secret/app-stores"), std::string::npos) << selected;
  EXPECT_NE(selected.find("secret/app-trust"), std::string::npos) << selected;

  // PEM, read by openssl: the key matches the certificate.
  std::string crt = dir.File(*main, "tls.crt"),
              key = dir.File(*main, "tls.key");
  std::string pub =
      Output({"openssl", "x509", "-in", crt, "-noout", "-pubkey"});
  EXPECT_EQ(Output({"openssl", "pkey", "-in", key, "-pubout"}), pub);
  std::string fingerprint = Output(
      {"openssl", "x509", "-in", crt, "-noout", "-fingerprint", "-sha256"});

  // DER: tls.der is the leaf (openssl and keytool read it), key.der its key.
  std::string der = dir.File(*main, "tls.der");
  EXPECT_EQ(Output({"openssl", "x509", "-inform", "DER", "-in", der, "-noout",
                    "-fingerprint", "-sha256"}),
            fingerprint);
  EXPECT_NE(Output({"keytool", "-printcert", "-file", der}).find("CN=app.test"),
            std::string::npos);
  EXPECT_EQ(Output({"openssl", "pkey", "-inform", "DER", "-in",
                    dir.File(*main, "key.der"), "-pubout"}),
            pub);

  // tls-combined.pem: a server reads key and chain from the one file; a
  // client that trusts ca.crt verifies it for app.test.
  {
    LiveEndpoint server;
    server.port = FreeLoopbackPort();
    StartEndpoint(&server,
                  {"openssl", "s_server", "-accept",
                   "127.0.0.1:" + std::to_string(server.port), "-cert",
                   dir.File(*main, "tls-combined.pem"), "-www"},
                  dir.path + "/s_server.log", "ACCEPT");
    CommandResult client =
        RunCommand({"openssl", "s_client", "-connect",
                    "127.0.0.1:" + std::to_string(server.port), "-CAfile",
                    dir.File(*main, "ca.crt"), "-verify_return_error",
                    "-verify_hostname", "app.test"},
                   "", std::chrono::seconds(30));
    EXPECT_TRUE(client.ok()) << client.output;
    EXPECT_NE(client.output.find("Verify return code: 0 (ok)"),
              std::string::npos)
        << client.output;
  }

  // The truststore Secret's own password opens it in keytool; the
  // keystore's does not.
  ASSERT_NE(trust->data["password"], main->data["password"]);
  std::string ts = dir.File(*trust, "truststore.p12");
  EXPECT_NE(Output({"keytool", "-list", "-keystore", ts, "-storetype", "PKCS12",
                    "-storepass", trust->data["password"]})
                .find("trustedCertEntry"),
            std::string::npos);
  EXPECT_FALSE(RunCommand({"keytool", "-list", "-keystore", ts, "-storetype",
                           "PKCS12", "-storepass", main->data["password"]})
                   .ok());

  // A user's own key survives a tamper repair; the template's label comes
  // back when removed by hand.
  AddUserKey(ns_, "app-stores");
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "patch", "secret", "app-stores", "--type=merge",
                    "-p", "{\"data\":{\"keystore.p12\":\"Z2FyYmFnZQ==\"}}"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("app-stores");
        return s && pki::ParsePkcs12(s->data["keystore.p12"],
                                     SecretBytes(s->data["password"]))
                        .ok();
      },
      std::chrono::seconds(30)))
      << OperatorLog();
  EXPECT_EQ(Secret("app-stores")->data[kUserKey], kUserValue);
  EXPECT_EQ(Secret("app-stores")->data["tls.crt"], main->data["tls.crt"]);
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "label", "secret", "app-stores", "team-"}).ok());
  EXPECT_TRUE(Eventually(
      [&] {
        auto s = Secret("app-stores");
        return s && s->metadata.labels.count("team") && s->data.count(kUserKey);
      },
      std::chrono::seconds(30)));

  // Renewed on request: a new certificate everywhere, the user's key kept.
  std::string serial = CertStoreField("app", "{.status.serialNumber}");
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "annotate", "certstore.certstore.dev",
                            "app", "certstore.dev/renew-request=shape-1"})
                  .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        std::string now = CertStoreField("app", "{.status.serialNumber}");
        return !now.empty() && now != serial;
      },
      std::chrono::seconds(60)))
      << OperatorLog();
  auto renewed = Secret("app-stores");
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->data[kUserKey], kUserValue);
  EXPECT_EQ(renewed->metadata.labels["team"], "payments");
  EXPECT_NE(renewed->data["tls.crt"], main->data["tls.crt"]);
  auto combined = pki::ParseCertificatesPem(renewed->data["tls-combined.pem"]);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(pki::SerialHex(combined->front().get()),
            CertStoreField("app", "{.status.serialNumber}"));
}

TEST_F(OperatorIT, SecretShapesOpaqueMigratesToTls) {
  Apply(Issuer("mig") + CertStoreYaml("mig", "mig",
                                      "  secretType: Opaque\n"
                                      "  keystore: {commonName: mig.test}\n"));
  ASSERT_TRUE(WaitReady("mig", "True")) << OperatorLog();
  auto before = Secret("mig-stores");
  ASSERT_TRUE(before);
  passwords_.push_back(before->data["password"]);
  EXPECT_EQ(before->type, "Opaque");
  AddUserKey(ns_, "mig-stores");
  std::string serial = CertStoreField("mig", "{.status.serialNumber}");

  // The default (kubernetes.io/tls) from now on: the Secret is replaced.
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "patch", "certstore.certstore.dev", "mig",
                    "--type=merge", "-p", "{\"spec\":{\"secretType\":null}}"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("mig-stores");
        return s && s->type == "kubernetes.io/tls";
      },
      std::chrono::seconds(30)))
      << OperatorLog();
  auto after = Secret("mig-stores");
  EXPECT_NE(after->metadata.uid, before->metadata.uid);
  EXPECT_EQ(after->data["tls.crt"], before->data["tls.crt"]);
  EXPECT_EQ(after->data["password"], before->data["password"]);
  EXPECT_EQ(after->data[kUserKey], kUserValue);
  EXPECT_EQ(CertStoreField("mig", "{.status.serialNumber}"), serial);
  ASSERT_TRUE(WaitReady("mig", "True"));
  EXPECT_NE(EventsMentioning({"SecretTypeChanged"}).find("SecretTypeChanged"),
            std::string::npos);

  // Still owned by the CertStore: deleting it collects the new Secret.
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "delete", "certstore.certstore.dev", "mig"})
          .ok());
  EXPECT_TRUE(Eventually([&] { return !Secret("mig-stores").has_value(); },
                         std::chrono::seconds(60)));
}

TEST_F(OperatorIT, SecretShapesTruststoreChangeit) {
  ScratchDir dir("changeit");
  Apply(Issuer("jv") +
        CertStoreYaml("jv", "jv",
                      "  keystore: {commonName: jv.test}\n"
                      "  truststore: {secretName: jv-trust, password: "
                      "{value: changeit}}\n"
                      "  formats: [JKS]\n"));
  ASSERT_TRUE(WaitReady("jv", "True")) << OperatorLog();
  auto trust = Secret("jv-trust");
  ASSERT_TRUE(trust);
  passwords_.push_back(Secret("jv-stores")->data["password"]);
  passwords_.push_back("changeit");  // never in the operator's log either
  EXPECT_EQ(trust->data.count("password"), 0u);
  EXPECT_NE(Output({"keytool", "-list", "-keystore",
                    dir.File(*trust, "truststore.jks"), "-storetype", "JKS",
                    "-storepass", "changeit"})
                .find("trustedCertEntry"),
            std::string::npos);
}

}  // namespace
}  // namespace certstore

namespace certstore {
namespace {

std::optional<api::ConfigMapObject> ConfigMap(const std::string& ns,
                                              const std::string& name) {
  CommandResult r =
      env->Kubectl({"-n", ns, "get", "configmap", name, "-o", "json"});
  if (!r.ok()) return std::nullopt;
  auto c = api::ParseConfigMap(r.output);
  if (!c.ok()) return std::nullopt;
  return std::move(c).value();
}

// spec.export: the partner gets the server's public certificate from the
// ConfigMap, imports it with keytool into a truststore of its own, and its
// Java client completes mutual TLS with the Java server; after a renewal
// the ConfigMap holds the new certificate and the re-imported one works.
TEST_F(OperatorIT, PartnerExportCompletesJavaTlsAndFollowsRenewal) {
  ScratchDir dir("export");
  Apply(Issuer("exp") +
        CertStoreYaml("srv", "exp",
                      "  keystore: {commonName: srv.test, dnsNames: "
                      "[srv.test], usages: [serverAuth]}\n"
                      "  truststore: {}\n"
                      "  export: {configMapName: srv-public}\n") +
        CertStoreYaml("cli", "exp",
                      "  keystore: {commonName: cli.test, usages: "
                      "[clientAuth]}\n  truststore: {}\n"));
  ASSERT_TRUE(WaitReady("srv", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("cli", "True")) << OperatorLog();
  auto srv = Secret("srv-stores");
  auto cli = Secret("cli-stores");
  ASSERT_TRUE(srv && cli);
  passwords_.push_back(srv->data["password"]);
  passwords_.push_back(cli->data["password"]);

  // The ConfigMap: the public chain and the DER leaf, no key.
  auto exported = ConfigMap(ns_, "srv-public");
  ASSERT_TRUE(exported) << OperatorLog();
  std::set<std::string> keys;
  for (const auto& [k, v] : exported->data) {
    keys.insert(k);
    EXPECT_EQ(v.find("PRIVATE KEY"), std::string::npos) << k;
  }
  EXPECT_EQ(keys, (std::set<std::string>{"tls.crt", "tls.cer"}));
  EXPECT_EQ(exported->data["tls.crt"], srv->data["tls.crt"]);
  EXPECT_EQ(exported->metadata.labels["certstore.dev/certstore"], "srv");

  // The partner: a truststore holding only the exported certificate.
  std::string classes = JavaClasses(dir.path);
  WriteStores(*srv, dir.path, "server");
  WriteStores(*cli, dir.path, "partner");
  auto import = [&](const api::ConfigMapObject& c) {
    std::string cer = dir.path + "/srv.cer";
    std::string trust = dir.path + "/partner-trust.p12";
    std::remove(trust.c_str());
    EXPECT_TRUE(WriteFileAtomic(cer, c.data.at("tls.cer")).ok());
    Output({"keytool", "-importcert", "-noprompt", "-alias", "srv", "-file",
            cer, "-keystore", trust, "-storetype", "PKCS12", "-storepass",
            cli->data["password"]});
  };
  import(*exported);
  {
    JavaServer server = StartJavaServer(dir.path, "server");
    CommandResult c = JavaClient(dir.path, "partner", "srv.test", server.port);
    StopJavaServer(&server);
    EXPECT_TRUE(c.ok()) << c.output;
    EXPECT_NE(c.output.find("OK HTTP/1.1 200"), std::string::npos) << c.output;
  }

  // Renewed: the export follows; the partner re-imports and connects.
  std::string serial = CertStoreField("srv", "{.status.serialNumber}");
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "annotate", "certstore.certstore.dev",
                            "srv", "certstore.dev/renew-request=exp-1"})
                  .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto c = ConfigMap(ns_, "srv-public");
        auto der = c ? pki::ParseCertificateDer(c->data["tls.cer"])
                     : StatusOr<pki::X509Ptr>(NotFoundError("none"));
        return der.ok() && pki::SerialHex(der->get()) != serial &&
               pki::SerialHex(der->get()) ==
                   CertStoreField("srv", "{.status.serialNumber}");
      },
      std::chrono::seconds(60)))
      << OperatorLog();
  srv = Secret("srv-stores");
  WriteStores(*srv, dir.path, "server");
  import(*ConfigMap(ns_, "srv-public"));
  {
    JavaServer server = StartJavaServer(dir.path, "server");
    CommandResult c = JavaClient(dir.path, "partner", "srv.test", server.port);
    StopJavaServer(&server);
    EXPECT_TRUE(c.ok()) << c.output;
  }
  EXPECT_NE(EventsMentioning({"Exported"}).find("Exported"), std::string::npos);

  // Deleted or edited by hand: written again.
  auto written_again = [&] {
    return Eventually(
        [&] {
          auto c = ConfigMap(ns_, "srv-public");
          return c && c->data["tls.crt"] == srv->data["tls.crt"];
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "delete", "configmap", "srv-public"}).ok());
  EXPECT_TRUE(written_again()) << OperatorLog();
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "patch", "configmap", "srv-public",
                            "--type=merge", "-p",
                            "{\"data\":{\"tls.crt\":\"edited\"}}"})
                  .ok());
  EXPECT_TRUE(written_again()) << OperatorLog();
}

TEST_F(OperatorIT, PartnerExportNeverTouchesAForeignConfigMap) {
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "configmap", "taken",
                            "--from-literal=owner=someone-else"})
                  .ok());
  Apply(Issuer("exp2") + CertStoreYaml("own", "exp2",
                                       "  keystore: {commonName: own.test}\n"
                                       "  export: {configMapName: taken}\n"));
  ASSERT_TRUE(WaitReady("own", "False", "ExportConflict")) << OperatorLog();
  EXPECT_NE(
      Condition("own", "Ready", "message").find("ConfigMap " + ns_ + "/taken"),
      std::string::npos);
  auto c = ConfigMap(ns_, "taken");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->data,
            (std::map<std::string, std::string>{{"owner", "someone-else"}}));
  passwords_.push_back(Secret("own-stores")->data["password"]);
}

}  // namespace
}  // namespace certstore
