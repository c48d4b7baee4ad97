// Proves KubeTestEnv against the real control plane: kubectl, per-test
// namespaces, CRD installation and the two kubeconfig helpers.
#include "tests/support/kube_test_env.h"

#include <gtest/gtest.h>

#include <string>

namespace certstore {
namespace {

KubeTestEnv* const kube = KubeTestEnv::Register();

TEST(KubeTestEnv, ApiServerIsReady) {
  CommandResult r = kube->Kubectl({"get", "--raw=/readyz"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(r.output, "ok");
}

TEST(KubeTestEnv, NamespacesAreUniquePerCall) {
  std::string a = kube->CreateNamespace();
  std::string b = kube->CreateNamespace();
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);
  EXPECT_LE(a.size(), 63u);
  EXPECT_EQ(a.rfind("t-kubetestenv-namespacesareuniquepercall-", 0), 0u) << a;
  EXPECT_TRUE(kube->Kubectl({"get", "namespace", a}).ok());
}

TEST(KubeTestEnv, InstallsCrdsAndValidatesAgainstTheirSchema) {
  ASSERT_TRUE(kube->InstallCrds());
  std::string ns = kube->CreateNamespace();
  ASSERT_FALSE(ns.empty());
  const std::string bogus = R"(apiVersion: certstore.dev/v1alpha1
kind: CertStore
metadata:
  name: bogus
spec:
  issuerRef: {name: ca}
  secretName: tls
  keystore: {commonName: example}
  formats: [BOGUS]
)";
  CommandResult r = kube->Kubectl({"-n", ns, "apply", "-f", "-"}, bogus);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Unsupported value: \"BOGUS\""), std::string::npos)
      << r.output;
}

TEST(KubeTestEnv, ServiceAccountKubeconfigIsSubjectToRbac) {
  ASSERT_FALSE(kube->state_dir().empty())
      << "needs a cluster state dir: set CERTSTORE_CLUSTER_DIR with "
         "KUBECONFIG_TEST";
  std::string ns = kube->CreateNamespace();
  ASSERT_FALSE(ns.empty());
  std::string kc = kube->ServiceAccountKubeconfig(ns, "reader");
  ASSERT_FALSE(kc.empty());
  CommandResult who = kube->KubectlAs(kc, {"auth", "whoami", "-o", "name"});
  ASSERT_TRUE(who.ok()) << who.output;
  CommandResult denied = kube->KubectlAs(kc, {"-n", ns, "get", "secrets"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.output.find("Forbidden"), std::string::npos)
      << denied.output;
}

TEST(KubeTestEnv, UserKubeconfigCarriesUserAndGroups) {
  ASSERT_FALSE(kube->state_dir().empty())
      << "needs a cluster state dir: set CERTSTORE_CLUSTER_DIR with "
         "KUBECONFIG_TEST";
  std::string kc = kube->UserKubeconfig("alice", {"team-a", "team-b"});
  ASSERT_FALSE(kc.empty());
  CommandResult who = kube->KubectlAs(kc, {"auth", "whoami"});
  ASSERT_TRUE(who.ok()) << who.output;
  EXPECT_NE(who.output.find("alice"), std::string::npos) << who.output;
  EXPECT_NE(who.output.find("team-b"), std::string::npos) << who.output;
}

TEST(RunCommand, FeedsStdinAndReportsExitCodeAndTimeout) {
  CommandResult cat = RunCommand({"cat"}, "hello");
  EXPECT_EQ(cat.exit_code, 0);
  EXPECT_EQ(cat.output, "hello");
  EXPECT_EQ(RunCommand({"sh", "-c", "exit 3"}).exit_code, 3);
  EXPECT_EQ(RunCommand({"/nonexistent/program"}).exit_code, 127);
  CommandResult slow = RunCommand({"sleep", "30"}, "", std::chrono::seconds(1));
  EXPECT_EQ(slow.exit_code, 124);
}

}  // namespace
}  // namespace certstore
