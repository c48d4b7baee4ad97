// ObjectSource backed by the API server (GETs through the kube client).
// The operator caches only the Secrets it manages; CA Secrets, trust-source
// Secrets/ConfigMaps and password Secrets belong to users, so they are read
// on demand. A read error other than NotFound is remembered so the reconcile
// can retry instead of treating the object as absent.
#ifndef CERTSTORE_CONTROLLER_API_OBJECT_SOURCE_H_
#define CERTSTORE_CONTROLLER_API_OBJECT_SOURCE_H_

#include "operator/common/status.h"
#include "operator/controller/object_source.h"
#include "operator/kube/client.h"

namespace certstore::controller {

class ApiObjectSource : public ObjectSource {
 public:
  explicit ApiObjectSource(kube::Client& client) : client_(client) {}
  std::optional<api::SecretObject> GetSecret(const std::string& ns,
                                             const std::string& name) const override;
  std::optional<api::ConfigMapObject> GetConfigMap(const std::string& ns,
                                                   const std::string& name) const override;
  // The first error other than NotFound seen by this source (OK if none).
  const Status& error() const { return error_; }

 private:
  kube::Client& client_;
  mutable Status error_;
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_API_OBJECT_SOURCE_H_
