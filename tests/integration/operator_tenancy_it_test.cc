// Shared clusters, against the real API server with the operator running as
// its ServiceAccount with the chart's RBAC (DESIGN.md "Tenancy"):
//   - a ClusterCertIssuer serves no namespace until its policy selects it,
//     and then only the identities its patterns allow; namespace labels
//     that stop matching stop the next issuance, and leave the Secret;
//   - a Secret belongs to a CertStore only by its controller ownerReference:
//     another CertStore naming it, or a CA Secret, is a SecretConflict;
//   - a recorded root whose Secret is deleted is never re-created by itself.
#include <filesystem>
#include <thread>

#include "operator/common/files.h"
#include "operator/pki/certificate.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

std::string ClusterIssuer(const std::string& name, const std::string& policy) {
  return "apiVersion: certstore.dev/v1alpha1\nkind: "
         "ClusterCertIssuer\nmetadata: {name: " +
         name + "}\nspec:\n  selfSigned: {secretName: " + name +
         ", commonName: Shared Root}\n" + policy;
}

std::string CertStore(const std::string& name, const std::string& issuer_ref,
                      const std::string& secret, const std::string& keystore) {
  return "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
         "{name: " +
         name + "}\nspec:\n  issuerRef: " + issuer_ref +
         "\n  secretName: " + secret + "\n  keystore:\n" + keystore;
}

// The sum of certstore_issuance_total over its reasons in `exposition`.
double IssuedTotal(const std::string& exposition) {
  double sum = 0;
  size_t at = 0;
  const std::string name = "certstore_issuance_total{";
  while ((at = exposition.find(name, at)) != std::string::npos) {
    size_t space = exposition.find(' ', exposition.find('}', at));
    sum += std::atof(exposition.c_str() + space + 1);
    at = space;
  }
  return sum;
}

std::string Scrape(int port) {
  return RunCommand({"curl", "-sS", "-f", "--max-time", "5",
                     "http://127.0.0.1:" + std::to_string(port) + "/metrics"})
      .output;
}

TEST_F(OperatorIT, TenancyClusterIssuerServesOnlyWhatItsPolicyAllows) {
  // Cluster-scoped, so unique per test namespace.
  const std::string issuer = "shared-" + ns_;
  const std::string ref = "{kind: ClusterCertIssuer, name: " + issuer + "}";
  Apply(ClusterIssuer(issuer, ""));
  Apply(CertStore(
      "api", ref, "api-stores",
      "    dnsNames: [api." + ns_ + ".svc]\n    usages: [serverAuth]\n"));
  // 1. No policy: no namespace may use it. Nothing is written.
  ASSERT_TRUE(WaitReady("api", "False", "PolicyDenied")) << OperatorLog();
  EXPECT_NE(Condition("api", "Ready", "message").find("serves no namespace"),
            std::string::npos)
      << Condition("api", "Ready", "message");
  EXPECT_FALSE(Secret("api-stores").has_value());

  // 2. The platform team selects this namespace by a label tenants cannot
  //    set, and binds names to it: Ready, without a restart.
  Apply(ClusterIssuer(issuer,
                      "  policy:\n    namespaceSelector: {matchLabels: "
                      "{kubernetes.io/metadata.name: " +
                          ns_ +
                          "}}\n"
                          "    dnsNames: ['*.$(namespace).svc']\n"));
  ASSERT_TRUE(WaitReady("api", "True")) << Condition("api", "Ready", "message");
  auto issued = Secret("api-stores");
  ASSERT_TRUE(issued.has_value());

  // 3. A name of another namespace is refused, naming the name and the
  //    pattern; no Secret.
  Apply(CertStore(
      "impostor", ref, "impostor-stores",
      "    dnsNames: [payments.payments.svc]\n    usages: [serverAuth]\n"));
  ASSERT_TRUE(WaitReady("impostor", "False", "PolicyDenied"));
  std::string msg = Condition("impostor", "Ready", "message");
  EXPECT_NE(msg.find("payments.payments.svc"), std::string::npos) << msg;
  EXPECT_NE(msg.find("*.$(namespace).svc"), std::string::npos) << msg;
  EXPECT_FALSE(Secret("impostor-stores").has_value());
  EXPECT_NE(EventsMentioning({"PolicyDenied"}).find("PolicyDenied"),
            std::string::npos);
  // The denial counter, by issuer and the field that refused.
  EXPECT_TRUE(Eventually(
      [&] {
        std::string m = Scrape(metrics_port_);
        return m.find(
                   "certstore_policy_denials_total{field=\"dnsNames\",issuer_"
                   "kind="
                   "\"ClusterCertIssuer\",issuer_name=\"" +
                   issuer + "\"}") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << Scrape(metrics_port_);

  // 4. The namespace stops matching (the selector now wants a label this
  //    namespace lacks): the CertStore is denied, its Secret stays as it was.
  Apply(ClusterIssuer(
      issuer,
      "  policy:\n    namespaceSelector: {matchLabels: {tier: gold}}\n"
      "    dnsNames: ['*.$(namespace).svc']\n"));
  ASSERT_TRUE(env->Kubectl({"label", "namespace", ns_, "tier=gold"}).ok());
  // Still allowed while labelled gold.
  EXPECT_TRUE(WaitReady("api", "True"));
  ASSERT_TRUE(
      env->Kubectl({"label", "--overwrite", "namespace", ns_, "tier=bronze"})
          .ok());
  ASSERT_TRUE(WaitReady("api", "False", "PolicyDenied"))
      << Condition("api", "Ready", "message");
  EXPECT_NE(Condition("api", "Ready", "message").find("is not selected"),
            std::string::npos);
  auto after = Secret("api-stores");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->data, issued->data);
  env->Kubectl({"delete", "clustercertissuer", issuer, "--wait=false"});
}

TEST_F(OperatorIT, TenancyASecretBelongsOnlyToTheCertStoreThatControlsIt) {
  Apply(Issuer("team"));
  Apply(CertStore("a", "{name: team}", "shared-stores", "    commonName: a\n"));
  ASSERT_TRUE(WaitReady("a", "True")) << Condition("a", "Ready", "message");
  auto before = Secret("shared-stores");
  ASSERT_TRUE(before.has_value());
  std::string owners_before =
      Jsonpath("secret", "shared-stores", "{.metadata.ownerReferences}");
  std::string serial_a = CertStoreField("a", "{.status.serialNumber}");

  // B names A's Secret: refused, naming A; A's Secret and owner unchanged.
  Apply(CertStore("b", "{name: team}", "shared-stores", "    commonName: b\n"));
  ASSERT_TRUE(WaitReady("b", "False", "SecretConflict"));
  EXPECT_NE(
      Condition("b", "Ready", "message").find("controlled by CertStore a"),
      std::string::npos)
      << Condition("b", "Ready", "message");
  auto during = Secret("shared-stores");
  ASSERT_TRUE(during.has_value());
  EXPECT_EQ(during->data, before->data);
  EXPECT_EQ(Jsonpath("secret", "shared-stores", "{.metadata.ownerReferences}"),
            owners_before);
  EXPECT_EQ(Condition("a", "Ready", "status"), "True");

  // Deleting B leaves A's Secret (garbage collection follows UIDs).
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "delete", "certstore.certstore.dev", "b"}).ok());
  std::this_thread::sleep_for(
      std::chrono::seconds(3));  // GC would act within this
  auto kept = Secret("shared-stores");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->data, before->data);
  EXPECT_EQ(CertStoreField("a", "{.status.serialNumber}"), serial_a);

  // A CertStore naming the issuer's CA Secret: refused; the CA is untouched
  // and no key is generated in a loop.
  std::string ca_rv =
      Jsonpath("secret", "team-ca", "{.metadata.resourceVersion}");
  ASSERT_FALSE(ca_rv.empty());
  double issued_before = IssuedTotal(Scrape(metrics_port_));
  Apply(
      CertStore("thief", "{name: team}", "team-ca", "    commonName: thief\n"));
  ASSERT_TRUE(WaitReady("thief", "False", "SecretConflict"));
  EXPECT_NE(Condition("thief", "Ready", "message").find("root CA key"),
            std::string::npos)
      << Condition("thief", "Ready", "message");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Jsonpath("secret", "team-ca", "{.metadata.resourceVersion}"),
            ca_rv);
  // No certificate (and no key) was issued for it, and backoff, not a
  // loop: a handful of attempts at most in these seconds.
  EXPECT_EQ(IssuedTotal(Scrape(metrics_port_)), issued_before);
  EXPECT_LE(
      std::atoi(
          CertStoreField("thief", "{.status.failedIssuanceAttempts}").c_str()),
      3);
}

TEST_F(OperatorIT, TenancyADeletedRootIsNeverReplacedByItself) {
  Apply(Issuer("root"));
  Apply(
      CertStore("app", "{name: root}", "app-stores", "    commonName: app\n"));
  ASSERT_TRUE(WaitReady("app", "True")) << Condition("app", "Ready", "message");
  std::string fp;
  ASSERT_TRUE(Eventually(
      [&] {
        fp = Jsonpath("certissuer.certstore.dev", "root",
                      "{.status.fingerprintSHA256}");
        return !fp.empty();
      },
      std::chrono::seconds(30)));
  std::string serial = CertStoreField("app", "{.status.serialNumber}");
  CommandResult backup =
      env->Kubectl({"-n", ns_, "get", "secret", "root-ca", "-o", "json"});
  ASSERT_TRUE(backup.ok()) << backup.output;
  auto ca = api::ParseSecret(backup.output);
  ASSERT_TRUE(ca.ok());

  // 1. Deleted: CASecretMissing on the issuer and the CertStore, no new root.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "delete", "secret", "root-ca"}).ok());
  auto issuer_reason = [&] {
    return Jsonpath("certissuer.certstore.dev", "root",
                    "{.status.conditions[?(@.type==\"Ready\")].reason}");
  };
  ASSERT_TRUE(Eventually([&] { return issuer_reason() == "CASecretMissing"; },
                         std::chrono::seconds(30)))
      << issuer_reason();
  std::string message =
      Jsonpath("certissuer.certstore.dev", "root",
               "{.status.conditions[?(@.type==\"Ready\")].message}");
  EXPECT_NE(message.find("certstore.dev/accept-new-root=" + fp),
            std::string::npos)
      << message;
  ASSERT_TRUE(WaitReady("app", "False", "CASecretMissing"));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_FALSE(Secret("root-ca").has_value()) << "a new root was minted";
  EXPECT_EQ(CertStoreField("app", "{.status.serialNumber}"), serial);

  // 2. Restored from the backup: Ready with the same root, no rotation, no
  //    re-issue.
  std::string restore =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: root-ca}\ntype: " +
      ca->type + "\nstringData:\n";
  for (const auto& [k, v] : ca->data) {
    restore += "  " + k + ": |\n";
    size_t start = 0;
    while (start < v.size()) {
      size_t end = v.find('\n', start);
      if (end == std::string::npos) end = v.size();
      restore += "    " + v.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  Apply(restore);
  ASSERT_TRUE(Eventually([&] { return issuer_reason() == "Ready"; },
                         std::chrono::seconds(30)));
  ASSERT_TRUE(WaitReady("app", "True"));
  EXPECT_EQ(Jsonpath("certissuer.certstore.dev", "root",
                     "{.status.fingerprintSHA256}"),
            fp);
  EXPECT_EQ(Jsonpath("certissuer.certstore.dev", "root", "{.status.rotation}"),
            "");
  EXPECT_EQ(CertStoreField("app", "{.status.serialNumber}"), serial);

  // 3. The gesture: a new root, and a normal rotation re-issues the leaf.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "delete", "secret", "root-ca"}).ok());
  ASSERT_TRUE(Eventually([&] { return issuer_reason() == "CASecretMissing"; },
                         std::chrono::seconds(30)));
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "annotate", "certissuer.certstore.dev",
                            "root", "certstore.dev/accept-new-root=" + fp})
                  .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        std::string now = Jsonpath("certissuer.certstore.dev", "root",
                                   "{.status.fingerprintSHA256}");
        return !now.empty() && now != fp;
      },
      std::chrono::seconds(30)))
      << issuer_reason();
  EXPECT_TRUE(Secret("root-ca").has_value());
  EXPECT_TRUE(Eventually(
      [&] {
        std::string s = CertStoreField("app", "{.status.serialNumber}");
        return !s.empty() && s != serial &&
               Condition("app", "Ready", "status") == "True";
      },
      std::chrono::seconds(90)))
      << Condition("app", "Ready", "message");
}

TEST_F(OperatorIT, TenancyAnImmutableSecretCannotHoldACaRotationHostage) {
  std::string dir = "/tmp/operator-hostage-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  MakeOpensslRoot(dir, "Hostage Root One");
  OpensslRoot two = MakeOpensslRoot(dir, "Hostage Root Two");
  auto ca_secret = [&](const std::string& cn) {
    CommandResult y =
        env->Kubectl({"-n", ns_, "create", "secret", "tls", "host-ca", "--cert",
                      dir + "/" + cn + ".crt", "--key", dir + "/" + cn + ".key",
                      "--dry-run=client", "-o", "yaml"});
    ASSERT_TRUE(y.ok()) << y.output;
    Apply(y.output);
  };
  ca_secret("Hostage Root One");
  auto store = [](const std::string& name, const std::string& extra) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: "
           "CertStore\nmetadata: {name: " +
           name + "}\nspec:\n  issuerRef: {name: host}\n  secretName: " + name +
           "-stores\n  keystore:\n" + extra +
           "  truststore: {}\n  formats: [PKCS12, PEM]\n";
  };
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
      "host}\n"
      "spec:\n  ca: {secretName: host-ca}\n" +
      store("server",
            "    commonName: host-server.local\n    dnsNames: "
            "[host-server.local]\n"
            "    usages: [serverAuth]\n") +
      store("client",
            "    commonName: host-client\n    usages: [clientAuth]\n") +
      store("stuck", "    commonName: stuck\n"));
  for (const char* cs : {"server", "client", "stuck"})
    ASSERT_TRUE(WaitReady(cs, "True"))
        << cs << ": " << Condition(cs, "Ready", "message");
  ASSERT_TRUE(Eventually(
      [&] {
        return !Jsonpath("certissuer.certstore.dev", "host",
                         "{.status.caCertificate}")
                    .empty();
      },
      std::chrono::seconds(30)));

  // A tenant makes its own Secret immutable, then the CA rotates.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "patch", "secret", "stuck-stores",
                            "--type=merge", "-p", "{\"immutable\":true}"})
                  .ok());
  auto rotated_at = std::chrono::steady_clock::now();
  ca_secret("Hostage Root Two");

  // The member says why; the issuer names it.
  ASSERT_TRUE(WaitReady("stuck", "False", "SecretWriteFailed"))
      << Condition("stuck", "Ready", "message");
  EXPECT_NE(Condition("stuck", "Ready", "message").find("immutable"),
            std::string::npos)
      << Condition("stuck", "Ready", "message");
  EXPECT_TRUE(Eventually(
      [&] {
        return Jsonpath("certissuer.certstore.dev", "host",
                        "{.status.rotation.waitingFor}")
                   .find(ns_ + "/stuck") != std::string::npos;
      },
      std::chrono::seconds(30)))
      << env->Kubectl({"-n", ns_, "get", "certissuer", "host", "-o", "yaml"})
             .output;
  EXPECT_NE(EventsMentioning({"CARotationWaiting"}).find("CARotationWaiting"),
            std::string::npos);
  // While the rotation waits for the stuck member, the others still talk.
  auto handshake = [&](const char* when) {
    auto server = Secret("server-stores"), client = Secret("client-stores");
    ASSERT_TRUE(server && client);
    WriteStores(*server, dir, "server");
    WriteStores(*client, dir, "client");
    passwords_.push_back(server->data.at("password"));
    passwords_.push_back(client->data.at("password"));
    JavaServer java = StartJavaServer(dir, "server");
    ASSERT_FALSE(java.port.empty());
    CommandResult ok =
        JavaClient(dir, "client", "host-server.local", java.port);
    StopJavaServer(&java);
    EXPECT_TRUE(ok.ok()) << when << ": " << ok.output;
  };
  handshake("while the rotation waits");

  // After the member deadline the rotation completes for everyone else.
  std::string new_fp = [&] {
    auto c = pki::ParseCertificatesPem(two.crt);
    return c.ok() ? pki::FingerprintSha256(c->front().get()) : std::string();
  }();
  bool done = Eventually(
      [&] {
        for (const char* cs : {"server", "client"})
          if (CertStoreField(cs, "{.status.issuerCAFingerprintSHA256}") !=
              new_fp)
            return false;
        return Jsonpath("certissuer.certstore.dev", "host",
                        "{.status.rotation}")
            .empty();
      },
      std::chrono::seconds(kMemberDeadlineSeconds + 90));
  ASSERT_TRUE(done) << env->Kubectl({"-n", ns_, "get", "certissuer", "host",
                                     "-o", "yaml"})
                           .output;
  EXPECT_GE(std::chrono::steady_clock::now() - rotated_at,
            std::chrono::seconds(kMemberDeadlineSeconds))
      << "the rotation went on before the member deadline";
  EXPECT_NE(EventsMentioning({"CARotationProceeded"}).find(ns_ + "/stuck"),
            std::string::npos);

  // And after it, with certificates from the new root only.
  handshake("after the rotation");
  std::filesystem::remove_all(dir);
}

TEST_F(OperatorIT, TenancyNoIssuerOrCertStoreMayReadAClusterIssuersCaSecret) {
  // Objects in the cluster resource namespace, where ClusterCertIssuer CA
  // Secrets live; names unique per test.
  const std::string guarded = "guarded-" + ns_, thief = "thief-" + ns_,
                    reader = "reader-" + ns_;
  auto apply_crns = [&](const std::string& yaml) {
    CommandResult r = env->Kubectl({"-n", crns_, "apply", "-f", "-"}, yaml);
    ASSERT_TRUE(r.ok()) << r.output;
  };
  auto ready = [&](const std::string& kind, const std::string& name,
                   const std::string& field) {
    CommandResult r = env->Kubectl(
        {"-n", crns_, "get", kind, name, "-o",
         "jsonpath={.status.conditions[?(@.type==\"Ready\")]." + field + "}"});
    return r.ok() ? r.output : "";
  };
  // Ready=False with reason PolicyDenied within 30 s.
  auto denied = [&](const std::string& kind, const std::string& name) {
    return Eventually(
        [&] { return ready(kind, name, "reason") == "PolicyDenied"; },
        std::chrono::seconds(30));
  };
  apply_crns(ClusterIssuer(guarded, "  policy: {namespaceSelector: {}}\n"));
  ASSERT_TRUE(Eventually(
      [&] {
        return env->Kubectl({"-n", crns_, "get", "secret", guarded}).ok();
      },
      std::chrono::seconds(30)));
  std::string ca_rv = env->Kubectl({"-n", crns_, "get", "secret", guarded, "-o",
                                    "jsonpath={.metadata.resourceVersion}"})
                          .output;

  // A CertIssuer that would sign with the cluster CA's key, and a CertStore
  // using it: both refused, nothing issued.
  apply_crns(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: "
      "{name: " +
      thief + "}\nspec:\n  ca: {secretName: " + guarded + "}\n---\n" +
      CertStore(thief, "{name: " + thief + "}", thief + "-stores",
                "    commonName: anything\n"));
  EXPECT_TRUE(denied("certissuer.certstore.dev", thief))
      << ready("certissuer.certstore.dev", thief, "message");
  EXPECT_NE(ready("certissuer.certstore.dev", thief, "message")
                .find("CA of ClusterCertIssuer " + guarded),
            std::string::npos);
  EXPECT_TRUE(denied("certstore.certstore.dev", thief));
  EXPECT_FALSE(
      env->Kubectl({"-n", crns_, "get", "secret", thief + "-stores"}).ok());

  // A CertStore reading the CA Secret as its password: refused.
  apply_crns(
      CertStore(reader, "{kind: ClusterCertIssuer, name: " + guarded + "}",
                reader + "-stores", "    commonName: anything\n") +
      "  password: {secretKeyRef: {name: " + guarded + ", key: tls.key}}\n");
  EXPECT_TRUE(denied("certstore.certstore.dev", reader));
  EXPECT_NE(
      ready("certstore.certstore.dev", reader, "message")
          .find("spec.password.secretKeyRef: Secret " + crns_ + "/" + guarded),
      std::string::npos)
      << ready("certstore.certstore.dev", reader, "message");
  EXPECT_EQ(env->Kubectl({"-n", crns_, "get", "secret", guarded, "-o",
                          "jsonpath={.metadata.resourceVersion}"})
                .output,
            ca_rv);
  // Nor the operator's seal key as its password (engine/seal.h).
  const std::string sealer = "seal-reader-" + ns_;
  apply_crns(
      CertStore(sealer, "{kind: ClusterCertIssuer, name: " + guarded + "}",
                sealer + "-stores", "    commonName: anything\n") +
      "  password: {secretKeyRef: {name: certstore-operator-seal-key, key: "
      "seal.key}}\n");
  EXPECT_TRUE(denied("certstore.certstore.dev", sealer))
      << ready("certstore.certstore.dev", sealer, "message");
  EXPECT_NE(ready("certstore.certstore.dev", sealer, "message")
                .find("holds the operator's seal key"),
            std::string::npos)
      << ready("certstore.certstore.dev", sealer, "message");
  EXPECT_FALSE(
      env->Kubectl({"-n", crns_, "get", "secret", sealer + "-stores"}).ok());
  env->Kubectl({"-n", crns_, "delete", "certstore.certstore.dev", thief, reader,
                sealer, "--wait=false"});
  env->Kubectl({"-n", crns_, "delete", "certissuer.certstore.dev", thief,
                "--wait=false"});
  env->Kubectl({"delete", "clustercertissuer", guarded, "--wait=false"});
}

// A namespace the ClusterCertIssuer does not serve plants an immutable Secret
// controlled by its (denied) CertStore: it never becomes a rotation member,
// so the served namespace's rotation finishes well within the member
// deadline and the issuer's status never names the tenant.
TEST_F(OperatorIT, TenancyAnUnservedNamespaceCannotHoldARotation) {
  std::string dir = "/tmp/operator-unserved-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  MakeOpensslRoot(dir, "Unserved One");
  OpensslRoot two = MakeOpensslRoot(dir, "Unserved Two");
  const std::string issuer = "served-" + ns_, ca = "served-ca-" + ns_;
  auto ca_secret = [&](const std::string& cn) {
    CommandResult y =
        env->Kubectl({"-n", crns_, "create", "secret", "tls", ca, "--cert",
                      dir + "/" + cn + ".crt", "--key", dir + "/" + cn + ".key",
                      "--dry-run=client", "-o", "yaml"});
    ASSERT_TRUE(y.ok()) << y.output;
    ASSERT_TRUE(env->Kubectl({"-n", crns_, "apply", "-f", "-"}, y.output).ok());
  };
  ca_secret("Unserved One");
  std::string served = env->CreateNamespace();
  ASSERT_FALSE(served.empty());
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: ClusterCertIssuer\nmetadata: "
      "{name: " +
      issuer + "}\nspec:\n  ca: {secretName: " + ca +
      "}\n  policy:\n    namespaceSelector: "
      "{matchLabels: {kubernetes.io/metadata.name: " +
      served +
      "}}\n    commonNames: ['*']\n"
      "    dnsNames: ['*']\n");
  const std::string ref = "{kind: ClusterCertIssuer, name: " + issuer + "}";
  std::string app =
      CertStore("app", ref, "app-stores", "    commonName: app\n") +
      "  truststore: {}\n";
  ASSERT_TRUE(env->Kubectl({"-n", served, "apply", "-f", "-"}, app).ok());
  Apply(CertStore("hold", ref, "hold-stores", "    commonName: hold\n") +
        "  truststore: {}\n");
  auto served_field = [&](const std::string& path) {
    return env
        ->Kubectl({"-n", served, "get", "certstore.certstore.dev", "app", "-o",
                   "jsonpath=" + path})
        .output;
  };
  ASSERT_TRUE(Eventually(
      [&] {
        return served_field(
                   "{.status.conditions[?(@.type==\"Ready\")].status}") ==
               "True";
      },
      std::chrono::seconds(60)));
  ASSERT_TRUE(WaitReady("hold", "False", "PolicyDenied"));
  // The tenant plants an immutable Secret its CertStore controls.
  std::string uid = CertStoreField("hold", "{.metadata.uid}");
  Apply(
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hold-stores\n  "
      "ownerReferences:\n"
      "  - {apiVersion: certstore.dev/v1alpha1, kind: CertStore, name: hold, "
      "uid: " +
      uid + ", controller: true}\nimmutable: true\nstringData: {tls.crt: x}\n");

  auto rotated_at = std::chrono::steady_clock::now();
  ca_secret("Unserved Two");
  std::string new_fp = [&] {
    auto c = pki::ParseCertificatesPem(two.crt);
    return c.ok() ? pki::FingerprintSha256(c->front().get()) : std::string();
  }();
  std::string waited;
  bool done = Eventually(
      [&] {
        std::string w = env->Kubectl({"get", "clustercertissuer", issuer, "-o",
                                      "jsonpath={.status.rotation.waitingFor}"})
                            .output;
        if (w.find(ns_) != std::string::npos) waited = w;
        return served_field("{.status.issuerCAFingerprintSHA256}") == new_fp &&
               env->Kubectl({"get", "clustercertissuer", issuer, "-o",
                             "jsonpath={.status.rotation}"})
                   .output.empty();
      },
      std::chrono::seconds(90));
  ASSERT_TRUE(done);
  EXPECT_EQ(waited, "")
      << "the issuer waited for the unserved namespace's CertStore";
  EXPECT_LT(std::chrono::steady_clock::now() - rotated_at,
            std::chrono::seconds(kMemberDeadlineSeconds))
      << "the rotation waited for the member deadline";
  EXPECT_EQ(Condition("hold", "Ready", "reason"), "PolicyDenied");
  env->Kubectl({"delete", "clustercertissuer", issuer, "--wait=false"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
