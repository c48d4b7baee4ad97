// Runs the built kubectl-certstore binary (path from KUBECTL_CERTSTORE) with
// its stdout and stderr captured, and gives each test a temporary directory.
#ifndef CERTSTORE_TESTS_CLI_CLI_RUNNER_H_
#define CERTSTORE_TESTS_CLI_CLI_RUNNER_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace certstore::cli::testing {

namespace fs = std::filesystem;

struct RunResult {
  int code = -1;  // exit status; -1 if it did not exit normally
  std::string out, err;
  std::string All() const { return out + err; }
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void Spit(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A fresh directory, removed with everything in it at the end of the test.
class TempDir : public certstore::testing::TempDir {
 public:
  TempDir() : certstore::testing::TempDir("certstore-cli") {}
};

// Runs kubectl-certstore `args`; output goes through files in `capture_dir`
// (so a chatty child can never block on a full pipe).
// `stdin_path`, when given, becomes its standard input.
inline RunResult RunCli(const std::vector<std::string>& args,
                        const std::string& capture_dir,
                        const std::string& stdin_path = "") {
  std::string out_path = capture_dir + "/.stdout",
              err_path = capture_dir + "/.stderr";
  std::vector<std::string> all = {KUBECTL_CERTSTORE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(126);
    if (!stdin_path.empty()) {
      int i = ::open(stdin_path.c_str(), O_RDONLY);
      if (i < 0 || ::dup2(i, 0) < 0) ::_exit(126);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  RunResult r;
  int status = 0;
  EXPECT_GT(pid, 0);
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  return r;
}

inline std::string LabYaml() {
  return std::string(CERTSTORE_SOURCE_DIR) + "/examples/mtls-lab.yaml";
}

}  // namespace certstore::cli::testing

#endif  // CERTSTORE_TESTS_CLI_CLI_RUNNER_H_
