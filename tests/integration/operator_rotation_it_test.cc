// CA rotation end to end: a Java mutual-TLS server and client keep talking
// while their issuer's root is replaced. A watcher records every version of
// both Secrets as the operator writes them; every pair of versions that
// existed at the same moment completes a real JSSE handshake, and the order
// of writes leaves the propagation delay for kubelet: truststores trust the
// new root before any certificate from it appears, and the old root leaves
// only after every certificate from it is gone.
#include <filesystem>
#include <thread>

#include "operator/pki/certificate.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

using Clock = std::chrono::steady_clock;

TEST_F(OperatorIT, CaRotationNeverBreaksAJavaHandshake) {
  std::string dir = "/tmp/operator-rotation-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  OpensslRoot one = MakeOpensslRoot(dir, "Rotation Root One"),
              two = MakeOpensslRoot(dir, "Rotation Root Two");
  auto ca_secret = [&](const std::string& cn) {
    CommandResult y =
        env->Kubectl({"-n", ns_, "create", "secret", "tls", "rot-ca", "--cert",
                      dir + "/" + cn + ".crt", "--key", dir + "/" + cn + ".key",
                      "--dry-run=client", "-o", "yaml"});
    EXPECT_TRUE(y.ok()) << y.output;
    Apply(y.output);
  };
  ca_secret("Rotation Root One");
  auto store = [](const std::string& name, const std::string& secret,
                  const std::string& extra) {
    return "---\napiVersion: certstore.dev/v1alpha1\nkind: "
           "CertStore\nmetadata: {name: " +
           name +
           "}\nspec:\n  issuerRef: {name: rot}\n  secretName: " + secret +
           "\n  keystore:\n" + extra +
           "  truststore: {}\n  formats: [PKCS12, PEM]\n";
  };
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
      "rot}\n"
      "spec:\n  ca: {secretName: rot-ca}\n" +
      store(
          "server", "server-stores",
          "    commonName: rot-server.local\n    dnsNames: [rot-server.local]\n"
          "    usages: [serverAuth]\n") +
      store("client", "client-stores",
            "    commonName: rot-client\n    usages: [clientAuth]\n"));
  ASSERT_TRUE(WaitReady("server", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("client", "True")) << OperatorLog();
  ASSERT_TRUE(Eventually(
      [&] {
        return !Jsonpath("certissuer.certstore.dev", "rot",
                         "{.status.caCertificate}")
                    .empty();
      },
      std::chrono::seconds(30)));

  // Watch both Secrets until the test ends: every version, when it was seen,
  // and which versions were seen together.
  SecretPairHistory history(env, {ns_, "server-stores"},
                            {ns_, "client-stores"});
  history.Start();

  std::this_thread::sleep_for(std::chrono::seconds(1));
  ca_secret("Rotation Root Two");
  std::string new_dn, old_dn;
  {
    auto c2 = pki::ParseCertificatesPem(two.crt);
    auto c1 = pki::ParseCertificatesPem(one.crt);
    ASSERT_TRUE(c1.ok() && c2.ok());
    new_dn = pki::SubjectText(c2->front().get());
    old_dn = pki::SubjectText(c1->front().get());
  }
  std::string new_fp = [&] {
    auto c2 = pki::ParseCertificatesPem(two.crt);
    return pki::FingerprintSha256(c2->front().get());
  }();
  // Done: both certificates from the new root, the rotation over, and the
  // truststores hold only the new root.
  bool done = Eventually(
      [&] {
        for (const char* cs : {"server", "client"})
          if (CertStoreField(cs, "{.status.issuerCAFingerprintSHA256}") !=
                  new_fp ||
              CertStoreField(cs, "{.status.truststore.certificates}") != "1")
            return false;
        return Jsonpath("certissuer.certstore.dev", "rot", "{.status.rotation}")
            .empty();
      },
      std::chrono::seconds(120));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  history.Stop();
  ASSERT_TRUE(done) << OperatorLog()
                    << env->Kubectl({"-n", ns_, "get", "certissuer", "rot",
                                     "-o", "yaml"})
                           .output;

  // Events on the issuer tell the story.
  std::string events = EventsMentioning(
      {"CARotationStarted", "TrustDistributed", "CARotationComplete"});
  for (const char* reason :
       {"CARotationStarted", "TrustDistributed", "CARotationComplete"})
    EXPECT_NE(events.find(reason), std::string::npos) << reason;

  // The order of writes: per Secret, when it first trusted the new root,
  // first had a certificate from it, and last trusted the old root.
  const auto& versions = history.versions();
  Clock::time_point trust_new_all{}, first_new_leaf = Clock::time_point::max(),
                                     last_old_leaf{},
                                     old_trust_gone = Clock::time_point::max();
  for (const char* name : {"server-stores", "client-stores"}) {
    Clock::time_point trusts_new = Clock::time_point::max();
    for (const auto& [rv, v] : versions) {
      if (v.secret.metadata.name != name) continue;
      if (v.trusted.count(new_dn))
        trusts_new = std::min(trusts_new, v.first_seen);
      if (v.leaf_issuer == new_dn)
        first_new_leaf = std::min(first_new_leaf, v.first_seen);
      if (v.leaf_issuer == old_dn)
        last_old_leaf = std::max(last_old_leaf, v.last_seen);
      if (v.leaf_issuer == new_dn && !v.trusted.count(old_dn))
        old_trust_gone = std::min(old_trust_gone, v.first_seen);
    }
    ASSERT_NE(trusts_new, Clock::time_point::max()) << name;
    trust_new_all = std::max(trust_new_all, trusts_new);
  }
  ASSERT_NE(first_new_leaf, Clock::time_point::max());
  ASSERT_NE(old_trust_gone, Clock::time_point::max());
  // Polling sees a write up to ~1 s late; the delay is 3 s.
  auto slack = std::chrono::seconds(kPropagationDelaySeconds - 1);
  EXPECT_GE(first_new_leaf - trust_new_all, slack)
      << "a certificate from the new root appeared before every truststore had "
         "trusted it "
         "for the propagation delay";
  EXPECT_GE(old_trust_gone - last_old_leaf, slack)
      << "the old root left a truststore too soon after the last certificate "
         "it signed";
  EXPECT_GE(versions.size(), 6u)
      << "expected: old, both roots, new leaf, new root only";

  // Every pair of versions seen together completes a Java handshake.
  int handshakes =
      HandshakeEveryPairSeenTogether(history, dir, "rot-server.local");
  EXPECT_GE(handshakes, 4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
