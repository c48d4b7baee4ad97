#include "operator/kube/watch.h"

#include <string_view>

#include "operator/api/json.h"
#include "operator/kube/api_error.h"
#include "operator/kube/object_decode.h"

namespace certstore::kube {
StatusOr<ObjectMeta> ParseObjectMeta(const std::string& object_json) {
  std::string error;
  auto doc = json::Document::Parse(object_json, &error);
  if (!doc) return InvalidArgumentError("object is not valid JSON: " + error);
  if (!doc->Root().IsObject())
    return InvalidArgumentError("object is not a JSON object");
  return MetaFromJson(doc->Root());
}

Status WatchDecoder::Feed(const std::string& chunk,
                          std::vector<WatchEvent>* out) {
  buffer_ += chunk;
  size_t start = 0, nl;
  while ((nl = buffer_.find('\n', start)) != std::string::npos) {
    std::string_view line(buffer_.data() + start, nl - start);
    start = nl + 1;
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    std::string error;
    auto doc = json::Document::Parse(line, &error);
    if (!doc)
      return InvalidArgumentError("watch line is not valid JSON: " + error);
    json::Value v = doc->Root();
    if (!v.IsObject())
      return InvalidArgumentError("watch line is not a JSON object");
    std::string_view type = v["type"].String();
    json::Value object = v["object"];
    if (!object.Exists())
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
      return InvalidArgumentError("unknown watch event type \"" +
                                  std::string(type) + "\"");
    if (e.type == WatchEvent::Type::kError || !object.IsObject()) {
      int64_t code = object["code"].Int().value_or(0);
      e.error_code = code >= 100 && code <= 599 ? static_cast<int>(code) : 0;
      e.error_message = object["message"].String();
      e.object = object.Serialize();
    } else {
      DecodedObject d = DecodeForCache(
          object, e.type == WatchEvent::Type::kBookmark ? nullptr : filter_);
      e.meta = std::move(d.meta);
      e.partial = d.partial;
      e.object = std::move(d.json);
    }
    out->push_back(std::move(e));
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
