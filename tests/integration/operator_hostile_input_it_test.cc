// Hostile bytes in a CertStore's own Secret (issue 15, first slice): PKCS#12
// stores whose iteration counts would pin a thread for minutes are refused
// before any key derivation, so the operator stays ready, serves a new
// CertStore within seconds and repairs the Secret.
#include "operator/common/base64.h"
#include "tests/integration/operator_fixture.h"
#include "tests/pki/pki_fixture.h"

namespace certstore {
namespace {

using pki::testing::WithMacIterations;

TEST_F(OperatorIT, HostilePkcs12IterationCountsDoNotStallTheOperator) {
  Apply(Issuer("hostile") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: victim}\n"
        "spec:\n  issuerRef: {name: hostile}\n  secretName: victim-stores\n"
        "  keystore: {commonName: victim}\n  truststore: {}\n  formats: [PKCS12]\n");
  ASSERT_TRUE(WaitReady("victim", "True")) << Condition("victim", "Ready", "message");
  auto secret = Secret("victim-stores");
  ASSERT_TRUE(secret.has_value());
  passwords_.push_back(secret->data.at("password"));
  std::string ks = WithMacIterations(secret->data.at("keystore.p12"), 2147483647);
  std::string ts = WithMacIterations(secret->data.at("truststore.p12"), 2147483647);
  ASSERT_FALSE(ks.empty() || ts.empty());
  // The tenant plants 2^31-1 iterations (about ten minutes of PBKDF2 each).
  CommandResult patched = env->Kubectl(
      {"-n", ns_, "patch", "secret", "victim-stores", "--type=merge", "-p",
       "{\"data\":{\"keystore.p12\":\"" + Base64Encode(ks) + "\",\"truststore.p12\":\"" +
           Base64Encode(ts) + "\"}}"});
  ASSERT_TRUE(patched.ok()) << patched.output;

  // A new CertStore is served within seconds, and the operator stays ready.
  auto started = std::chrono::steady_clock::now();
  Apply("apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: after}\n"
        "spec:\n  issuerRef: {name: hostile}\n  secretName: after-stores\n"
        "  keystore: {commonName: after}\n");
  ASSERT_TRUE(WaitReady("after", "True", "", std::chrono::seconds(30)))
      << Condition("after", "Ready", "message");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  CommandResult readyz = RunCommand({"curl", "-sS", "-f", "--max-time", "5",
                                     "http://127.0.0.1:" + std::to_string(health_port_) +
                                         "/readyz"});
  EXPECT_TRUE(readyz.ok()) << readyz.output;

  // The victim's stores are rewritten: the hostile bytes are gone.
  EXPECT_TRUE(Eventually(
      [&] {
        auto now = Secret("victim-stores");
        return now && now->data.at("keystore.p12") != ks && now->data.at("truststore.p12") != ts;
      },
      std::chrono::seconds(30)));
  EXPECT_TRUE(WaitReady("victim", "True"));
}

// Key material lives in the operator's memory: it never dumps core.
TEST_F(OperatorIT, TheOperatorWritesNoCoreFile) {
  std::string limits = ReadFile("/proc/" + std::to_string(pid_) + "/limits").value_or("");
  size_t at = limits.find("Max core file size");
  ASSERT_NE(at, std::string::npos) << limits;
  std::string line = limits.substr(at, limits.find('\n', at) - at);
  EXPECT_NE(line.find(" 0 "), std::string::npos) << line;
  EXPECT_EQ(line.find("unlimited"), std::string::npos) << line;
}

}  // namespace
}  // namespace certstore
