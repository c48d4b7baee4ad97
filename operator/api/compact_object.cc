#include "operator/api/compact_object.h"

#include <optional>

#include "operator/api/json.h"

namespace certstore::api {

std::string CompactObjectJson(const std::string& json_text) {
  std::optional<json::Document> doc = json::Document::Parse(json_text);
  if (!doc || !doc->Root().IsObject()) return "";
  const json::Value root = doc->Root();
  json::Writer w;
  w.BeginObject();
  for (const char* top : {"apiVersion", "kind"})
    if (root[top].Exists()) w.Key(top).Copy(root[top]);
  const json::Value meta = root["metadata"];
  if (meta.IsObject()) {
    w.Key("metadata").BeginObject();
    for (const char* m :
         {"name", "namespace", "uid", "resourceVersion", "generation"})
      if (meta[m].Exists()) w.Key(m).Copy(meta[m]);
    w.EndObject();
  } else if (meta.Exists()) {
    w.Key("metadata").Copy(meta);  // not an object: the parse says so
  }
  for (const char* top : {"spec", "status"})
    if (root[top].Exists()) w.Key(top).Copy(root[top]);
  w.EndObject();
  std::string out = w.Take();
  out.shrink_to_fit();  // kept for as long as the object is cached
  return out;
}

}  // namespace certstore::api
