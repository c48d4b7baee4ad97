// The CRD schemas and the C++ validator must agree: every object of
// tests/corpus is sent to the real API server (server-side dry run), valid
// ones must be accepted and invalid ones refused with the expected message.
// (tests/api/validate_test.cc feeds the same corpus to the C++ side.)
#include <gtest/gtest.h>

#include <filesystem>

#include "operator/common/files.h"
#include "tests/support/kube_test_env.h"

namespace certstore {
namespace {

KubeTestEnv* const kube = KubeTestEnv::Register();

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class CrdCorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(kube->InstallCrds()); }
};

TEST_F(CrdCorpusTest, ValidObjectsAreAccepted) {
  std::string ns = kube->CreateNamespace();
  ASSERT_FALSE(ns.empty());
  auto files = Files(KubeTestEnv::SourceDir() + "/tests/corpus/valid");
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    CommandResult r =
        kube->Kubectl({"-n", ns, "create", "--dry-run=server", "-f", f});
    EXPECT_TRUE(r.ok()) << f << ":\n" << r.output;
  }
}

TEST_F(CrdCorpusTest, InvalidObjectsAreRefusedWithTheExpectedMessage) {
  std::string ns = kube->CreateNamespace();
  ASSERT_FALSE(ns.empty());
  auto files = Files(KubeTestEnv::SourceDir() + "/tests/corpus/invalid");
  ASSERT_GE(files.size(), 25u);
  for (const auto& f : files) {
    std::string text = *ReadFile(f);
    ASSERT_EQ(text.rfind("# expect: ", 0), 0u) << f << " lacks an expect line";
    std::string want = text.substr(10, text.find('\n') - 10);
    CommandResult r =
        kube->Kubectl({"-n", ns, "create", "--dry-run=server", "-f", f});
    EXPECT_FALSE(r.ok()) << f << " was accepted";
    EXPECT_NE(r.output.find(want), std::string::npos)
        << f << ": want \"" << want << "\" in:\n"
        << r.output;
  }
}

}  // namespace
}  // namespace certstore
