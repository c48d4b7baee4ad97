// engine::ObjectSource backed by the API server (GETs through the kube client).
// The operator caches only the Secrets it manages; trust-source
// Secrets/ConfigMaps and password Secrets belong to users, so they are read
// on demand. A read error other than NotFound is remembered so the reconcile
// can retry instead of treating the object as absent.
//
// One source lives for one reconcile: each object is read at most once
// (later reads return the same answer). A Secret the `managed` cache holds
// whole (an issuer's CA Secret: cached_kinds.h) is taken from there without
// a GET, and so is the outline of any cached managed Secret; a CertStore's
// Secret is cached as a digest only and is read, and so is a partial one
// (metadata only: a labelled Secret the operator did not write). A stale cached
// copy is harmless: writes carry its resourceVersion and fail with a conflict,
// and the change that made it stale triggers another reconcile.
#ifndef CERTSTORE_CONTROLLER_API_OBJECT_SOURCE_H_
#define CERTSTORE_CONTROLLER_API_OBJECT_SOURCE_H_

#include <map>

#include "operator/common/status.h"
#include "operator/engine/object_source.h"
#include "operator/kube/client.h"
#include "operator/kube/informer.h"

namespace certstore::controller {

class ApiObjectSource : public engine::ObjectSource {
 public:
  explicit ApiObjectSource(kube::Client& client,
                           const kube::ObjectCache* managed = nullptr)
      : client_(client), managed_(managed) {}
  std::optional<api::SecretObject> GetSecret(
      const std::string& ns, const std::string& name) const override;
  std::optional<api::ConfigMapObject> GetConfigMap(
      const std::string& ns, const std::string& name) const override;
  // From the `managed` cache only (metadata, type, data digest): nullopt for
  // a Secret it does not hold whole or as a digest (never a GET).
  std::optional<engine::SecretOutline> OutlineSecret(
      const std::string& ns, const std::string& name) const override;
  // The first error other than NotFound seen by this source (OK if none).
  const Status& error() const { return error_; }

 private:
  kube::Client& client_;
  const kube::ObjectCache* managed_;
  mutable Status error_;
  mutable std::map<std::string, std::optional<api::SecretObject>> secrets_;
  mutable std::map<std::string, std::optional<api::ConfigMapObject>>
      config_maps_;
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_API_OBJECT_SOURCE_H_
