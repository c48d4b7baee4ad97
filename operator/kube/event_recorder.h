// Kubernetes Events about our objects, aggregated: repeats of the same
// (object, type, reason, message) update one Event's count and
// lastTimestamp instead of creating an object per occurrence. The Event's
// name is derived from those four, so repeats after a restart land on the
// same Event too. Thread-safe. Callers must never put keys or passwords in
// a message.
#ifndef CERTSTORE_KUBE_EVENT_RECORDER_H_
#define CERTSTORE_KUBE_EVENT_RECORDER_H_

#include <map>
#include <mutex>
#include <string>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"

namespace certstore::kube {

struct ObjectReference {
  std::string api_version;  // "certstore.dev/v1alpha1"
  std::string kind;         // "CertStore"
  std::string ns;           // empty for cluster-scoped objects
  std::string name;
  std::string uid;
};

class EventRecorder {
 public:
  // `events_ns` receives Events about cluster-scoped objects.
  EventRecorder(Client& client, std::string component, std::string instance,
                std::string events_ns, const Clock& clock);

  // type: "Normal" or "Warning"; reason: CamelCase; message: one line (cut
  // at 1024 bytes). Returns the API error, if any; Events are best effort.
  Status Record(const ObjectReference& obj, const std::string& type,
                const std::string& reason, const std::string& message);

 private:
  Client& client_;
  std::string component_, instance_, events_ns_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, int> counts_;  // GUARDED_BY(mu_) event name -> count
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_EVENT_RECORDER_H_
