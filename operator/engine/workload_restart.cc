#include "operator/engine/workload_restart.h"

#include <algorithm>
#include <optional>

namespace certstore::engine {
namespace {

constexpr size_t kDigestChars = 16;

// The record as written by StoresRecord; nullopt for anything else.
std::optional<std::map<std::string, std::string>> ParseRecord(
    const std::string& record) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < record.size()) {
    size_t end = record.find(',', pos);
    if (end == std::string::npos) end = record.size();
    std::string item = record.substr(pos, end - pos);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 ||
        item.size() - eq - 1 != kDigestChars)
      return std::nullopt;
    out[item.substr(0, eq)] = item.substr(eq + 1);
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string StoresRecord(const StoreDigests& stores) {
  std::string out;
  for (const auto& [name, digest] : stores) {
    if (!out.empty()) out += ",";
    out += name + "=" + digest.substr(0, kDigestChars);
  }
  return out;
}

RestartDecision DecideRestart(const std::string& recorded,
                              const StoreDigests& current,
                              const std::vector<std::string>& referenced) {
  RestartDecision d;
  auto before = ParseRecord(recorded);
  // What the pods hold: the Secrets as they are now, and those recorded
  // that are still read but gone for the moment, as recorded.
  StoreDigests holding = current;
  if (before)
    for (const auto& [name, digest] : *before)
      if (!holding.count(name) &&
          std::binary_search(referenced.begin(), referenced.end(), name))
        holding[name] = digest;
  if (current.empty()) return d;
  d.record = StoresRecord(holding);
  if (d.record == recorded) return d;
  if (!before || before->empty()) {
    d.action = RestartDecision::Action::kRecord;
    return d;
  }
  for (const auto& [name, digest] : current) {
    auto it = before->find(name);
    if (it != before->end() && it->second != digest.substr(0, kDigestChars))
      d.changed.push_back(name);
  }
  d.action = d.changed.empty() ? RestartDecision::Action::kRecord
                               : RestartDecision::Action::kRestart;
  return d;
}

}  // namespace certstore::engine
