#include "operator/kube/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "operator/api/json.h"
#include "operator/common/files.h"
#include "operator/common/time_format.h"

namespace certstore::kube {
namespace {

constexpr std::chrono::seconds kTokenFileRefresh{60};
constexpr std::chrono::seconds kExecTimeout{30};

// Runs argv with extra env, returns stdout. Bounded by kExecTimeout.
StatusOr<std::string> RunCommand(const ExecConfig& e) {
  // What the child needs is made before fork() (the parent has threads:
  // allocating in the child could deadlock).
  json::Writer info;
  info.BeginObject()
      .Field("apiVersion", e.api_version)
      .Field("kind", "ExecCredential");
  info.Key("spec").BeginObject().Field("interactive", false).EndObject();
  const std::string exec_info = info.EndObject().Take();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(e.command.c_str()));
  for (const auto& a : e.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return UnavailableError("exec plugin: pipe failed");
  pid_t pid = fork();
  if (pid < 0) return UnavailableError("exec plugin: fork failed");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    for (const auto& [k, v] : e.env) setenv(k.c_str(), v.c_str(), 1);
    setenv("KUBERNETES_EXEC_INFO", exec_info.c_str(), 1);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + kExecTimeout;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      close(out[0]);
      return UnavailableError("exec plugin " + e.command + " timed out");
    }
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return UnavailableError(
        "exec plugin " + e.command + " failed (exit status " +
        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return output;
}

}  // namespace

CredentialSource::CredentialSource(const ClusterConfig& config,
                                   const Clock& clock)
    : clock_(clock),
      static_token_(config.token.Clone()),
      token_file_(config.token_file),
      exec_(config.exec) {}

void CredentialSource::Invalidate() {
  std::lock_guard<std::mutex> l(mu_);
  cached_ = SecretBytes();
  cached_until_ = TimePoint();
}

StatusOr<SecretBytes> CredentialSource::RunExec() {
  ASSIGN_OR_RETURN(std::string out, RunCommand(*exec_));
  SecretBytes raw(std::move(out));
  // The message never repeats the output: it may hold a token.
  auto doc = json::Document::Parse(raw.reveal());
  if (!doc || !doc->Root().IsObject())
    return InvalidArgumentError(
        "exec plugin " + exec_->command +
        " printed something that is not an ExecCredential");
  json::Value status = doc->Root()["status"];
  if (!status["token"].IsString())
    return UnimplementedError("exec plugin " + exec_->command +
                              " returned no status.token (client "
                              "certificates from exec plugins are not "
                              "supported)");
  SecretBytes token(std::string(status["token"].String()));
  TimePoint until = clock_.Now() + std::chrono::minutes(10);
  if (status["expirationTimestamp"].IsString()) {
    auto t = ParseRfc3339(std::string(status["expirationTimestamp"].String()));
    if (t.ok()) until = *t - std::chrono::seconds(30);
  }
  cached_until_ = until;
  return token;
}

StatusOr<SecretBytes> CredentialSource::Token() {
  if (!static_token_.empty() && token_file_.empty() && !exec_)
    return static_token_.Clone();
  std::lock_guard<std::mutex> l(mu_);
  TimePoint now = clock_.Now();
  if (!cached_.empty() && now < cached_until_) return cached_.Clone();
  if (!token_file_.empty()) {
    auto t = ReadFile(token_file_);
    if (!t.ok()) return t.status().WithContext("token file");
    std::string tok = std::move(t).value();
    while (!tok.empty() && std::isspace(static_cast<unsigned char>(tok.back())))
      tok.pop_back();
    cached_ = SecretBytes(std::move(tok));
    cached_until_ = now + kTokenFileRefresh;
    return cached_.Clone();
  }
  if (exec_) {
    ASSIGN_OR_RETURN(cached_, RunExec());
    return cached_.Clone();
  }
  return static_token_.Clone();
}

}  // namespace certstore::kube
