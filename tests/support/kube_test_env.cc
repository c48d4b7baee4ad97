#include "tests/support/kube_test_env.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>

#ifndef CERTSTORE_SOURCE_DIR
#error "Define CERTSTORE_SOURCE_DIR (the repository root) for kube_test_env."
#endif

extern char** environ;

namespace certstore {
namespace {

KubeTestEnv* g_instance = nullptr;

std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsExecutable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0 && !IsDir(path);
}

// execve needs a path; resolve bare names against PATH before forking so the
// child only calls async-signal-safe functions.
std::string ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  std::stringstream path(GetEnv("PATH"));
  std::string dir;
  while (std::getline(path, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutable(candidate)) return candidate;
  }
  return name;
}

std::vector<std::string> MergedEnvironment(
    const std::vector<std::string>& extra) {
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  auto add = [&](const std::string& kv) {
    std::string key = kv.substr(0, kv.find('='));
    if (env.find(key) == env.end()) order.push_back(key);
    env[key] = kv;
  };
  for (char** e = environ; *e != nullptr; ++e) add(*e);
  for (const std::string& kv : extra) add(kv);
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const std::string& key : order) out.push_back(env[key]);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void SetNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Writes without letting a closed pipe raise SIGPIPE in the whole process:
// SIGPIPE is blocked for this thread and a pending one is consumed.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = ::write(fd, data, size);
  int saved = errno;
  if (n < 0 && saved == EPIPE) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string Tail(const std::string& s, size_t max_chars = 4000) {
  return s.size() <= max_chars ? s : "...\n" + s.substr(s.size() - max_chars);
}

// Values of the `export KEY=VALUE` lines printed by hack/cluster.sh (VALUE
// may be backslash-escaped by printf %q).
std::map<std::string, std::string> ParseExports(const std::string& output) {
  std::map<std::string, std::string> vars;
  std::stringstream lines(output);
  std::string line;
  const std::string prefix = "export ";
  while (std::getline(lines, line)) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value;
    for (size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      value += line[i];
    }
    vars[line.substr(prefix.size(), eq - prefix.size())] = value;
  }
  return vars;
}

// A DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters.
std::string NamespaceName(int counter) {
  std::string base = "test";
  if (const ::testing::TestInfo* info =
          ::testing::UnitTest::GetInstance()->current_test_info()) {
    base = std::string(info->test_suite_name()) + "-" + info->name();
  }
  std::string label;
  for (char c : base) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) {
      label += l;
    } else if (!label.empty() && label.back() != '-') {
      label += '-';
    }
  }
  std::string suffix =
      "-" + std::to_string(::getpid()) + "-" + std::to_string(counter);
  const size_t max_base = 63 - 2 - suffix.size();  // 2 for the "t-" prefix
  if (label.size() > max_base) label.resize(max_base);
  while (!label.empty() && label.back() == '-') label.pop_back();
  return "t-" + label + suffix;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& stdin_data,
                         std::chrono::seconds timeout,
                         const std::vector<std::string>& extra_env, bool echo) {
  CommandResult result;
  if (argv.empty()) {
    result.exit_code = 127;
    result.output = "RunCommand: empty argv";
    return result;
  }
  std::string program = ResolveProgram(argv[0]);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = MergedEnvironment(extra_env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);

  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    result.exit_code = 127;
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result.exit_code = 127;
    result.output = std::string("pipe: ") + std::strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return result;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    result.exit_code = 127;
    result.output = std::string("fork: ") + std::strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return result;
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    ::execve(program.c_str(), c_args.data(), c_env.data());
    const char msg[] = "RunCommand: exec failed: ";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ignored = ::write(STDERR_FILENO, program.c_str(), program.size());
    (void)ignored;
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  SetNonBlocking(in[1]);
  SetNonBlocking(out[0]);

  int stdin_fd = in[1];
  size_t written = 0;
  if (stdin_data.empty()) {
    ::close(stdin_fd);
    stdin_fd = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool exited = false, timed_out = false, eof = false;
  int status = 0;
  char buf[65536];
  auto drain = [&]() {
    for (;;) {
      ssize_t n = ::read(out[0], buf, sizeof(buf));
      if (n > 0) {
        result.output.append(buf, static_cast<size_t>(n));
        if (echo) std::cerr.write(buf, n).flush();
        continue;
      }
      if (n == 0) eof = true;
      if (n < 0 && errno == EINTR) continue;
      return;
    }
  };
  while (!eof) {
    struct pollfd fds[2];
    nfds_t nfds = 0;
    fds[nfds++] = {out[0], POLLIN, 0};
    if (stdin_fd >= 0) fds[nfds++] = {stdin_fd, POLLOUT, 0};
    int rc = ::poll(fds, nfds, 100);
    if (rc < 0 && errno != EINTR) break;
    drain();
    if (stdin_fd >= 0 && nfds > 1 && fds[1].revents != 0) {
      ssize_t n = WriteNoSigpipe(stdin_fd, stdin_data.data() + written,
                                 stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
          written == stdin_data.size()) {
        ::close(stdin_fd);
        stdin_fd = -1;
      }
    }
    // A grandchild may keep the pipe open after the child exits: stop at the
    // child's exit, after one last drain.
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      drain();
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
  }
  if (stdin_fd >= 0) ::close(stdin_fd);
  if (!exited) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    drain();
  }
  ::close(out[0]);
  if (timed_out) {
    result.exit_code = 124;
    result.output += "\n[RunCommand: killed after " +
                     std::to_string(timeout.count()) + "s: " + argv[0] + "]\n";
  } else {
    result.exit_code = DecodeWaitStatus(status);
  }
  return result;
}

KubeTestEnv* KubeTestEnv::Register() {
  if (g_instance == nullptr) {
    g_instance = new KubeTestEnv();
    ::testing::AddGlobalTestEnvironment(g_instance);
  }
  return g_instance;
}

KubeTestEnv* KubeTestEnv::Instance() { return g_instance; }

std::string KubeTestEnv::SourceDir() { return CERTSTORE_SOURCE_DIR; }

std::string KubeTestEnv::ClusterScript() const {
  return SourceDir() + "/hack/cluster.sh";
}

void KubeTestEnv::SetUp() {
  std::string reuse = GetEnv("KUBECONFIG_TEST");
  if (!reuse.empty()) {
    owns_cluster_ = false;
    kubeconfig_ = reuse;
    state_dir_ = GetEnv("CERTSTORE_CLUSTER_DIR");
    kubectl_ = GetEnv("CERTSTORE_KUBECTL");
    if (kubectl_.empty()) {
      CommandResult built =
          RunCommand({SourceDir() + "/hack/controlplane/build.sh", "--env"}, "",
                     std::chrono::seconds(3600), {}, false);
      if (!built.ok()) {
        GTEST_FAIL() << "hack/controlplane/build.sh --env failed:\n"
                     << Tail(built.output);
      }
      std::stringstream lines(built.output);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.rfind("KUBE_BIN_DIR=", 0) == 0) {
          kubectl_ = line.substr(std::strlen("KUBE_BIN_DIR=")) + "/kubectl";
        }
      }
    }
    CommandResult ready = Kubectl({"get", "--raw=/readyz"});
    if (!ready.ok()) {
      GTEST_FAIL() << "KUBECONFIG_TEST=" << kubeconfig_
                   << ": API server not ready:\n"
                   << ready.output;
    }
    return;
  }

  std::string tmp = GetEnv("TMPDIR");
  std::string pattern =
      (tmp.empty() ? "/tmp" : tmp) + "/certstore-kube-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    GTEST_FAIL() << "mkdtemp " << pattern << ": " << std::strerror(errno);
  }
  state_dir_ = pattern;
  owns_cluster_ = true;
  StartReaper();

  std::vector<std::string> env;
  if (IsDir(SourceDir() + "/crds")) {
    env.push_back("CLUSTER_CRDS_DIR=" + SourceDir() + "/crds");
  }
  long up_timeout = std::atol(GetEnv("KUBE_TEST_ENV_UP_TIMEOUT").c_str());
  if (up_timeout <= 0) up_timeout = 3600;
  std::cerr << "KubeTestEnv: starting a cluster in " << state_dir_
            << " (hack/cluster.sh up)\n";
  CommandResult up = RunCommand({ClusterScript(), "up", state_dir_}, "",
                                std::chrono::seconds(up_timeout), env, true);
  if (!up.ok()) {
    GTEST_FAIL() << "hack/cluster.sh up " << state_dir_ << " failed (exit "
                 << up.exit_code << "):\n"
                 << Tail(up.output);
  }
  std::map<std::string, std::string> vars = ParseExports(up.output);
  kubeconfig_ = vars["KUBECONFIG"];
  kubectl_ = vars["CERTSTORE_KUBECTL"];
  if (kubeconfig_.empty() || kubectl_.empty()) {
    GTEST_FAIL()
        << "hack/cluster.sh up printed no KUBECONFIG/CERTSTORE_KUBECTL:\n"
        << Tail(up.output);
  }
}

void KubeTestEnv::TearDown() {
  if (owns_cluster_) {
    StopReaper();
    CommandResult down = RunCommand({ClusterScript(), "down", state_dir_}, "",
                                    std::chrono::seconds(120), {}, true);
    EXPECT_TRUE(down.ok()) << "hack/cluster.sh down " << state_dir_
                           << " failed:\n"
                           << down.output;
    owns_cluster_ = false;
    return;
  }
  std::vector<std::string> namespaces;
  {
    std::lock_guard<std::mutex> lock(mu_);
    namespaces.swap(namespaces_);
  }
  if (namespaces.empty() || kubeconfig_.empty()) return;
  std::vector<std::string> args = {"delete", "namespace", "--wait=false",
                                   "--ignore-not-found"};
  args.insert(args.end(), namespaces.begin(), namespaces.end());
  CommandResult r = Kubectl(args);
  EXPECT_TRUE(r.ok()) << "deleting test namespaces failed:\n" << r.output;
}

void KubeTestEnv::StartReaper() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;  // best effort
  std::vector<std::string> args = {ClusterScript(), "down", state_dir_};
  std::vector<std::string> env = MergedEnvironment({});
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    // Own session: survives the Ctrl-C or kill(-pgid) that ends the tests.
    ::setsid();
    ::close(fds[1]);
    char c;
    for (;;) {
      ssize_t n = ::read(fds[0], &c, 1);
      if (n == 0 || (n < 0 && errno != EINTR))
        break;  // the test binary is gone
    }
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  reaper_pid_ = pid;
  reaper_fd_ = fds[1];
}

void KubeTestEnv::StopReaper() {
  if (reaper_pid_ > 0) {
    ::kill(reaper_pid_, SIGKILL);
    while (::waitpid(reaper_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    reaper_pid_ = -1;
  }
  if (reaper_fd_ >= 0) {
    ::close(reaper_fd_);
    reaper_fd_ = -1;
  }
}

CommandResult KubeTestEnv::Kubectl(const std::vector<std::string>& args,
                                   const std::string& stdin_data,
                                   std::chrono::seconds timeout) const {
  return KubectlAs(kubeconfig_, args, stdin_data, timeout);
}

CommandResult KubeTestEnv::KubectlAs(const std::string& kubeconfig,
                                     const std::vector<std::string>& args,
                                     const std::string& stdin_data,
                                     std::chrono::seconds timeout) const {
  std::vector<std::string> argv = {kubectl_, "--kubeconfig=" + kubeconfig};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, stdin_data, timeout);
}

std::string KubeTestEnv::CreateNamespace() {
  std::string name = NamespaceName(++counter_);
  CommandResult r = Kubectl({"create", "namespace", name});
  if (!r.ok()) {
    ADD_FAILURE() << "kubectl create namespace " << name << " failed:\n"
                  << r.output;
    return "";
  }
  std::lock_guard<std::mutex> lock(mu_);
  namespaces_.push_back(name);
  return name;
}

::testing::AssertionResult KubeTestEnv::InstallCrds(
    const std::string& dir, std::chrono::seconds timeout) const {
  const std::string crds = dir.empty() ? SourceDir() + "/crds" : dir;
  CommandResult apply = Kubectl({"apply", "-f", crds});
  if (!apply.ok()) {
    return ::testing::AssertionFailure()
           << "kubectl apply -f " << crds << " failed:\n"
           << apply.output;
  }
  CommandResult wait = Kubectl(
      {"wait", "--for=condition=Established",
       "--timeout=" + std::to_string(timeout.count()) + "s", "-f", crds},
      "", timeout + std::chrono::seconds(30));
  if (!wait.ok()) {
    return ::testing::AssertionFailure()
           << "CRDs in " << crds << " not Established within "
           << timeout.count() << "s:\n"
           << wait.output;
  }
  return ::testing::AssertionSuccess();
}

std::string KubeTestEnv::NewKubeconfigPath(const std::string& stem) {
  const std::string dir = state_dir_ + "/test-kubeconfigs";
  ::mkdir(dir.c_str(), 0700);
  std::string safe;
  for (char c : stem)
    safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return dir + "/" + safe + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(++counter_) + ".kubeconfig";
}

std::string KubeTestEnv::ServiceAccountKubeconfig(const std::string& ns,
                                                  const std::string& name) {
  if (state_dir_.empty()) {
    ADD_FAILURE() << "ServiceAccountKubeconfig needs the cluster state dir "
                     "(set CERTSTORE_CLUSTER_DIR with KUBECONFIG_TEST)";
    return "";
  }
  std::string path = NewKubeconfigPath("sa-" + ns + "-" + name);
  CommandResult r = RunCommand({ClusterScript(), "sa-kubeconfig", "--state",
                                state_dir_, ns, name, path});
  if (!r.ok()) {
    ADD_FAILURE() << "hack/cluster.sh sa-kubeconfig " << ns << " " << name
                  << " failed:\n"
                  << r.output;
    return "";
  }
  return path;
}

std::string KubeTestEnv::UserKubeconfig(
    const std::string& user, const std::vector<std::string>& groups) {
  if (state_dir_.empty()) {
    ADD_FAILURE() << "UserKubeconfig needs the cluster state dir "
                     "(set CERTSTORE_CLUSTER_DIR with KUBECONFIG_TEST)";
    return "";
  }
  std::string path = NewKubeconfigPath("user-" + user);
  std::vector<std::string> argv = {
      ClusterScript(), "user-kubeconfig", "--state", state_dir_, user, path};
  argv.insert(argv.end(), groups.begin(), groups.end());
  CommandResult r = RunCommand(argv);
  if (!r.ok()) {
    ADD_FAILURE() << "hack/cluster.sh user-kubeconfig " << user << " failed:\n"
                  << r.output;
    return "";
  }
  return path;
}

}  // namespace certstore
