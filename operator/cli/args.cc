#include "operator/cli/args.h"

namespace certstore::cli {

std::string Args::Get(const std::string& name, const std::string& def) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return def;
  return it->second.back();
}

const std::vector<std::string>& Args::All(const std::string& name) const {
  static const std::vector<std::string> kEmpty;
  auto it = values.find(name);
  return it == values.end() ? kEmpty : it->second;
}

StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                         const std::vector<FlagSpec>& flags) {
  Args out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    std::string name, value;
    bool has_value = false;
    if (a[1] == '-') {
      name = a.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
    } else {
      name = a.substr(1);
    }
    const FlagSpec* spec = nullptr;
    for (const auto& f : flags)
      if (f.name == name || (name.size() == 1 && f.short_name == name[0]))
        spec = &f;
    if (spec == nullptr) return InvalidArgumentError("unknown flag " + a);
    if (!spec->takes_value || (spec->optional_value && !has_value)) {
      out.switches.insert(spec->name);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argv.size())
        return InvalidArgumentError("flag --" + spec->name + " needs a value");
      value = argv[++i];
    }
    out.values[spec->name].push_back(value);
  }
  return out;
}

}  // namespace certstore::cli
