// REST verbs on API resources. Objects travel as JSON text; callers parse
// them (operator/api for our kinds). Thread-safe.
#ifndef CERTSTORE_KUBE_CLIENT_H_
#define CERTSTORE_KUBE_CLIENT_H_

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "operator/common/status.h"
#include "operator/kube/resource.h"
#include "operator/kube/transport.h"

namespace certstore::kube {

struct ListOptions {
  std::string
      label_selector;  // "app.kubernetes.io/managed-by=certstore-operator"
  std::string field_selector;  // "metadata.name=x"
  int64_t limit = 0;           // page size; 0 = server default (all)
  std::string continue_token;
  std::string resource_version;
  // Items carry metadata only (PartialObjectMetadataList): for listing
  // objects whose data the caller must not hold, e.g. anyone can label.
  bool metadata_only = false;
};

enum class PatchType { kMerge, kJson, kStrategicMerge };

struct DeleteOptions {
  std::string propagation_policy;  // "Foreground", "Background", "Orphan"
  std::string precondition_uid;
  std::string precondition_resource_version;
};

struct ClientOptions {
  double qps = 0;  // client-side rate limit; 0 = none
  int burst = 10;
  std::chrono::seconds timeout{30};
  int max_throttle_retries = 3;  // on 429, honouring Retry-After
  // Sleeps between retries; tests replace it.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class Client {
 public:
  Client(Transport& transport, ClientOptions options = ClientOptions());

  // Each returns the object (or list) JSON from the server, or a Status from
  // api_error.h whose message names the verb, resource and object.
  StatusOr<std::string> Get(const Resource& r, const std::string& ns,
                            const std::string& name,
                            const std::string& subresource = "");
  StatusOr<std::string> List(const Resource& r, const std::string& ns,
                             const ListOptions& opts = ListOptions());
  StatusOr<std::string> Create(const Resource& r, const std::string& ns,
                               const std::string& json);
  // PUT; the object's metadata.resourceVersion makes it a compare-and-swap
  // (Aborted on conflict).
  StatusOr<std::string> Update(const Resource& r, const std::string& ns,
                               const std::string& name, const std::string& json,
                               const std::string& subresource = "");
  StatusOr<std::string> Patch(const Resource& r, const std::string& ns,
                              const std::string& name, PatchType type,
                              const std::string& body,
                              const std::string& subresource = "");
  // Server-side apply (application/apply-patch+yaml; JSON is YAML).
  StatusOr<std::string> Apply(const Resource& r, const std::string& ns,
                              const std::string& name, const std::string& body,
                              const std::string& field_manager, bool force,
                              const std::string& subresource = "");
  Status Delete(const Resource& r, const std::string& ns,
                const std::string& name,
                const DeleteOptions& opts = DeleteOptions());

  Transport& transport() { return transport_; }

 private:
  StatusOr<std::string> Send(HttpRequest req, const std::string& what);
  void Throttle();

  Transport& transport_;
  ClientOptions options_;
  std::mutex mu_;
  double tokens_;                               // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point last_;  // GUARDED_BY(mu_)
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_CLIENT_H_
