#include "operator/kube/config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "operator/common/base64.h"
#include "operator/common/files.h"

namespace certstore::kube {
namespace {

std::string Kubeconfig(const std::string& cluster_extra,
                       const std::string& user,
                       const std::string& ctx_extra = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "clusters:\n- name: c1\n  cluster:\n    server: "
         "https://127.0.0.1:6443/\n" +
         cluster_extra +
         "contexts:\n- name: dev\n  context: {cluster: c1, user: u1" +
         ctx_extra +
         "}\n"
         "- name: other\n  context: {cluster: c1, user: u1, namespace: "
         "other-ns}\n"
         "users:\n- name: u1\n  user:\n" +
         user;
}

TEST(KubeconfigTest, ParsesEverySupportedSetting) {
  std::string ca = Base64Encode("CA-PEM"), crt = Base64Encode("CERT-PEM"),
              key = Base64Encode("KEY-PEM");
  auto c = ParseKubeconfig(
      Kubeconfig("    certificate-authority-data: " + ca +
                     "\n    tls-server-name: kubernetes\n",
                 "    client-certificate-data: " + crt +
                     "\n    client-key-data: " + key + "\n    token: abc\n",
                 ", namespace: team"),
      "", "/tmp");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "CA-PEM");
  EXPECT_EQ(c->tls_server_name, "kubernetes");
  EXPECT_EQ(c->client_cert_pem, "CERT-PEM");
  EXPECT_EQ(c->client_key_pem.reveal(), "KEY-PEM");
  EXPECT_EQ(c->token.reveal(), "abc");
  EXPECT_EQ(c->namespace_, "team");

  auto other =
      ParseKubeconfig(Kubeconfig("", "    token: abc\n"), "other", "/tmp");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->namespace_, "other-ns");
}

TEST(KubeconfigTest, ReadsFilesRelativeToTheKubeconfig) {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("kcfg" + std::to_string(getpid()));
  ASSERT_TRUE(WriteFileAtomic(dir + "/ca.crt", "CA-FROM-FILE").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/token", "tok\n").ok());
  auto c = ParseKubeconfig(Kubeconfig("    certificate-authority: ca.crt\n",
                                      "    tokenFile: token\n"),
                           "", dir);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ca_pem, "CA-FROM-FILE");
  EXPECT_EQ(c->token_file, dir + "/token");
  std::filesystem::remove_all(dir);
}

TEST(KubeconfigTest, ExecPlugin) {
  auto c = ParseKubeconfig(
      Kubeconfig(
          "",
          "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
          "      command: get-token\n      args: [--cluster, c1]\n"
          "      env: [{name: REGION, value: eu}]\n"),
      "", "/tmp");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->exec.has_value());
  EXPECT_EQ(c->exec->command, "get-token");
  EXPECT_EQ(c->exec->args, (std::vector<std::string>{"--cluster", "c1"}));
  EXPECT_EQ(c->exec->env.at("REGION"), "eu");
}

TEST(KubeconfigTest, UnsupportedOrBrokenSettingsAreClearErrors) {
  struct Case {
    std::string text;
    std::string context;
    const char* want;
  } cases[] = {
      {Kubeconfig("", "    auth-provider: {name: gcp}\n"), "",
       "auth-provider is not supported"},
      {Kubeconfig("", "    username: admin\n    password: x\n"), "",
       "username is not supported"},
      {Kubeconfig("    proxy-url: http://proxy:3128\n", "    token: a\n"), "",
       "proxy-url is not supported"},
      {Kubeconfig("",
                  "    client-certificate-data: " + Base64Encode("x") + "\n"),
       "", "needs both client-certificate and client-key"},
      {Kubeconfig("",
                  "    exec: {apiVersion: "
                  "client.authentication.k8s.io/v1alpha1, command: x}\n"),
       "", "exec apiVersion"},
      {Kubeconfig("", "    token: a\n"), "nope", "context \"nope\" not found"},
      {Kubeconfig("    certificate-authority: /does/not/exist\n",
                  "    token: a\n"),
       "", "certificate-authority"},
      {"clusters: [", "", "not valid YAML"},
      {"apiVersion: v1\nkind: Config\n", "", "no current-context"},
  };
  for (const auto& c : cases) {
    auto r = ParseKubeconfig(c.text, c.context, "/tmp");
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << "want " << c.want << ": " << r.status();
  }
}

TEST(InClusterConfigTest, UsesServiceAccountFiles) {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("sa" + std::to_string(getpid()));
  InClusterPaths paths{dir + "/token", dir + "/ca.crt", dir + "/namespace"};
  ASSERT_TRUE(WriteFileAtomic(paths.token, "tok").ok());
  ASSERT_TRUE(WriteFileAtomic(paths.ca, "CA").ok());
  ASSERT_TRUE(WriteFileAtomic(paths.ns, "certstore-system\n").ok());
  auto c = LoadInClusterConfig({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                                {"KUBERNETES_SERVICE_PORT", "443"}},
                               paths);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://10.0.0.1:443");
  EXPECT_EQ(c->token_file, paths.token);
  EXPECT_EQ(c->namespace_, "certstore-system");
  auto v6 = LoadInClusterConfig({{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                                 {"KUBERNETES_SERVICE_PORT", "443"}},
                                paths);
  EXPECT_EQ(v6->server, "https://[fd00::1]:443");
  auto missing = LoadInClusterConfig({}, paths);
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore::kube
