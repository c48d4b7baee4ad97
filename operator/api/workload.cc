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

// See WorkloadSecrets::rolled_out.
bool RolledOut(const json::Value& w) {
  json::Value spec = w["spec"], st = w["status"];
  std::optional<int64_t> generation = w["metadata"]["generation"].Int(),
                         observed = st["observedGeneration"].Int();
  if (!generation || !observed || *observed < *generation) return false;
  std::string_view kind = w["kind"].String();
  int64_t desired = spec["replicas"].Int().value_or(1);
  int64_t updated = st["updatedReplicas"].Int().value_or(0);
  if (kind == "Deployment")
    return updated >= desired && st["replicas"].Int().value_or(0) == updated;
  if (kind == "StatefulSet")
    return updated >= desired &&
           st["currentRevision"].String() == st["updateRevision"].String();
  if (kind == "DaemonSet")
    return st["updatedNumberScheduled"].Int().value_or(-1) ==
           st["desiredNumberScheduled"].Int().value_or(-2);
  return false;
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
  out.template_annotations =
      parsed->Root()["spec"]["template"]["metadata"]["annotations"].StringMap();
  out.rolled_out = RolledOut(parsed->Root());
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
