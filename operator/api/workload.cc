#include "operator/api/workload.h"

#include <algorithm>
#include <optional>
#include <set>

#include "operator/api/json.h"

namespace certstore::api {
namespace {

void Add(std::set<std::string>* names, std::string_view name) {
  if (!name.empty()) names->insert(std::string(name));
}

void FromContainers(const json::Value& containers,
                    std::set<std::string>* names) {
  for (const json::Value& c : containers.Elements()) {
    for (const json::Value& e : c["env"].Elements())
      Add(names, e["valueFrom"]["secretKeyRef"]["name"].String());
    for (const json::Value& e : c["envFrom"].Elements())
      Add(names, e["secretRef"]["name"].String());
  }
}

}  // namespace

StatusOr<WorkloadSecrets> ParseWorkloadSecrets(const std::string& text) {
  std::string error;
  std::optional<json::Document> parsed = json::Document::Parse(text, &error);
  if (!parsed) return InvalidArgumentError(error);
  if (!parsed->Root().IsObject())
    return InvalidArgumentError("a workload must be a JSON object");
  json::Value pod = parsed->Root()["spec"]["template"]["spec"];
  std::set<std::string> names;
  for (const json::Value& v : pod["volumes"].Elements()) {
    Add(&names, v["secret"]["secretName"].String());
    for (const json::Value& s : v["projected"]["sources"].Elements())
      Add(&names, s["secret"]["name"].String());
  }
  for (const char* field :
       {"containers", "initContainers", "ephemeralContainers"})
    FromContainers(pod[field], &names);
  WorkloadSecrets out;
  for (const std::string& n : names) {
    if (out.names.size() == kMaxWorkloadSecrets) {
      out.truncated = true;
      break;
    }
    out.names.push_back(n);
  }
  return out;
}

}  // namespace certstore::api
