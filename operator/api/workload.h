// What a Deployment, StatefulSet or DaemonSet's pod template reads from
// Secrets, as far as restarting it when those Secrets change goes
// (controller/workload_restarts.h). Only the pod template is read; the rest
// of the object (its status, its containers' other fields) is ignored.
#ifndef CERTSTORE_API_WORKLOAD_H_
#define CERTSTORE_API_WORKLOAD_H_

#include <map>
#include <string>
#include <vector>

#include "operator/common/status.h"

namespace certstore::api {

// At most this many distinct Secret names are taken from one pod template.
constexpr size_t kMaxWorkloadSecrets = 64;

struct WorkloadSecrets {
  // The pod template's annotations (spec.template.metadata.annotations).
  std::map<std::string, std::string> template_annotations;
  // Every pod runs the current template: status.observedGeneration has
  // caught up with metadata.generation and no pod of an older template is
  // left (Deployment: status.updatedReplicas = status.replicas >=
  // spec.replicas; StatefulSet: status.updatedReplicas >= spec.replicas and
  // currentRevision = updateRevision; DaemonSet: updatedNumberScheduled =
  // desiredNumberScheduled). By `kind`; false when unknown.
  bool rolled_out = false;
  // The Secrets of spec.template.spec (same namespace), sorted and unique:
  // volumes[].secret.secretName, volumes[].projected.sources[].secret.name,
  // and of every container, init container and ephemeral container
  // env[].valueFrom.secretKeyRef.name and envFrom[].secretRef.name.
  std::vector<std::string> names;
  bool truncated = false;  // more than kMaxWorkloadSecrets
};

// From a workload's JSON (the API server's). InvalidArgument when the text
// is not a JSON object; a template without Secrets gives no names.
StatusOr<WorkloadSecrets> ParseWorkloadSecrets(const std::string& json);

}  // namespace certstore::api

#endif  // CERTSTORE_API_WORKLOAD_H_
