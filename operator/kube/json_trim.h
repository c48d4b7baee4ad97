// Trimming objects before they are cached (kube-internal; cpprestsdk JSON).
// metadata.managedFields (server-side field ownership, often a third of a
// small object) and kubectl's last-applied-configuration annotation (a
// second copy of the spec) are never read by the operator; dropping them
// keeps the caches small (docs/benchmarks.md).
#ifndef CERTSTORE_KUBE_JSON_TRIM_H_
#define CERTSTORE_KUBE_JSON_TRIM_H_

#include <cpprest/json.h>

#include "operator/kube/watch.h"

namespace certstore::kube {

inline void TrimForCache(web::json::value* object) {
  if (!object->is_object() || !object->has_field("metadata")) return;
  web::json::value& md = object->at("metadata");
  if (!md.is_object()) return;
  // erase() throws for a missing key.
  if (md.has_field("managedFields")) md.erase("managedFields");
  const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";
  if (md.has_field("annotations") && md.at("annotations").is_object() &&
      md.at("annotations").has_field(kLastApplied))
    md.at("annotations").erase(kLastApplied);
}

// metadata of an object (empty fields where absent or mistyped).
ObjectMeta MetaFromJson(const web::json::value& object);

// Drops `filter`'s fields from `object` unless its `keep` accepts `meta`,
// and cuts `object`'s metadata and `meta` to the skeleton; true if so (the
// object is then partial). No-op without a filter.
bool ApplyPayloadFilter(const PayloadFilter* filter, ObjectMeta* meta,
                        web::json::value* object);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_JSON_TRIM_H_
