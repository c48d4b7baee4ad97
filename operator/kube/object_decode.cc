#include "operator/kube/object_decode.h"

#include <algorithm>
#include <tuple>
#include <vector>

namespace certstore::kube {
namespace {

constexpr char kLastApplied[] =
    "kubectl.kubernetes.io/last-applied-configuration";
// A kept label or annotation value of a partial object is at most this long.
constexpr size_t kMaxSkeletonValue = 1024;

bool Contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Bytes the filter's fields hold (keys and string values, as sent).
size_t PayloadBytes(json::Value object, const PayloadFilter& filter) {
  size_t bytes = 0;
  for (const auto& f : filter.fields)
    for (const auto& [k, v] : object[f].Members())
      bytes += k.size() + v.String().size();
  return bytes;
}

// metadata without managedFields and the last-applied annotation.
void WriteTrimmedMetadata(json::Writer& w, json::Value md) {
  w.Key("metadata").BeginObject();
  for (const auto& [k, v] : md.Members()) {
    if (k == "managedFields") continue;
    if (k == "annotations" && v.IsObject()) {
      w.Key(k).BeginObject();
      for (const auto& [ak, av] : v.Members())
        if (ak != kLastApplied) w.Key(ak).Copy(av);
      w.EndObject();
      continue;
    }
    w.Key(k).Copy(v);
  }
  w.EndObject();
}

// The metadata skeleton of a partial object: identity, the controller
// ownerReference and the filter's labels and annotations (each ≤ 1 KiB).
// Cuts `meta` to the same.
void WriteSkeleton(json::Writer& w, const PayloadFilter& filter,
                   ObjectMeta* meta) {
  ObjectMeta kept;
  kept.ns = meta->ns;
  kept.name = meta->name;
  kept.uid = meta->uid;
  kept.resource_version = meta->resource_version;
  kept.generation = meta->generation;
  w.Key("metadata").BeginObject();
  const std::string uid = meta->uid.str();
  const std::string rv = meta->resource_version.str();
  for (auto [k, v] :
       {std::pair<const char*, const std::string&>{"name", meta->name},
        {"namespace", meta->ns},
        {"uid", uid},
        {"resourceVersion", rv}})
    if (!v.empty()) w.Field(k, v);
  if (meta->generation != 0) w.Field("generation", meta->generation);
  for (auto [names, from, to, field] :
       {std::make_tuple(&filter.labels, &meta->labels, &kept.labels, "labels"),
        std::make_tuple(&filter.annotations, &meta->annotations,
                        &kept.annotations, "annotations")}) {
    for (const auto& n : *names) {
      auto it = from->find(n);
      if (it == from->end() || it->second.size() > kMaxSkeletonValue) continue;
      to->Set(n, it->second);
    }
    if (!to->empty()) w.StringMap(field, to->ToMap());
  }
  for (const auto& o : meta->owners) {
    if (!o.controller) continue;
    kept.owners.push_back(o);
    w.Key("ownerReferences")
        .BeginArray()
        .BeginObject()
        .Field("apiVersion", o.api_version)
        .Field("kind", o.kind)
        .Field("name", o.name)
        .Field("uid", o.uid)
        .Field("controller", true)
        .EndObject()
        .EndArray();
    break;
  }
  w.EndObject();
  *meta = std::move(kept);
}

}  // namespace

ObjectMeta MetaFromJson(json::Value object) {
  ObjectMeta m;
  json::Value md = object["metadata"];
  if (!md.IsObject()) return m;
  m.ns = md["namespace"].String();
  m.name = md["name"].String();
  m.uid = md["uid"].String();
  m.resource_version = md["resourceVersion"].String();
  m.generation = md["generation"].Int().value_or(0);
  m.labels = md["labels"].StringMap();
  std::map<std::string, std::string> annotations =
      md["annotations"].StringMap();
  annotations.erase(kLastApplied);
  m.annotations = annotations;
  std::vector<OwnerList::Owner> owners;
  for (const json::Value& r : md["ownerReferences"].Elements()) {
    if (!r.IsObject()) continue;
    owners.push_back({r["apiVersion"].String(), r["kind"].String(),
                      r["name"].String(), r["uid"].String(),
                      r["controller"].Bool()});
  }
  m.owners = OwnerList(owners);
  return m;
}

DecodedObject DecodeForCache(json::Value object, const PayloadFilter* filter,
                             std::string_view api_version,
                             std::string_view kind) {
  DecodedObject d;
  d.meta = MetaFromJson(object);
  if (filter != nullptr && filter->keep) {
    bool too_big = filter->max_kept_bytes > 0 &&
                   PayloadBytes(object, *filter) > filter->max_kept_bytes;
    d.partial = too_big || !filter->keep(d.meta);
  }
  json::Writer w;
  w.BeginObject();
  if (!object["apiVersion"].IsString() && !api_version.empty())
    w.Field("apiVersion", api_version);
  if (!object["kind"].IsString() && !kind.empty()) w.Field("kind", kind);
  for (const auto& [k, v] : object.Members()) {
    if (k == "metadata") {
      if (d.partial) {
        WriteSkeleton(w, *filter, &d.meta);
      } else if (v.IsObject()) {
        WriteTrimmedMetadata(w, v);
      } else {
        w.Key(k).Copy(v);
      }
      continue;
    }
    if (d.partial && Contains(filter->fields, k)) continue;
    w.Key(k).Copy(v);
  }
  d.json = w.EndObject().Take();
  return d;
}

}  // namespace certstore::kube
