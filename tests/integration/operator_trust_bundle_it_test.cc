// TrustBundles against the real API server, with the operator running as
// its ServiceAccount (deploy/rbac): targets appear exactly in the selected
// namespaces with the right entries (keytool lists trustedCertEntry only,
// openssl reads the PEM), follow relabelled namespaces, leave a foreign
// object untouched (reported in status), go with the bundle; and a
// CertStore in a tenant namespace trusts a server's root only through a
// `trustBundle` source, proven by a Java mutual-TLS handshake.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "operator/common/clock.h"
#include "operator/common/files.h"
#include "operator/pki/ca.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "tests/integration/operator_fixture.h"
#include "tests/support/yaml_text.h"

namespace certstore {
namespace {

struct Dir {
  explicit Dir(const std::string& test) {
    path = "/tmp/operator-tb-" + std::to_string(getpid()) + "-" + test;
    std::filesystem::create_directories(path);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::string path;
};

// A self-signed CA certificate (PEM) named `cn`, valid from `clock`'s now
// for `duration`.
std::string RootPem(const std::string& cn, const Clock& clock,
                    std::chrono::seconds duration) {
  auto key = pki::GenerateKey({pki::KeyAlgorithm::kEcdsa, 256});
  EXPECT_TRUE(key.ok());
  pki::RootSpec rs;
  rs.subject.common_name = cn;
  rs.duration = duration;
  auto ca = pki::CreateSelfSignedCa(rs, key->get(), clock);
  EXPECT_TRUE(ca.ok()) << ca.status();
  return pki::EncodeCertificatePem(ca->cert.get());
}

using certstore::testing::Indent;

std::optional<std::string> Get(const std::string& ns, const std::string& kind,
                               const std::string& name) {
  CommandResult r = env->Kubectl({"-n", ns, "get", kind, name, "-o", "json"});
  if (!r.ok()) return std::nullopt;
  return r.output;
}

std::optional<api::ConfigMapObject> GetConfigMap(const std::string& ns,
                                                 const std::string& name) {
  auto json = Get(ns, "configmap", name);
  if (!json) return std::nullopt;
  auto c = api::ParseConfigMap(*json);
  if (!c.ok()) return std::nullopt;
  return std::move(c).value();
}

std::optional<api::SecretObject> GetSecret(const std::string& ns,
                                           const std::string& name) {
  auto json = Get(ns, "secret", name);
  if (!json) return std::nullopt;
  auto s = api::ParseSecret(*json);
  if (!s.ok()) return std::nullopt;
  return std::move(s).value();
}

std::string BundleField(const std::string& name, const std::string& path) {
  CommandResult r = env->Kubectl(
      {"get", "trustbundle.certstore.dev", name, "-o", "jsonpath=" + path});
  return r.ok() ? r.output : "";
}

void Label(const std::string& ns, const std::string& label) {
  CommandResult r =
      env->Kubectl({"label", "namespace", ns, label, "--overwrite"});
  EXPECT_TRUE(r.ok()) << r.output;
}

std::set<std::string> CommonNames(const std::string& pem) {
  std::set<std::string> out;
  auto certs = pki::ParseCertificatesPem(pem);
  if (!certs.ok()) return out;
  for (const auto& c : *certs) out.insert(pki::CommonName(c.get()));
  return out;
}

TEST_F(OperatorIT, TrustBundleTargetsFollowSelectorsConflictsAndDeletion) {
  Dir dir("targets");
  const std::string bundle = "corp-" + ns_;
  const std::string issuer = "tbroot-" + ns_;
  const std::string label = "tb-test-" + ns_.substr(ns_.size() - 6);
  std::string a = env->CreateNamespace(), b = env->CreateNamespace(),
              c = env->CreateNamespace();
  ASSERT_FALSE(a.empty() || b.empty() || c.empty());
  Label(a, label + "=yes");
  Label(c, label + "=yes");
  // In c, someone else's ConfigMap already has the target's name.
  ASSERT_TRUE(env->Kubectl({"-n", c, "create", "configmap", "corp-trust",
                            "--from-literal=owner=someone-else"})
                  .ok());
  // Sources: a ClusterCertIssuer's root, a ConfigMap in the cluster
  // resource namespace, and inline PEM with one expired certificate.
  ASSERT_TRUE(env->Kubectl({"apply", "-f", "-"},
                           "apiVersion: certstore.dev/v1alpha1\nkind: "
                           "ClusterCertIssuer\nmetadata: {name: " +
                               issuer +
                               "}\nspec:\n  selfSigned: {secretName: " +
                               issuer + ", commonName: Bundle Cluster Root}\n")
                  .ok());
  FakeClock now(SystemClock().Now());
  FakeClock past(SystemClock().Now() - std::chrono::hours(24 * 400));
  std::string corp = RootPem("Corp Root", now, std::chrono::hours(24 * 365));
  std::string partner =
      RootPem("Partner Root", now, std::chrono::hours(24 * 365));
  std::string expired =
      RootPem("Expired Root", past, std::chrono::hours(24 * 30));
  ASSERT_TRUE(WriteFileAtomic(dir.path + "/corp.pem", corp).ok());
  ASSERT_TRUE(
      env->Kubectl({"-n", crns_, "create", "configmap", "corp-roots-" + ns_,
                    "--from-file=ca.crt=" + dir.path + "/corp.pem"})
          .ok());
  std::string yaml =
      "apiVersion: certstore.dev/v1alpha1\nkind: TrustBundle\nmetadata: "
      "{name: " +
      bundle + "}\nspec:\n  sources:\n  - issuer: {name: " + issuer +
      "}\n  - configMap: {name: corp-roots-" + ns_ + "}\n  - inline: |\n" +
      Indent(partner + expired, 6) +
      "  filter: {dropExpired: true}\n"
      "  target:\n"
      "    namespaceSelector: {matchLabels: {" +
      label +
      ": 'yes'}}\n"
      "    configMap: {name: corp-trust}\n"
      "    secret: {name: corp-truststore, formats: [PKCS12, JKS], "
      "passwordPolicy: Generated}\n";
  CommandResult applied = env->Kubectl({"apply", "-f", "-"}, yaml);
  ASSERT_TRUE(applied.ok()) << applied.output;

  const std::set<std::string> want = {"Bundle Cluster Root", "Corp Root",
                                      "Partner Root"};
  // a: both targets, with exactly the three valid certificates.
  ASSERT_TRUE(Eventually(
      [&] {
        auto cm = GetConfigMap(a, "corp-trust");
        return cm && CommonNames(cm->data["ca.crt"]) == want &&
               GetSecret(a, "corp-truststore").has_value();
      },
      std::chrono::seconds(60)))
      << OperatorLog();
  auto cm = GetConfigMap(a, "corp-trust");
  EXPECT_EQ(cm->metadata.labels["certstore.dev/trustbundle-uid"],
            BundleField(bundle, "{.metadata.uid}"));
  ASSERT_TRUE(
      WriteFileAtomic(dir.path + "/bundle.pem", cm->data["ca.crt"]).ok());
  CommandResult openssl = RunCommand(
      {"openssl", "storeutl", "-noout", "-certs", dir.path + "/bundle.pem"});
  EXPECT_TRUE(openssl.ok()) << openssl.output;
  EXPECT_NE(openssl.output.find("Total found: 3"), std::string::npos)
      << openssl.output;
  auto secret = GetSecret(a, "corp-truststore");
  ASSERT_TRUE(secret);
  std::string pw = secret->data["password"];
  passwords_.push_back(pw);
  EXPECT_GE(pw.size(), 32u);
  for (const char* f : {"truststore.p12", "truststore.jks"}) {
    ASSERT_TRUE(WriteFileAtomic(dir.path + "/" + f, secret->data[f]).ok());
    CommandResult list = RunCommand({"keytool", "-list", "-keystore",
                                     dir.path + "/" + f, "-storepass", pw});
    EXPECT_TRUE(list.ok()) << f << ": " << list.output;
    EXPECT_NE(list.output.find("contains 3 entries"), std::string::npos)
        << f << ": " << list.output;
    EXPECT_EQ(list.output.find("PrivateKeyEntry"), std::string::npos) << f;
    size_t trusted = 0;
    for (size_t at = 0;
         (at = list.output.find("trustedCertEntry", at)) != std::string::npos;
         ++at)
      ++trusted;
    EXPECT_EQ(trusted, 3u) << f << ": " << list.output;
  }
  // b (not selected): nothing. c: the foreign ConfigMap untouched and
  // reported; the Secret target is written there.
  EXPECT_FALSE(GetConfigMap(b, "corp-trust"));
  EXPECT_FALSE(GetSecret(b, "corp-truststore"));
  ASSERT_TRUE(Eventually(
      [&] {
        return BundleField(bundle, "{.status.conflicts}").find(c) !=
               std::string::npos;
      },
      std::chrono::seconds(30)))
      << BundleField(bundle, "{.status}");
  EXPECT_EQ(GetConfigMap(c, "corp-trust")->data,
            (std::map<std::string, std::string>{{"owner", "someone-else"}}));
  EXPECT_TRUE(GetSecret(c, "corp-truststore").has_value());
  EXPECT_EQ(
      BundleField(bundle, "{.status.conditions[?(@.type==\"Ready\")].reason}"),
      "TargetConflict");
  // Status: the entries and the expired certificate dropped.
  EXPECT_EQ(BundleField(bundle, "{.status.certificates}"), "3");
  EXPECT_NE(BundleField(bundle, "{.status.dropped[0].reason}"), "");
  EXPECT_NE(
      BundleField(bundle, "{.status.dropped[0].subject}").find("Expired Root"),
      std::string::npos);
  // The metrics: one expiry per entry.
  std::string metrics =
      RunCommand(
          {"curl", "-sS", "--max-time", "5",
           "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics"})
          .output;
  EXPECT_NE(metrics.find("certstore_trustbundle_certificate_not_after_"
                         "timestamp_seconds{trustbundle=\"" +
                         bundle + "\",subject="),
            std::string::npos)
      << metrics.substr(0, 2000);

  // The conflict resolved (its owner deletes it): written there too.
  ASSERT_TRUE(
      env->Kubectl({"-n", c, "delete", "configmap", "corp-trust"}).ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto m = GetConfigMap(c, "corp-trust");
        return m && CommonNames(m->data["ca.crt"]) == want;
      },
      std::chrono::seconds(30)))
      << OperatorLog();
  ASSERT_TRUE(Eventually(
      [&] {
        return BundleField(
                   bundle,
                   "{.status.conditions[?(@.type==\"Ready\")].status}") ==
               "True";
      },
      std::chrono::seconds(30)));

  // Drift: an edited target is written back.
  ASSERT_TRUE(
      env->Kubectl({"-n", a, "patch", "configmap", "corp-trust", "--type=merge",
                    "-p", R"({"data":{"ca.crt":"tampered"}})"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto m = GetConfigMap(a, "corp-trust");
        return m && CommonNames(m->data["ca.crt"]) == want;
      },
      std::chrono::seconds(30)));

  // A tenant's bait: the bundle's UID label on a Secret of its own, with no
  // ownerReference. Never listed as a target, never touched.
  const std::string uid = BundleField(bundle, "{.metadata.uid}");
  ASSERT_TRUE(env->Kubectl({"-n", a, "create", "secret", "generic", "bait",
                            "--from-literal=k=v"})
                  .ok());
  ASSERT_TRUE(env->Kubectl({"-n", a, "label", "secret", "bait",
                            "certstore.dev/trustbundle-uid=" + uid})
                  .ok());
  // A target someone made immutable (and changed) cannot be written back:
  // reported per namespace, the others are still served.
  ASSERT_TRUE(
      env->Kubectl({"-n", a, "patch", "configmap", "corp-trust", "--type=merge",
                    "-p", R"({"immutable":true,"data":{"ca.crt":"frozen"}})"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        return BundleField(bundle, "{.status.failures}").find(a) !=
                   std::string::npos &&
               BundleField(
                   bundle,
                   "{.status.conditions[?(@.type==\"Ready\")].reason}") ==
                   "TargetWriteFailed";
      },
      std::chrono::seconds(30)))
      << BundleField(bundle, "{.status}");
  EXPECT_NE(BundleField(bundle, "{.status.namespaces}").find(c),
            std::string::npos);

  // Relabelled: a no longer selected (its targets removed), b selected.
  ASSERT_TRUE(env->Kubectl({"label", "namespace", a, label + "-"}).ok());
  Label(b, label + "=yes");
  ASSERT_TRUE(Eventually(
      [&] {
        return !GetConfigMap(a, "corp-trust") &&
               !GetSecret(a, "corp-truststore") &&
               GetConfigMap(b, "corp-trust") && GetSecret(b, "corp-truststore");
      },
      std::chrono::seconds(60)))
      << OperatorLog();

  EXPECT_TRUE(GetSecret(a, "bait").has_value()) << "a tenant's Secret deleted";

  // Deleted: every target goes with it (ownerReferences).
  ASSERT_TRUE(
      env->Kubectl({"delete", "trustbundle.certstore.dev", bundle}).ok());
  EXPECT_TRUE(Eventually(
      [&] {
        return !GetConfigMap(b, "corp-trust") &&
               !GetSecret(b, "corp-truststore") &&
               !GetConfigMap(c, "corp-trust") &&
               !GetSecret(c, "corp-truststore");
      },
      std::chrono::seconds(90)));
}

TEST_F(OperatorIT, TrustBundleSourceCarriesAServersRootToAJavaClient) {
  Dir dir("mtls");
  const std::string bundle = "srvroot-" + ns_;
  const std::string issuer = "tbsrv-" + ns_;
  std::string tenant = env->CreateNamespace();
  ASSERT_FALSE(tenant.empty());
  ASSERT_TRUE(
      env->Kubectl(
             {"apply", "-f", "-"},
             "apiVersion: certstore.dev/v1alpha1\nkind: "
             "ClusterCertIssuer\nmetadata: {name: " +
                 issuer + "}\nspec:\n  selfSigned: {secretName: " + issuer +
                 ", commonName: Bundle Server Root}\n  policy:\n"
                 "    namespaceSelector: {matchExpressions: [{key: "
                 "kubernetes.io/metadata.name, operator: In, values: [" +
                 ns_ + ", " + tenant +
                 "]}]}\n"
                 "    dnsNames: ['*.$(namespace).svc']\n"
                 "    commonNames: [Bundle Server, Bundle Client]\n"
                 "---\napiVersion: certstore.dev/v1alpha1\nkind: "
                 "TrustBundle\nmetadata: {name: " +
                 bundle + "}\nspec:\n  sources: [{issuer: {name: " + issuer +
                 "}}]\n")
          .ok());
  const std::string ref = "{kind: ClusterCertIssuer, name: " + issuer + "}";
  const std::string host = "srv." + ns_ + ".svc";
  // The server trusts the issuer's root directly.
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: srv}\nspec:\n  issuerRef: " +
      ref +
      "\n  secretName: srv-stores\n  keystore: {commonName: Bundle Server, "
      "dnsNames: [" +
      host + "], usages: [serverAuth]}\n  truststore: {}\n");
  // The client, in another namespace, trusts only what the bundle holds.
  CommandResult cli = env->Kubectl(
      {"-n", tenant, "apply", "-f", "-"},
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: cli}\nspec:\n  issuerRef: " +
          ref +
          "\n  secretName: cli-stores\n  keystore: {commonName: Bundle Client, "
          "usages: [clientAuth]}\n  truststore:\n    sources: "
          "[{trustBundle: {name: " +
          bundle + "}}]\n");
  ASSERT_TRUE(cli.ok()) << cli.output;
  ASSERT_TRUE(WaitReady("srv", "True")) << Condition("srv", "Ready", "message");
  ASSERT_TRUE(Eventually(
      [&] {
        return env->Kubectl(
                      {"-n", tenant, "get", "certstore.certstore.dev", "cli",
                       "-o",
                       "jsonpath={.status.conditions[?(@.type==\"Ready\")]"
                       ".status}"})
                   .output == "True";
      },
      std::chrono::seconds(60)))
      << OperatorLog();
  auto srv = Secret("srv-stores");
  auto client = GetSecret(tenant, "cli-stores");
  ASSERT_TRUE(srv && client);
  passwords_.push_back(srv->data["password"]);
  passwords_.push_back(client->data["password"]);
  // The client's truststore: the bundle's root, nothing else.
  EXPECT_EQ(CommonNames(client->data["ca.crt"]),
            (std::set<std::string>{"Bundle Server Root"}));
  WriteStores(*srv, dir.path, "server");
  WriteStores(*client, dir.path, "client");
  JavaServer server = StartJavaServer(dir.path, "server");
  CommandResult c = JavaClient(dir.path, "client", host, server.port);
  StopJavaServer(&server);
  EXPECT_TRUE(c.ok()) << c.output;
  EXPECT_NE(c.output.find("OK HTTP/1.1 200"), std::string::npos) << c.output;

  // A CertStore naming a bundle that does not exist says so.
  CommandResult missing = env->Kubectl(
      {"-n", tenant, "apply", "-f", "-"},
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: nobundle}\nspec:\n  issuerRef: " +
          ref +
          "\n  secretName: nobundle-stores\n  truststore:\n    sources: "
          "[{trustBundle: {name: no-such-bundle}}]\n");
  ASSERT_TRUE(missing.ok()) << missing.output;
  EXPECT_TRUE(Eventually(
      [&] {
        return env->Kubectl(
                      {"-n", tenant, "get", "certstore.certstore.dev",
                       "nobundle", "-o",
                       "jsonpath={.status.conditions[?(@.type==\"Ready\")]"
                       ".message}"})
                   .output.find("TrustBundle no-such-bundle not found") !=
               std::string::npos;
      },
      std::chrono::seconds(30)));
  EXPECT_FALSE(GetSecret(tenant, "nobundle-stores").has_value());
  env->Kubectl({"delete", "trustbundle.certstore.dev", bundle});
  env->Kubectl({"delete", "clustercertissuer.certstore.dev", issuer});
}

// A CA rotation of a root that reaches a client only through a TrustBundle:
// the bundle carries both roots for the overlap, and every pair of Secret
// versions that existed together completes a Java mutual-TLS handshake.
TEST_F(OperatorIT, TrustBundleCarriesACaRotationWithoutABrokenHandshake) {
  Dir dir("rotation");
  const std::string issuer = "tbrot-" + ns_;
  const std::string bundle = "tbrot-" + ns_;
  std::string tenant = env->CreateNamespace();
  ASSERT_FALSE(tenant.empty());
  OpensslRoot one = MakeOpensslRoot(dir.path, "Bundle Rotation One"),
              two = MakeOpensslRoot(dir.path, "Bundle Rotation Two");
  auto ca_secret = [&](const std::string& cn) {
    CommandResult y = env->Kubectl(
        {"-n", crns_, "create", "secret", "tls", issuer, "--cert",
         dir.path + "/" + cn + ".crt", "--key", dir.path + "/" + cn + ".key",
         "--dry-run=client", "-o", "yaml"});
    ASSERT_TRUE(y.ok()) << y.output;
    CommandResult a = env->Kubectl({"-n", crns_, "apply", "-f", "-"}, y.output);
    ASSERT_TRUE(a.ok()) << a.output;
  };
  ca_secret("Bundle Rotation One");
  CommandResult setup = env->Kubectl(
      {"apply", "-f", "-"},
      "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\nmetadata: "
      "{name: " +
          issuer + "}\nspec:\n  ca: {secretName: " + issuer +
          "}\n  policy:\n    namespaceSelector: {matchExpressions: [{key: "
          "kubernetes.io/metadata.name, operator: In, values: [" +
          ns_ + ", " + tenant +
          "]}]}\n    dnsNames: ['*.$(namespace).svc']\n"
          "    commonNames: [Rot Server, Rot Client]\n"
          "---\napiVersion: certstore.dev/v1alpha1\nkind: TrustBundle\n"
          "metadata: {name: " +
          bundle + "}\nspec:\n  sources: [{issuer: {name: " + issuer + "}}]\n");
  ASSERT_TRUE(setup.ok()) << setup.output;
  const std::string ref = "{kind: ClusterCertIssuer, name: " + issuer + "}";
  const std::string host = "srv." + ns_ + ".svc";
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: srv}\nspec:\n  issuerRef: " +
      ref +
      "\n  secretName: srv-stores\n  keystore: {commonName: Rot Server, "
      "dnsNames: [" +
      host + "], usages: [serverAuth]}\n  truststore: {}\n");
  CommandResult cli = env->Kubectl(
      {"-n", tenant, "apply", "-f", "-"},
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
      "{name: cli}\nspec:\n  issuerRef: " +
          ref +
          "\n  secretName: cli-stores\n  keystore: {commonName: Rot Client, "
          "usages: [clientAuth]}\n  truststore:\n    sources: "
          "[{trustBundle: {name: " +
          bundle + "}}]\n");
  ASSERT_TRUE(cli.ok()) << cli.output;
  auto cli_field = [&](const std::string& path) {
    return env
        ->Kubectl({"-n", tenant, "get", "certstore.certstore.dev", "cli", "-o",
                   "jsonpath=" + path})
        .output;
  };
  ASSERT_TRUE(WaitReady("srv", "True")) << Condition("srv", "Ready", "message");
  ASSERT_TRUE(Eventually(
      [&] {
        return cli_field("{.status.conditions[?(@.type==\"Ready\")].status}") ==
               "True";
      },
      std::chrono::seconds(60)))
      << cli_field("{.status.conditions}");
  ASSERT_TRUE(Eventually(
      [&] {
        return !env->Kubectl({"get", "clustercertissuer", issuer, "-o",
                              "jsonpath={.status.caCertificate}"})
                    .output.empty();
      },
      std::chrono::seconds(30)));

  SecretPairHistory history(env, {ns_, "srv-stores"}, {tenant, "cli-stores"});
  history.Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ca_secret("Bundle Rotation Two");
  auto two_cert = pki::ParseCertificatesPem(two.crt);
  auto one_cert = pki::ParseCertificatesPem(one.crt);
  ASSERT_TRUE(two_cert.ok() && one_cert.ok());
  const std::string new_fp = pki::FingerprintSha256(two_cert->front().get());
  const std::string new_dn = pki::SubjectText(two_cert->front().get());
  const std::string old_dn = pki::SubjectText(one_cert->front().get());
  bool done = Eventually(
      [&] {
        return CertStoreField("srv", "{.status.issuerCAFingerprintSHA256}") ==
                   new_fp &&
               cli_field("{.status.issuerCAFingerprintSHA256}") == new_fp &&
               CertStoreField("srv", "{.status.truststore.certificates}") ==
                   "1" &&
               cli_field("{.status.truststore.certificates}") == "1" &&
               env->Kubectl({"get", "clustercertissuer", issuer, "-o",
                             "jsonpath={.status.rotation}"})
                   .output.empty();
      },
      std::chrono::seconds(120));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  history.Stop();
  ASSERT_TRUE(done) << OperatorLog();

  // The client trusted the new root (through the bundle) before any
  // certificate from it appeared, and trusts only it at the end.
  using Clock = SecretPairHistory::Clock;
  Clock::time_point client_trusts_new = Clock::time_point::max(),
                    first_new_leaf = Clock::time_point::max();
  bool client_had_both = false;
  for (const auto& [rv, v] : history.versions()) {
    if (!history.IsServer(v) && v.trusted.count(new_dn))
      client_trusts_new = std::min(client_trusts_new, v.first_seen);
    if (!history.IsServer(v) && v.trusted.count(new_dn) &&
        v.trusted.count(old_dn))
      client_had_both = true;
    if (v.leaf_issuer == new_dn)
      first_new_leaf = std::min(first_new_leaf, v.first_seen);
  }
  EXPECT_TRUE(client_had_both) << "the bundle never carried both roots";
  EXPECT_LE(client_trusts_new, first_new_leaf)
      << "a certificate from the new root appeared before the bundle's "
         "reader trusted it";
  EXPECT_EQ(CommonNames(GetSecret(tenant, "cli-stores")->data["ca.crt"]),
            (std::set<std::string>{"Bundle Rotation Two"}));

  int handshakes = HandshakeEveryPairSeenTogether(history, dir.path, host);
  EXPECT_GE(handshakes, 3);
  env->Kubectl({"delete", "trustbundle.certstore.dev", bundle});
  env->Kubectl({"delete", "clustercertissuer.certstore.dev", issuer});
}

}  // namespace
}  // namespace certstore
