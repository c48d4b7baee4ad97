#include "operator/kube/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "operator/common/files.h"
#include "operator/common/time_format.h"

namespace certstore::kube {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("creds" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Script(const std::string& body) {
    std::string p = dir_ + "/plugin.sh";
    EXPECT_TRUE(WriteFileAtomic(p, "#!/bin/sh\n" + body, 0755).ok());
    return p;
  }
  std::string dir_;
  FakeClock clock_{FromUtc(2026, 11, 23, 12, 0, 0)};
};

TEST_F(CredentialsTest, TokenFileIsReReadWhenTheKubeletRotatesIt) {
  std::string tok = dir_ + "/token";
  ASSERT_TRUE(WriteFileAtomic(tok, "first\n").ok());
  ClusterConfig c;
  c.token_file = tok;
  CredentialSource src(c, clock_);
  EXPECT_EQ(src.Token()->reveal(), "first");
  ASSERT_TRUE(WriteFileAtomic(tok, "second").ok());
  EXPECT_EQ(src.Token()->reveal(), "first") << "cached for a minute";
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(src.Token()->reveal(), "second");
  ASSERT_TRUE(WriteFileAtomic(tok, "third").ok());
  src.Invalidate();  // after a 401
  EXPECT_EQ(src.Token()->reveal(), "third");
}

TEST_F(CredentialsTest, ExecPluginTokenIsCachedUntilItExpires) {
  std::string counter = dir_ + "/runs";
  ExecConfig e;
  e.api_version = "client.authentication.k8s.io/v1";
  e.command = Script(
      "echo x >> " + counter +
      "\n[ \"$REGION\" = eu ] || exit 3\n"
      "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 4;; "
      "esac\n"
      "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
      "\"ExecCredential\",\"status\":{\"token\":\"tok-'$(wc -l < " +
      counter + ")'\",\"expirationTimestamp\":\"2026-11-23T12:10:00Z\"}}'\n");
  e.env["REGION"] = "eu";
  ClusterConfig c;
  c.exec = e;
  CredentialSource src(c, clock_);
  auto t1 = src.Token();
  ASSERT_TRUE(t1.ok()) << t1.status();
  EXPECT_EQ(t1->reveal(), "tok-1");
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(src.Token()->reveal(), "tok-1");
  clock_.Advance(std::chrono::minutes(5));  // past expiry (minus 30 s margin)
  EXPECT_EQ(src.Token()->reveal(), "tok-2");
}

TEST_F(CredentialsTest, ExecPluginFailuresNameTheCommandNotTheOutput) {
  struct Case {
    std::string body;
    const char* want;
  } cases[] = {
      {"echo secret-output; exit 7\n", "failed (exit status 7)"},
      {"echo not-json-secret-output\n", "not an ExecCredential"},
      {"echo '{\"status\":{\"clientCertificateData\":\"x\"}}'\n",
       "no status.token"},
  };
  for (const auto& tc : cases) {
    ExecConfig e;
    e.api_version = "client.authentication.k8s.io/v1";
    e.command = Script(tc.body);
    ClusterConfig c;
    c.exec = e;
    CredentialSource src(c, clock_);
    auto t = src.Token();
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find(tc.want), std::string::npos)
        << t.status();
    EXPECT_NE(t.status().message().find("plugin.sh"), std::string::npos)
        << t.status();
    EXPECT_EQ(t.status().message().find("secret-output"), std::string::npos)
        << t.status();
  }
}

TEST_F(CredentialsTest, StaticTokenAndNone) {
  ClusterConfig c;
  c.token = SecretBytes("static");
  EXPECT_EQ(CredentialSource(c, clock_).Token()->reveal(), "static");
  ClusterConfig none;
  EXPECT_TRUE(CredentialSource(none, clock_).Token()->empty());
}

}  // namespace
}  // namespace certstore::kube
