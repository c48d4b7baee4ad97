// From one API object as sent (a list page item or a watch event's object)
// to what the informer cache keeps (kube-internal).
//
// metadata.managedFields (server-side field ownership, often a third of a
// small object) and kubectl's last-applied-configuration annotation (a
// second copy of the spec) are never read by the operator and are dropped.
// A PayloadFilter may drop more (watch.h).
#ifndef CERTSTORE_KUBE_OBJECT_DECODE_H_
#define CERTSTORE_KUBE_OBJECT_DECODE_H_

#include <string>

#include "operator/api/json.h"
#include "operator/kube/watch.h"

namespace certstore::kube {

// metadata of an object (empty fields where absent or mistyped; without the
// last-applied-configuration annotation).
ObjectMeta MetaFromJson(json::Value object);

struct DecodedObject {
  ObjectMeta meta;
  std::string json;      // the object as cached
  bool partial = false;  // `filter` dropped fields (see PayloadFilter)
};

// REQUIRES: object.IsObject(). `filter` may be null (keep everything).
// `api_version` and `kind` are written when the object lacks them (the API
// server leaves them off list items; the parsers need them).
DecodedObject DecodeForCache(json::Value object, const PayloadFilter* filter,
                             std::string_view api_version = "",
                             std::string_view kind = "");

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_OBJECT_DECODE_H_
