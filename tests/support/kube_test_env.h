// KubeTestEnv: a real Kubernetes control plane for GoogleTest binaries.
//
// Tests that claim to work *with Kubernetes* run against a real kube-apiserver,
// kube-controller-manager and etcd started by hack/cluster.sh (see DESIGN.md
// "The real Kubernetes control plane for tests"). One cluster serves a whole
// test binary; each test isolates itself in its own namespace.
//
// Usage, once per test binary (it needs no main of its own):
//
//   static certstore::KubeTestEnv* const kube =
//   certstore::KubeTestEnv::Register();
//
//   TEST(CertStoreCrd, RejectsUnknownFormat) {
//     std::string ns = kube->CreateNamespace();
//     ASSERT_FALSE(ns.empty());
//     certstore::CommandResult r = kube->Kubectl({"-n", ns, "apply", "-f",
//     "-"}, yaml); EXPECT_NE(r.exit_code, 0) << r.output;
//   }
//
// Environment variables:
//   KUBECONFIG_TEST     reuse the cluster this kubeconfig points at; nothing is
//                       started or stopped, and the namespaces this process
//                       created are deleted at TearDown.
//   CERTSTORE_KUBECTL   kubectl binary to use with KUBECONFIG_TEST (default:
//   the
//                       one hack/controlplane/build.sh built).
//   CERTSTORE_CLUSTER_DIR  state dir of the reused cluster; enables
//                       ServiceAccountKubeconfig()/UserKubeconfig() with it.
//   KUBE_TEST_ENV_UP_TIMEOUT  seconds `hack/cluster.sh up` may take, including
//   a
//                       cold build of the binaries (default 3600).
//
// Without KUBECONFIG_TEST, SetUp() runs `hack/cluster.sh up <fresh tmp dir>`
// (applying the repo's crds/ before the controller manager starts, so its
// garbage collector knows them at once) and TearDown() runs `down`. A reaper
// process in its own session also runs `down` if the test binary dies without
// reaching TearDown (crash, SIGKILL, Ctrl-C).
//
// Needs the compile definition CERTSTORE_SOURCE_DIR (the repository root).
// Uses only the C++17 standard library and POSIX.
//
// Thread safety: SetUp/TearDown are called by GoogleTest on the main thread.
// The other methods may be called from any thread after SetUp.
#ifndef CERTSTORE_TESTS_SUPPORT_KUBE_TEST_ENV_H_
#define CERTSTORE_TESTS_SUPPORT_KUBE_TEST_ENV_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"

namespace certstore {

// Outcome of a child process.
struct CommandResult {
  // The exit status; 128+N if killed by signal N; 124 on timeout; 127 if the
  // program could not be started.
  int exit_code = -1;
  // stdout and stderr, interleaved as written.
  std::string output;

  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (an absolute path, or a name looked up in PATH) with `argv`,
// feeding `stdin_data` to its stdin, with `extra_env` ("KEY=VALUE") added to
// this process's environment. Kills it after `timeout`. If `echo` is true the
// output is also copied to this process's stderr as it arrives.
// REQUIRES: !argv.empty().
CommandResult RunCommand(
    const std::vector<std::string>& argv, const std::string& stdin_data = "",
    std::chrono::seconds timeout = std::chrono::seconds(120),
    const std::vector<std::string>& extra_env = {}, bool echo = false);

class KubeTestEnv : public ::testing::Environment {
 public:
  // Creates the environment, hands it to ::testing::AddGlobalTestEnvironment
  // (which owns it) and returns it. Call once, before RUN_ALL_TESTS, e.g. from
  // a namespace-scope initializer.
  static KubeTestEnv* Register();

  // Returns the registered environment, or nullptr before Register().
  static KubeTestEnv* Instance();

  // Starts (or attaches to) the cluster. If it cannot, records a fatal
  // failure: the tests do not run and the binary exits non-zero (a failed
  // run, never a pass).
  void SetUp() override;
  // Stops the cluster this process started; with KUBECONFIG_TEST, deletes the
  // namespaces created by CreateNamespace() instead.
  void TearDown() override;

  // Path of an admin (system:masters) kubeconfig. Valid after SetUp.
  const std::string& kubeconfig() const { return kubeconfig_; }
  // Absolute path of the kubectl built with the control plane.
  const std::string& kubectl_path() const { return kubectl_; }
  // The cluster's state dir, or "" when reusing KUBECONFIG_TEST without
  // CERTSTORE_CLUSTER_DIR.
  const std::string& state_dir() const { return state_dir_; }
  // The repository root (CERTSTORE_SOURCE_DIR).
  static std::string SourceDir();

  // Runs `kubectl --kubeconfig=<admin> args...` with `stdin_data` on stdin
  // (useful with `apply -f -`). Never records a test failure itself.
  CommandResult Kubectl(
      const std::vector<std::string>& args, const std::string& stdin_data = "",
      std::chrono::seconds timeout = std::chrono::seconds(120)) const;
  // As Kubectl, with another kubeconfig (e.g. a ServiceAccount's).
  CommandResult KubectlAs(
      const std::string& kubeconfig, const std::vector<std::string>& args,
      const std::string& stdin_data = "",
      std::chrono::seconds timeout = std::chrono::seconds(120)) const;

  // Creates a namespace unique to the running test (named after it, with this
  // process's id and a counter) and returns its name. On failure records a
  // non-fatal failure and returns "": callers ASSERT_FALSE(ns.empty()).
  std::string CreateNamespace();

  // Applies every manifest in `dir` (default: <repo>/crds) and waits until
  // each CustomResourceDefinition has condition Established, for at most
  // `timeout`. The error message includes kubectl's output.
  ::testing::AssertionResult InstallCrds(
      const std::string& dir = "",
      std::chrono::seconds timeout = std::chrono::seconds(60)) const;

  // Writes a kubeconfig authenticating as ServiceAccount `ns`/`name` with a
  // bearer token from `kubectl create token` (creating the ServiceAccount if
  // missing) and returns its path; "" plus a non-fatal failure on error.
  // REQUIRES: !state_dir().empty().
  std::string ServiceAccountKubeconfig(const std::string& ns,
                                       const std::string& name);
  // Writes a kubeconfig authenticating with a client certificate for `user`
  // in `groups`, signed by the cluster CA, and returns its path; "" plus a
  // non-fatal failure on error. REQUIRES: !state_dir().empty().
  std::string UserKubeconfig(const std::string& user,
                             const std::vector<std::string>& groups = {});

 private:
  KubeTestEnv() = default;

  std::string ClusterScript() const;
  // Forks the process that runs `cluster.sh down` once this process is gone.
  void StartReaper();
  void StopReaper();
  std::string NewKubeconfigPath(const std::string& stem);

  bool owns_cluster_ = false;
  std::string state_dir_;
  std::string kubeconfig_;
  std::string kubectl_;
  pid_t reaper_pid_ = -1;
  int reaper_fd_ = -1;  // write end; its closing tells the reaper to act
  std::atomic<int> counter_{0};
  std::mutex mu_;
  std::vector<std::string> namespaces_;  // GUARDED_BY(mu_)
};

}  // namespace certstore

#endif  // CERTSTORE_TESTS_SUPPORT_KUBE_TEST_ENV_H_
