// `kubectl-certstore inspect`: what a store file (or every store in a
// Secret: inspect_secret.h) holds, in keytool's terms. Private keys are
// described (type and size), never printed.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "operator/cli/args.h"
#include "operator/cli/cluster.h"
#include "operator/cli/commands.h"
#include "operator/cli/inspect_secret.h"
#include "operator/cli/store_report.h"
#include "operator/common/files.h"

namespace certstore::cli {
namespace {
namespace fs = std::filesystem;

// Writes the description of one file to `os`.
Status InspectFile(const std::string& path, const SecretBytes& password,
                   std::ostream& os) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  StoreFacts facts;
  return DescribeStore(path, bytes, password, os, &facts);
}

// The whole of standard input (--password-file -).
StatusOr<std::string> ReadStdin() {
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  if (std::cin.bad()) return UnavailableError("cannot read standard input");
  return ss.str();
}

}  // namespace

int RunInspect(const std::vector<std::string>& argv) {
  auto args = ParseArgs(
      argv, WithClusterFlags(
                {{"password", 'p'}, {"password-file"}, {"password-env"}}));
  if (!args.ok() || args->positional.size() != 1) {
    std::cerr << "inspect: "
              << (args.ok() ? "need exactly one FILE, DIR or secret/NAME"
                            : args.status().message())
              << "\n";
    return 2;
  }
  std::string target = args->positional[0];
  const std::string kSecretPrefix = "secret/";
  bool from_cluster = target.rfind(kSecretPrefix, 0) == 0;
  if (!from_cluster &&
      (!args->Get("kubeconfig").empty() || !args->Get("context").empty() ||
       !args->Get("namespace").empty())) {
    std::cerr << "inspect: --kubeconfig, --context and -n are for "
                 "secret/NAME\n";
    return 2;
  }
  std::error_code ec;
  bool is_dir = !from_cluster && fs::is_directory(target, ec);
  std::string password = args->Get("password");
  std::string pwfile = args->Get("password-file");
  std::string pwenv = args->Get("password-env");
  if (!pwenv.empty()) {
    // Out of argv (ps shows argv to every user of the machine).
    const char* v = std::getenv(pwenv.c_str());
    if (v == nullptr) {
      std::cerr << "inspect: --password-env: environment variable " << pwenv
                << " is not set\n";
      return 1;
    }
    password = v;
  }
  if (pwfile.empty() && password.empty() && is_dir &&
      PathExists(target + "/password"))
    pwfile = target + "/password";
  if (!pwfile.empty()) {
    auto p = pwfile == "-" ? ReadStdin() : ReadFile(pwfile);
    if (!p.ok()) {
      std::cerr << "inspect: " << p.status().message() << "\n";
      return 1;
    }
    password = *p;
    while (!password.empty() &&
           (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  if (from_cluster) {
    bool given = !password.empty() || !pwfile.empty();
    return InspectSecret(
        *args, target.substr(kSecretPrefix.size()),
        given ? std::optional<SecretBytes>(std::move(password)) : std::nullopt);
  }
  SecretBytes pw(std::move(password));
  std::vector<std::string> files;
  if (is_dir) {
    for (auto& e : fs::directory_iterator(target, ec))
      if (e.is_regular_file() && e.path().filename() != "password" &&
          e.path().filename().string()[0] != '.')
        files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(target);
  }
  int rc = 0;
  for (const auto& f : files) {
    std::ostringstream os;
    Status st = InspectFile(f, pw, os);
    std::cout << os.str();
    if (!st.ok()) {
      std::cerr << "inspect: " << f << ": " << st.message() << "\n";
      rc = 1;
    }
    std::cout << "\n";
  }
  return rc;
}

}  // namespace certstore::cli
