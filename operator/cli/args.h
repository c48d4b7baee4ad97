// A small command-line flag parser: "--name value", "--name=value",
// "-f value", repeated flags, boolean switches and positional arguments.
#ifndef CERTSTORE_CLI_ARGS_H_
#define CERTSTORE_CLI_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "operator/common/status.h"

namespace certstore::cli {

struct Args {
  std::map<std::string, std::vector<std::string>> values;  // by long name
  std::set<std::string> switches;
  std::vector<std::string> positional;

  // The last value of --name, or `def`.
  std::string Get(const std::string& name, const std::string& def = "") const;
  const std::vector<std::string>& All(const std::string& name) const;
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

struct FlagSpec {
  std::string name;     // long name without dashes
  char short_name = 0;  // e.g. 'f', or 0
  bool takes_value = true;
  // "--name" alone is a switch, "--name=value" a value (kubectl's --wait).
  bool optional_value = false;
};

// InvalidArgument naming the unknown flag or the flag missing its value.
StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                         const std::vector<FlagSpec>& flags);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_ARGS_H_
