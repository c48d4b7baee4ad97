// The subcommands of kubectl-certstore. Each returns the process exit code:
// 0 success, 1 bad input or failure (message on stderr), 2 usage error, or
// (commands that read a cluster) access refused: not found, forbidden,
// unreachable (cluster.h).
#ifndef CERTSTORE_CLI_COMMANDS_H_
#define CERTSTORE_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace certstore::cli {

int RunRender(const std::vector<std::string>& args);
int RunInspect(const std::vector<std::string>& args);
int RunRenew(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);
int RunDiagnose(const std::vector<std::string>& args);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_COMMANDS_H_
