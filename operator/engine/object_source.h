// Read access to the Secrets and ConfigMaps a CertStore or issuer refers to.
// The operator backs it with its informer cache; `kubectl-certstore render`
// with the objects in its input files and state directory.
#ifndef CERTSTORE_ENGINE_OBJECT_SOURCE_H_
#define CERTSTORE_ENGINE_OBJECT_SOURCE_H_

#include <map>
#include <optional>
#include <string>

#include "operator/api/types.h"

namespace certstore::engine {

// A Secret without its data: its metadata, type and the digest of its data
// (engine::DataDigest). Enough to check ownership and a seal (seal.h).
struct SecretOutline {
  api::ObjectMeta metadata;
  std::string type;
  std::string data_digest;
};

class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // The Secret namespace/name, or nullopt if it does not exist.
  virtual std::optional<api::SecretObject> GetSecret(
      const std::string& ns, const std::string& name) const = 0;
  // The outline of Secret namespace/name when it can be had without reading
  // its data (the operator: from its cache); nullopt when the Secret is
  // absent or not known that way (read it with GetSecret). The default
  // outlines GetSecret's answer.
  virtual std::optional<SecretOutline> OutlineSecret(
      const std::string& ns, const std::string& name) const;
  virtual std::optional<api::ConfigMapObject> GetConfigMap(
      const std::string& ns, const std::string& name) const = 0;
};

// An in-memory ObjectSource. Not thread-safe for concurrent Put and Get.
class MapObjectSource : public ObjectSource {
 public:
  void PutSecret(api::SecretObject s) {
    secrets_[s.metadata.namespace_ + "/" + s.metadata.name] = std::move(s);
  }
  void PutConfigMap(api::ConfigMapObject c) {
    config_maps_[c.metadata.namespace_ + "/" + c.metadata.name] = std::move(c);
  }
  std::optional<api::SecretObject> GetSecret(
      const std::string& ns, const std::string& name) const override {
    auto it = secrets_.find(ns + "/" + name);
    if (it == secrets_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<api::ConfigMapObject> GetConfigMap(
      const std::string& ns, const std::string& name) const override {
    auto it = config_maps_.find(ns + "/" + name);
    if (it == config_maps_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, api::SecretObject> secrets_;
  std::map<std::string, api::ConfigMapObject> config_maps_;
};

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_OBJECT_SOURCE_H_
