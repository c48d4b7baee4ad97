#include "operator/kube/watch.h"

#include <cpprest/json.h>

#include <tuple>

#include "operator/kube/api_error.h"
#include "operator/kube/json_trim.h"

namespace certstore::kube {
namespace {

std::string Str(const web::json::object& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->second.is_string() ? it->second.as_string() : "";
}

}  // namespace

ObjectMeta MetaFromJson(const web::json::value& obj) {
  ObjectMeta m;
  if (!obj.is_object()) return m;
  auto md = obj.as_object().find("metadata");
  if (md == obj.as_object().end() || !md->second.is_object()) return m;
  const auto& o = md->second.as_object();
  m.ns = Str(o, "namespace");
  m.name = Str(o, "name");
  m.uid = Str(o, "uid");
  m.resource_version = Str(o, "resourceVersion");
  auto gen = o.find("generation");
  if (gen != o.end() && gen->second.is_integer())
    m.generation = gen->second.as_number().to_int64();
  for (auto [field, out] :
       {std::pair<const char*, std::map<std::string, std::string>*>{"labels",
                                                                    &m.labels},
        {"annotations", &m.annotations}}) {
    auto it = o.find(field);
    if (it != o.end() && it->second.is_object())
      for (const auto& [k, v] : it->second.as_object())
        if (v.is_string()) (*out)[k] = v.as_string();
  }
  auto owners = o.find("ownerReferences");
  if (owners != o.end() && owners->second.is_array())
    for (const auto& ref : owners->second.as_array()) {
      if (!ref.is_object()) continue;
      const auto& r = ref.as_object();
      ObjectOwner w{Str(r, "apiVersion"), Str(r, "kind"), Str(r, "name"),
                    Str(r, "uid")};
      auto c = r.find("controller");
      w.controller =
          c != r.end() && c->second.is_boolean() && c->second.as_bool();
      m.owners.push_back(std::move(w));
    }
  return m;
}

bool ApplyPayloadFilter(const PayloadFilter* filter, ObjectMeta* meta,
                        web::json::value* object) {
  if (filter == nullptr || !filter->keep || !object->is_object()) return false;
  size_t bytes = 0;
  for (const auto& f : filter->fields)
    if (object->has_field(f) && object->at(f).is_object())
      for (const auto& [k, v] : object->at(f).as_object())
        bytes += k.size() + (v.is_string() ? v.as_string().size() : 0);
  bool too_big = filter->max_kept_bytes > 0 && bytes > filter->max_kept_bytes;
  if (!too_big && filter->keep(*meta)) return false;
  for (const auto& f : filter->fields)
    if (object->has_field(f))
      object->erase(f);  // erase() throws for a missing key
  // The metadata skeleton.
  constexpr size_t kMaxValue = 1024;
  web::json::value md = web::json::value::object();
  auto set = [&md](const char* k, const std::string& v) {
    if (!v.empty()) md[k] = web::json::value::string(v);
  };
  set("name", meta->name);
  set("namespace", meta->ns);
  set("uid", meta->uid);
  set("resourceVersion", meta->resource_version);
  if (meta->generation != 0)
    md["generation"] = web::json::value::number(meta->generation);
  ObjectMeta kept;
  kept.ns = meta->ns;
  kept.name = meta->name;
  kept.uid = meta->uid;
  kept.resource_version = meta->resource_version;
  kept.generation = meta->generation;
  for (auto [names, from, to, field] :
       {std::make_tuple(&filter->labels, &meta->labels, &kept.labels, "labels"),
        std::make_tuple(&filter->annotations, &meta->annotations,
                        &kept.annotations, "annotations")}) {
    web::json::value m = web::json::value::object();
    for (const auto& n : *names) {
      auto it = from->find(n);
      if (it == from->end() || it->second.size() > kMaxValue) continue;
      (*to)[n] = it->second;
      m[n] = web::json::value::string(it->second);
    }
    if (!to->empty()) md[field] = m;
  }
  for (const auto& o : meta->owners) {
    if (!o.controller) continue;
    kept.owners.push_back(o);
    web::json::value ref = web::json::value::object();
    ref["apiVersion"] = web::json::value::string(o.api_version);
    ref["kind"] = web::json::value::string(o.kind);
    ref["name"] = web::json::value::string(o.name);
    ref["uid"] = web::json::value::string(o.uid);
    ref["controller"] = web::json::value::boolean(true);
    md["ownerReferences"] = web::json::value::array({ref});
    break;
  }
  (*object)["metadata"] = md;
  *meta = std::move(kept);
  return true;
}

StatusOr<ObjectMeta> ParseObjectMeta(const std::string& object_json) {
  try {
    auto v = web::json::value::parse(object_json);
    if (!v.is_object())
      return InvalidArgumentError("object is not a JSON object");
    return MetaFromJson(v);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("object is not valid JSON: ") +
                                e.what());
  }
}

Status WatchDecoder::Feed(const std::string& chunk,
                          std::vector<WatchEvent>* out) {
  buffer_ += chunk;
  size_t start = 0, nl;
  while ((nl = buffer_.find('\n', start)) != std::string::npos) {
    std::string line = buffer_.substr(start, nl - start);
    start = nl + 1;
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    try {
      auto v = web::json::value::parse(line);
      if (!v.is_object())
        return InvalidArgumentError("watch line is not a JSON object");
      const auto& o = v.as_object();
      std::string type = Str(o, "type");
      auto obj = o.find("object");
      if (obj == o.end())
        return InvalidArgumentError("watch event without object");
      WatchEvent e;
      if (type == "ADDED")
        e.type = WatchEvent::Type::kAdded;
      else if (type == "MODIFIED")
        e.type = WatchEvent::Type::kModified;
      else if (type == "DELETED")
        e.type = WatchEvent::Type::kDeleted;
      else if (type == "BOOKMARK")
        e.type = WatchEvent::Type::kBookmark;
      else if (type == "ERROR")
        e.type = WatchEvent::Type::kError;
      else
        return InvalidArgumentError("unknown watch event type \"" + type +
                                    "\"");
      web::json::value& object = v.at("object");
      TrimForCache(&object);
      if (e.type == WatchEvent::Type::kError) {
        if (object.is_object()) {
          const auto& so = object.as_object();
          auto code = so.find("code");
          if (code != so.end() && code->second.is_integer())
            e.error_code = code->second.as_integer();
          e.error_message = Str(so, "message");
        }
      } else {
        e.meta = MetaFromJson(object);
        if (e.type != WatchEvent::Type::kBookmark)
          e.partial = ApplyPayloadFilter(filter_, &e.meta, &object);
      }
      e.object = object.serialize();
      out->push_back(std::move(e));
    } catch (const std::exception& ex) {
      return InvalidArgumentError(
          std::string("watch line is not valid JSON: ") + ex.what());
    }
  }
  buffer_.erase(0, start);
  return OkStatus();
}

Status WatchOnce(Client& client, const Resource& r, const std::string& ns,
                 const WatchOptions& opts,
                 const std::function<bool(const WatchEvent&)>& on_event) {
  HttpRequest req;
  req.verb = "WATCH";
  req.path = r.Path(ns) + "?watch=true";
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) req.path += std::string("&") + k + "=" + UrlEncode(v);
  };
  add("resourceVersion", opts.resource_version);
  add("labelSelector", opts.label_selector);
  add("fieldSelector", opts.field_selector);
  if (opts.allow_bookmarks) add("allowWatchBookmarks", "true");
  add("timeoutSeconds", std::to_string(opts.timeout_seconds));
  // The idle timeout must outlast the server's own timeout.
  req.timeout = std::chrono::seconds(opts.timeout_seconds + 30);
  if (opts.metadata_only) req.accept = kPartialObjectMetadataJson;

  int status = 0;
  std::string error_body;
  WatchDecoder decoder(opts.payload_filter);
  Status result = OkStatus();
  bool stopped = false;
  Status st = client.transport().Stream(
      req, [&](int s) { status = s; },
      [&](const std::string& chunk) {
        if (status < 200 || status >= 300) {
          error_body += chunk;
          return true;
        }
        std::vector<WatchEvent> events;
        Status fs = decoder.Feed(chunk, &events);
        if (!fs.ok()) {
          result = fs;
          return false;
        }
        for (const auto& e : events) {
          if (e.type == WatchEvent::Type::kError) {
            HttpResponse fake{e.error_code, e.object, {}};
            result = StatusFromResponse(fake, "watch " + r.Qualified());
            if (result.ok()) result = UnavailableError("watch error event");
            return false;
          }
          if (!on_event(e)) {
            stopped = true;
            return false;
          }
        }
        return true;
      });
  if (!st.ok()) return st;
  if (status < 200 || status >= 300) {
    HttpResponse resp{status, error_body, {}};
    return StatusFromResponse(resp, "watch " + r.Qualified());
  }
  (void)stopped;
  return result;
}

}  // namespace certstore::kube
