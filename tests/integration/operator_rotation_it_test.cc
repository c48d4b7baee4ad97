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
#include "tests/integration/rotation_order.h"

namespace certstore {
namespace {

TEST_F(OperatorIT, CaRotationNeverBreaksAJavaHandshake) {
  std::string dir = "/tmp/operator-rotation-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  OpensslRoot one = MakeOpensslRoot(dir, "Rotation Root One"),
              two = MakeOpensslRoot(dir, "Rotation Root Two");
  ApplyCaSecret("rot-ca", one);
  ASSERT_TRUE(ApplyRotationPair("rot", "rot-ca")) << OperatorLog();

  // Watch both Secrets until the test ends: every version, when it was seen,
  // and which versions were seen together.
  SecretPairHistory history(env, {ns_, "server-stores"},
                            {ns_, "client-stores"});
  history.Start();

  std::this_thread::sleep_for(std::chrono::seconds(1));
  ApplyCaSecret("rot-ca", two);
  pki::X509Ptr old_root = FirstCert(one.crt), new_root = FirstCert(two.crt);
  ASSERT_TRUE(old_root && new_root);
  std::string new_fp = pki::FingerprintSha256(new_root.get());
  // Done: both certificates from the new root, the rotation over, and the
  // truststores hold only the new root.
  bool done = WaitRotatedTo("rot", new_fp);
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

  // The order of writes: every truststore trusted the new root before
  // any certificate from it appeared; the old root left only after the last
  // certificate it signed (each by the propagation delay).
  ExpectSafeRotationOrder(history, old_root.get(), new_root.get(),
                          std::chrono::seconds(kPropagationDelaySeconds - 1));

  // Every pair of versions seen together completes a Java handshake.
  int handshakes =
      HandshakeEveryPairSeenTogether(history, dir, "rot-server.local");
  EXPECT_GE(handshakes, 4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
