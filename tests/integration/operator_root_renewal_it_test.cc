// Roots that renew: a selfSigned issuer replaces its own root before it
// expires, and a `ca` issuer's Secret renewed in place by someone else (as
// cert-manager renews a CA Certificate: the same subject, a new key). Both
// rotate like any CA change, and a Java mutual-TLS pair keeps working: a
// watcher records every version of the server's and the client's Secrets
// (polled every 100 ms) and every pair of versions that existed at the same
// moment completes a real JSSE handshake.
#include <filesystem>
#include <thread>

#include "operator/common/time_format.h"
#include "operator/pki/certificate.h"
#include "tests/integration/operator_fixture.h"
#include "tests/integration/rotation_order.h"

namespace certstore {
namespace {

// `openssl verify` of the Secret's certificate against `root` alone.
bool OpensslVerifies(const api::SecretObject& s, X509* root,
                     const std::string& dir) {
  std::string ca = dir + "/verify-root.pem", leaf = dir + "/verify-leaf.pem";
  EXPECT_TRUE(WriteFileAtomic(ca, pki::EncodeCertificatePem(root)).ok());
  EXPECT_TRUE(WriteFileAtomic(leaf, s.data.at("tls.crt")).ok());
  return RunCommand({"openssl", "verify", "-CAfile", ca, leaf}).ok();
}

long long UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

TEST_F(OperatorIT, SelfSignedRootRenewsItselfWithoutBreakingAJavaHandshake) {
  std::string dir = "/tmp/operator-root-renewal-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  // Valid 1h (plus the clock-skew backdating), renewed 59m before the end:
  // about a minute after it is made.
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertIssuer\nmetadata: {name: "
      "sr}\nspec:\n  selfSigned: {secretName: sr-ca, commonName: Self "
      "Renewing Root, duration: 1h, renewBefore: 59m}\n" +
      RotationPairYaml("sr"));
  ASSERT_TRUE(WaitReady("server", "True")) << OperatorLog();
  ASSERT_TRUE(WaitReady("client", "True")) << OperatorLog();
  auto issuer = [&](const std::string& path) {
    return Jsonpath("certissuer.certstore.dev", "sr", path);
  };
  ASSERT_TRUE(
      Eventually([&] { return !issuer("{.status.caCertificate}").empty(); },
                 std::chrono::seconds(30)));
  pki::X509Ptr old_root = FirstCert(issuer("{.status.caCertificate}"));
  ASSERT_TRUE(old_root);
  std::string old_fp = pki::FingerprintSha256(old_root.get());
  auto old_ca = Secret("sr-ca");
  ASSERT_TRUE(old_ca.has_value());
  // The status says when: notAfter - renewBefore.
  EXPECT_EQ(
      issuer("{.status.renewalTime}"),
      FormatRfc3339(pki::NotAfter(old_root.get()) - std::chrono::minutes(59)));

  SecretPairHistory history(env, {ns_, "server-stores"},
                            {ns_, "client-stores"});
  history.Start();
  ASSERT_TRUE(Eventually(
      [&] {
        std::string fp = issuer("{.status.fingerprintSHA256}");
        return !fp.empty() && fp != old_fp;
      },
      std::chrono::seconds(150)))
      << "the root did not renew itself\n"
      << OperatorLog();
  // The new root must not renew again while this test looks at it.
  CommandResult patched =
      env->Kubectl({"-n", ns_, "patch", "certissuer", "sr", "--type=merge",
                    "-p", R"({"spec":{"selfSigned":{"renewBefore":"30m"}}})"});
  ASSERT_TRUE(patched.ok()) << patched.output;

  auto new_ca = Secret("sr-ca");
  ASSERT_TRUE(new_ca.has_value());
  pki::X509Ptr new_root = FirstCert(new_ca->data.at("tls.crt"));
  ASSERT_TRUE(new_root);
  EXPECT_EQ(pki::SubjectText(new_root.get()), pki::SubjectText(old_root.get()));
  EXPECT_NE(pki::FingerprintSha256(new_root.get()), old_fp);
  EXPECT_NE(new_ca->data.at("tls.key"), old_ca->data.at("tls.key"))
      << "a renewed root needs a new key";
  EXPECT_EQ(new_ca->metadata.uid, old_ca->metadata.uid)
      << "renewed in place, not deleted and re-created";
  std::string new_fp = pki::FingerprintSha256(new_root.get());
  // While the rotation runs the CA Secret's ca.crt holds both roots (for
  // anything that reads trust from it directly), the new one first.
  {
    auto bundle = pki::ParseCertificatesPem(new_ca->data.at("ca.crt"));
    ASSERT_TRUE(bundle.ok());
    ASSERT_EQ(bundle->size(), 2u);
    EXPECT_TRUE(pki::SameCertificate((*bundle)[0].get(), new_root.get()));
    EXPECT_TRUE(pki::SameCertificate((*bundle)[1].get(), old_root.get()));
  }

  bool done = WaitRotatedTo("sr", new_fp);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  history.Stop();
  ASSERT_TRUE(done) << OperatorLog()
                    << env->Kubectl({"-n", ns_, "get", "certissuer", "sr", "-o",
                                     "yaml"})
                           .output;
  ExpectSafeRotationOrder(history, old_root.get(), new_root.get(),
                          std::chrono::seconds(kPropagationDelaySeconds - 1));

  // Afterwards every certificate chains to the new root (and not to the old
  // one, same name or not), and the old root is gone from every truststore.
  for (const char* name : {"server-stores", "client-stores"}) {
    auto s = Secret(name);
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_TRUE(OpensslVerifies(*s, new_root.get(), dir)) << name;
    EXPECT_FALSE(OpensslVerifies(*s, old_root.get(), dir)) << name;
    EXPECT_TRUE(Trusts(*s, new_root.get())) << name;
    EXPECT_FALSE(Trusts(*s, old_root.get())) << name;
  }

  // The rotation over, ca.crt holds the new root alone.
  EXPECT_TRUE(Eventually(
      [&] {
        auto ca = Secret("sr-ca");
        return ca && ca->data["ca.crt"] == ca->data["tls.crt"];
      },
      std::chrono::seconds(20)));

  // Events, status and metrics tell the story.
  std::string events = EventsMentioning(
      {"RootRenewed", "CARotationStarted", "CARotationComplete"});
  for (const char* reason :
       {"RootRenewed", "CARotationStarted", "CARotationComplete"})
    EXPECT_NE(events.find(reason), std::string::npos) << reason << events;
  TimePoint renewal = pki::NotAfter(new_root.get()) - std::chrono::minutes(30);
  EXPECT_TRUE(Eventually(
      [&] { return issuer("{.status.renewalTime}") == FormatRfc3339(renewal); },
      std::chrono::seconds(20)))
      << issuer("{.status.renewalTime}");
  std::string series =
      "certstore_issuer_ca_renewal_timestamp_seconds{kind=\"CertIssuer\","
      "namespace=\"" +
      ns_ + "\",name=\"sr\"} " + std::to_string(UnixSeconds(renewal));
  std::string metrics_url =
      "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics";
  EXPECT_TRUE(Eventually(
      [&] {
        CommandResult scrape =
            RunCommand({"curl", "-sS", "-f", "--max-time", "5", metrics_url});
        return scrape.ok() && scrape.output.find(series) != std::string::npos;
      },
      std::chrono::seconds(20)))
      << series;

  int handshakes =
      HandshakeEveryPairSeenTogether(history, dir, "rot-server.local");
  EXPECT_GE(handshakes, 4);
  std::filesystem::remove_all(dir);
}

// cert-manager (or a person) renews the CA Certificate behind a `ca` issuer:
// the Secret is updated in place with a root of the same subject and a new
// key (tls.crt, tls.key and ca.crt). That is a CA rotation like any other.
TEST_F(OperatorIT, CaSecretRenewedInPlaceBySomeoneElseRotatesSafely) {
  std::string dir = "/tmp/operator-ca-renewed-" + std::to_string(getpid());
  std::filesystem::create_directories(dir + "/old");
  std::filesystem::create_directories(dir + "/new");
  OpensslRoot one = MakeOpensslRoot(dir + "/old", "Renewed Elsewhere CA"),
              two = MakeOpensslRoot(dir + "/new", "Renewed Elsewhere CA");
  ApplyCaSecret("ext-ca", one, /*with_ca_crt=*/true);
  ASSERT_TRUE(ApplyRotationPair("ext", "ext-ca")) << OperatorLog();
  EXPECT_EQ(
      Jsonpath("certissuer.certstore.dev", "ext", "{.status.renewalTime}"), "")
      << "a `ca` issuer's root is renewed by whoever owns its Secret";
  pki::X509Ptr old_root = FirstCert(one.crt), new_root = FirstCert(two.crt);
  ASSERT_TRUE(old_root && new_root);
  ASSERT_EQ(pki::SubjectText(old_root.get()), pki::SubjectText(new_root.get()));
  auto before = Secret("ext-ca");
  ASSERT_TRUE(before.has_value());

  SecretPairHistory history(env, {ns_, "server-stores"},
                            {ns_, "client-stores"});
  history.Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ApplyCaSecret("ext-ca", two, true);  // kubectl apply: updated in place
  auto after = Secret("ext-ca");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->metadata.uid, before->metadata.uid);
  std::string new_fp = pki::FingerprintSha256(new_root.get());
  bool done = WaitRotatedTo("ext", new_fp);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  history.Stop();
  ASSERT_TRUE(done) << OperatorLog()
                    << env->Kubectl({"-n", ns_, "get", "certissuer", "ext",
                                     "-o", "yaml"})
                           .output;
  ExpectSafeRotationOrder(history, old_root.get(), new_root.get(),
                          std::chrono::seconds(kPropagationDelaySeconds - 1));
  for (const char* name : {"server-stores", "client-stores"}) {
    auto s = Secret(name);
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_TRUE(OpensslVerifies(*s, new_root.get(), dir)) << name;
    EXPECT_FALSE(Trusts(*s, old_root.get())) << name;
  }
  int handshakes =
      HandshakeEveryPairSeenTogether(history, dir, "rot-server.local");
  EXPECT_GE(handshakes, 4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
