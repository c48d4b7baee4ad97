// Failures a user can cause, against the real API server: each sets
// Ready=False with its reason (and Issuing=True, a failed-attempt count and
// the last failure time), writes no Secret, and heals as soon as the cause
// is fixed, because the operator watches what it reads (CA Secrets,
// password Secrets, trust-source Secrets and ConfigMaps) without caching
// them. Also: re-encodes that keep the certificate, keystore-only stores,
// cross-namespace refusal and the health endpoints.
#include "operator/common/clock.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"
#include "tests/integration/operator_fixture.h"
#include "tests/pki/pki_fixture.h"
#include "tests/support/yaml_text.h"

namespace certstore {
namespace {

using pki::testing::MustKey;
using pki::testing::MustRoot;

using certstore::testing::Indent;

// A Secret manifest with tls.crt and tls.key as stringData.
std::string CaSecretYaml(const std::string& name, const std::string& crt,
                         const std::string& key) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
         "}\nstringData:\n  tls.crt: |\n" + Indent(crt, 4) + "  tls.key: |\n" +
         Indent(key, 4);
}

std::string KeyPem(EVP_PKEY* key) {
  auto pem = pki::EncodePrivateKeyPem(key);
  EXPECT_TRUE(pem.ok());
  return pem.ok() ? pem->reveal() : "";
}

TEST_F(OperatorIT, BrokenCaSecretIsReportedAndHealsWhenFixed) {
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
      "corp}\n"
      "spec:\n  ca: {secretName: corp-ca}\n---\n"
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "svc}\nspec:\n"
      "  issuerRef: {name: corp}\n  secretName: svc-stores\n  keystore: "
      "{commonName: svc}\n");
  // 1. The CA Secret is missing.
  ASSERT_TRUE(WaitReady("svc", "False", "IssuerNotReady")) << OperatorLog();
  EXPECT_NE(
      Condition("svc", "Ready", "message").find(ns_ + "/corp-ca not found"),
      std::string::npos)
      << Condition("svc", "Ready", "message");
  EXPECT_EQ(Condition("svc", "Issuing", "status"), "True");
  EXPECT_FALSE(CertStoreField("svc", "{.status.lastFailureTime}").empty());
  EXPECT_GE(
      std::atoi(
          CertStoreField("svc", "{.status.failedIssuanceAttempts}").c_str()),
      1);
  EXPECT_FALSE(Secret("svc-stores").has_value());
  EXPECT_TRUE(Eventually(
      [&] {
        return Jsonpath("certissuer.certstore.dev", "corp",
                        "{.status.conditions[?(@.type==\"Ready\")].reason}") ==
               "CANotReady";
      },
      std::chrono::seconds(30)));

  const Clock& clock = SystemClock::Get();
  pki::CaMaterial good = MustRoot(clock, "Corp Root CA");
  std::string good_crt = pki::EncodeCertificatePem(good.cert.get());

  // 2. A certificate that is not a CA.
  pki::CaMaterial other = MustRoot(clock, "Other Root CA");
  pki::EvpPkeyPtr leaf_key = MustKey();
  pki::X509Ptr leaf = pki::testing::MustLeaf(other, pki::testing::ServerSpec(),
                                             leaf_key.get(), clock);
  Apply(CaSecretYaml("corp-ca", pki::EncodeCertificatePem(leaf.get()),
                     KeyPem(leaf_key.get())));
  ASSERT_TRUE(Eventually(
      [&] {
        return Condition("svc", "Ready", "message").find("is not a CA") !=
               std::string::npos;
      },
      std::chrono::seconds(30)))
      << Condition("svc", "Ready", "message");

  // 3. A CA whose key does not match.
  Apply(CaSecretYaml("corp-ca", good_crt, KeyPem(other.key.get())));
  ASSERT_TRUE(Eventually(
      [&] {
        return Condition("svc", "Ready", "message")
                   .find("CA private key does not match") != std::string::npos;
      },
      std::chrono::seconds(30)))
      << Condition("svc", "Ready", "message");

  // 4. An expired CA.
  FakeClock past(clock.Now() - std::chrono::hours(24 * 400));
  pki::EvpPkeyPtr old_key = MustKey();
  pki::RootSpec rs;
  rs.subject.common_name = "Expired Root CA";
  rs.duration = std::chrono::hours(24 * 365);
  auto expired = pki::CreateSelfSignedCa(rs, old_key.get(), past);
  ASSERT_TRUE(expired.ok());
  Apply(CaSecretYaml("corp-ca", pki::EncodeCertificatePem(expired->cert.get()),
                     KeyPem(old_key.get())));
  ASSERT_TRUE(Eventually(
      [&] {
        return Condition("svc", "Ready", "message").find("expired at") !=
               std::string::npos;
      },
      std::chrono::seconds(30)))
      << Condition("svc", "Ready", "message");
  EXPECT_FALSE(Secret("svc-stores").has_value())
      << "nothing is written while the CA is broken";

  // 5. Fixed: healed at once (the CA Secret is watched), not after backoff.
  int attempts = std::atoi(
      CertStoreField("svc", "{.status.failedIssuanceAttempts}").c_str());
  EXPECT_GE(attempts, 4);
  Apply(CaSecretYaml("corp-ca", good_crt, KeyPem(good.key.get())));
  ASSERT_TRUE(WaitReady("svc", "True", "", std::chrono::seconds(20)))
      << OperatorLog();
  EXPECT_EQ(Condition("svc", "Issuing", "status"), "False");
  EXPECT_EQ(CertStoreField("svc", "{.status.failedIssuanceAttempts}"), "");
  EXPECT_EQ(CertStoreField("svc", "{.status.lastFailureTime}"), "");
  auto s = Secret("svc-stores");
  ASSERT_TRUE(s.has_value());
  passwords_.push_back(s->data["password"]);
  auto chain = pki::ParseCertificatesPem(s->data["tls.crt"]);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(pki::IssuerText(chain->front().get()),
            pki::SubjectText(good.cert.get()));
  // The issuer healed too, and each failure was an Event once per reason.
  EXPECT_TRUE(Eventually(
      [&] {
        return Jsonpath("certissuer.certstore.dev", "corp",
                        "{.status.conditions[?(@.type==\"Ready\")].status}") ==
               "True";
      },
      std::chrono::seconds(30)));
  std::string events = EventsMentioning({"IssuerNotReady"});
  EXPECT_NE(events.find("\"reason\": \"IssuerNotReady\""), std::string::npos)
      << events;
  EXPECT_EQ(events.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(OperatorIT,
       MissingInputsAndBadPemHealAndSourcesReencodeWithTheSameSerial) {
  Apply(Issuer("team") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: app}\n"
        "spec:\n  issuerRef: {name: team}\n  secretName: app-stores\n"
        "  keystore: {alias: app, commonName: app}\n  formats: [PKCS12]\n"
        "  password: {secretKeyRef: {name: app-pw}}\n"
        "  truststore:\n    sources: [{issuer: {}}, {configMap: {name: "
        "partner, key: ca.pem}}]\n");
  // The password Secret is missing.
  ASSERT_TRUE(WaitReady("app", "False", "InputNotFound")) << OperatorLog();
  EXPECT_NE(Condition("app", "Ready", "message").find("app-pw"),
            std::string::npos);
  passwords_.push_back("charlie-Passw0rd");
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "secret", "generic", "app-pw",
                            "--from-literal=password=charlie-Passw0rd"})
                  .ok());
  // Then the trust-source ConfigMap is.
  ASSERT_TRUE(Eventually(
      [&] {
        return Condition("app", "Ready", "message").find("partner") !=
               std::string::npos;
      },
      std::chrono::seconds(20)))
      << Condition("app", "Ready", "message");
  EXPECT_EQ(Condition("app", "Ready", "reason"), "InputNotFound");
  // Bad PEM in it.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "configmap", "partner",
                            "--from-literal=ca.pem=not a certificate"})
                  .ok());
  ASSERT_TRUE(
      WaitReady("app", "False", "RenderFailed", std::chrono::seconds(20)))
      << Condition("app", "Ready", "message");
  EXPECT_NE(
      Condition("app", "Ready", "message").find("spec.truststore.sources[1]"),
      std::string::npos)
      << Condition("app", "Ready", "message");
  EXPECT_FALSE(Secret("app-stores").has_value());

  // A real partner CA: Ready, two trusted certificates.
  const Clock& clock = SystemClock::Get();
  pki::CaMaterial partner = MustRoot(clock, "Partner Root CA");
  CommandResult cm =
      env->Kubectl({"-n", ns_, "create", "configmap", "partner",
                    "--dry-run=client", "-o", "yaml",
                    "--from-literal=ca.pem=" +
                        pki::EncodeCertificatePem(partner.cert.get())});
  Apply(cm.output);
  ASSERT_TRUE(WaitReady("app", "True", "", std::chrono::seconds(20)))
      << OperatorLog();
  EXPECT_EQ(CertStoreField("app", "{.status.truststore.certificates}"), "2");
  std::string serial = CertStoreField("app", "{.status.serialNumber}");
  ASSERT_FALSE(serial.empty());

  // The partner rotates its CA (same ConfigMap): re-encoded, same certificate.
  pki::CaMaterial partner2 = MustRoot(clock, "Partner Root CA 2");
  cm = env->Kubectl({"-n", ns_, "create", "configmap", "partner",
                     "--dry-run=client", "-o", "yaml",
                     "--from-literal=ca.pem=" +
                         pki::EncodeCertificatePem(partner2.cert.get())});
  Apply(cm.output);
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("app-stores");
        if (!s) return false;
        auto ts = pki::ParsePkcs12(s->data["truststore.p12"],
                                   SecretBytes("charlie-Passw0rd"));
        if (!ts.ok()) return false;
        for (const auto& e : ts->entries)
          if (e.chain.size() == 1 &&
              pki::CommonName(e.chain[0].get()) == "Partner Root CA 2")
            return true;
        return false;
      },
      std::chrono::seconds(20)))
      << OperatorLog();
  EXPECT_EQ(CertStoreField("app", "{.status.serialNumber}"), serial);

  // A new alias: re-encoded, same certificate.
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "patch", "certstore.certstore.dev", "app",
                    "--type=merge", "-p",
                    "{\"spec\":{\"keystore\":{\"alias\":\"renamed\"}}}"})
          .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        auto s = Secret("app-stores");
        if (!s) return false;
        auto ks = pki::ParsePkcs12(s->data["keystore.p12"],
                                   SecretBytes("charlie-Passw0rd"));
        return ks.ok() && !ks->entries.empty() &&
               ks->entries[0].alias == "renamed";
      },
      std::chrono::seconds(20)));
  auto ks = pki::ParsePkcs12(Secret("app-stores")->data["keystore.p12"],
                             SecretBytes("charlie-Passw0rd"));
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(pki::SerialHex(ks->entries[0].chain[0].get()), serial);
  EXPECT_EQ(CertStoreField("app", "{.status.serialNumber}"), serial);
}

TEST_F(OperatorIT, SourcesInAnotherNamespaceAreRefused) {
  Apply(Issuer("team") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: nosy}\n"
        "spec:\n  issuerRef: {name: team}\n  secretName: nosy-stores\n"
        "  truststore:\n    sources: [{secret: {name: admin-ca, namespace: "
        "kube-system}}]\n");
  ASSERT_TRUE(WaitReady("nosy", "False", "CrossNamespaceRefused"))
      << OperatorLog();
  std::string msg = Condition("nosy", "Ready", "message");
  EXPECT_NE(msg.find("spec.truststore.sources[0].secret.namespace"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("kube-system"), std::string::npos) << msg;
  EXPECT_FALSE(Secret("nosy-stores").has_value());
  // Same for a password in another namespace.
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "nosy2}\n"
      "spec:\n  issuerRef: {name: team}\n  secretName: nosy2-stores\n"
      "  keystore: {commonName: x}\n"
      "  password: {secretKeyRef: {name: pw, namespace: default}}\n");
  ASSERT_TRUE(WaitReady("nosy2", "False", "CrossNamespaceRefused"));
  EXPECT_FALSE(Secret("nosy2-stores").has_value());

  // Pointing at its own namespace heals it.
  passwords_.push_back("delta-Passw0rd");
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "secret", "generic", "pw",
                            "--from-literal=password=delta-Passw0rd"})
                  .ok());
  ASSERT_TRUE(
      env->Kubectl(
             {"-n", ns_, "patch", "certstore.certstore.dev", "nosy2",
              "--type=merge", "-p",
              "{\"spec\":{\"password\":{\"secretKeyRef\":{\"namespace\":\"" +
                  ns_ + "\"}}}}"})
          .ok());
  EXPECT_TRUE(WaitReady("nosy2", "True", "", std::chrono::seconds(30)))
      << OperatorLog();
  EXPECT_TRUE(Secret("nosy2-stores").has_value());
}

TEST_F(OperatorIT, KeystoreOnlyStoreAndHealthEndpoints) {
  Apply(Issuer("team") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: ks}\n"
        "spec:\n  issuerRef: {name: team}\n  secretName: ks-stores\n"
        "  keystore: {commonName: ks}\n  formats: [PKCS12, JKS, PEM]\n");
  ASSERT_TRUE(WaitReady("ks", "True")) << OperatorLog();
  auto s = Secret("ks-stores");
  ASSERT_TRUE(s.has_value());
  passwords_.push_back(s->data["password"]);
  EXPECT_TRUE(s->data.count("keystore.p12"));
  EXPECT_TRUE(s->data.count("keystore.jks"));
  EXPECT_FALSE(s->data.count("truststore.p12"));
  EXPECT_FALSE(s->data.count("truststore.jks"));
  // PEM users get the issuer root as ca.crt, and nothing else is trusted.
  auto roots = pki::ParseCertificatesPem(s->data["ca.crt"]);
  ASSERT_TRUE(roots.ok());
  EXPECT_EQ(roots->size(), 1u);
  EXPECT_EQ(pki::CommonName(roots->front().get()), "team Root");

  std::string base = "http://127.0.0.1:" + std::to_string(health_port_);
  CommandResult healthz =
      RunCommand({"curl", "-sS", "--max-time", "5", base + "/healthz"});
  EXPECT_TRUE(healthz.ok()) << healthz.output;
  EXPECT_EQ(healthz.output, "ok\n");
  CommandResult readyz =
      RunCommand({"curl", "-sS", "-f", "--max-time", "5", base + "/readyz"});
  EXPECT_TRUE(readyz.ok()) << readyz.output;
  EXPECT_EQ(readyz.output, "ok (leader)\n");
}

}  // namespace
}  // namespace certstore
