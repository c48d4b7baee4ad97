#include "operator/engine/object_source.h"

#include "operator/engine/verified_stores.h"

namespace certstore::engine {

std::optional<SecretOutline> ObjectSource::OutlineSecret(
    const std::string& ns, const std::string& name) const {
  std::optional<api::SecretObject> s = GetSecret(ns, name);
  if (!s) return std::nullopt;
  SecretOutline o;
  o.metadata = s->metadata;
  o.type = s->type;
  o.data_digest = DataDigest(s->data);
  return o;
}

}  // namespace certstore::engine
