#include "operator/kube/client.h"

#include <cstdio>
#include <thread>

#include "operator/api/json.h"
#include "operator/kube/api_error.h"

namespace certstore::kube {
namespace {

std::string Describe(const std::string& verb, const Resource& r,
                     const std::string& ns, const std::string& name) {
  std::string out = verb + " " + r.Qualified();
  if (!ns.empty() && r.namespaced)
    out += " " + ns + (name.empty() ? "" : "/" + name);
  else if (!name.empty())
    out += " " + name;
  return out;
}

void AddQuery(std::string* path, const std::string& key,
              const std::string& value) {
  if (value.empty()) return;
  *path += (path->find('?') == std::string::npos ? "?" : "&") + key + "=" +
           UrlEncode(value);
}

}  // namespace

Client::Client(Transport& transport, ClientOptions options)
    : transport_(transport),
      options_(std::move(options)),
      tokens_(options_.burst),
      last_(std::chrono::steady_clock::now()) {
  if (!options_.sleep)
    options_.sleep = [](std::chrono::milliseconds d) {
      std::this_thread::sleep_for(d);
    };
}

void Client::Throttle() {
  if (options_.qps <= 0) return;
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard<std::mutex> l(mu_);
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ =
        std::min<double>(options_.burst, tokens_ + elapsed * options_.qps);
    tokens_ -= 1;
    if (tokens_ < 0)
      wait = std::chrono::milliseconds(
          static_cast<int64_t>(-tokens_ / options_.qps * 1000));
  }
  if (wait.count() > 0) options_.sleep(wait);
}

StatusOr<std::string> Client::Send(HttpRequest req, const std::string& what) {
  req.timeout = options_.timeout;
  for (int attempt = 0;; ++attempt) {
    Throttle();
    ASSIGN_OR_RETURN(HttpResponse resp, transport_.Do(req));
    if (resp.status == 429 && attempt < options_.max_throttle_retries) {
      options_.sleep(std::chrono::seconds(RetryAfterSeconds(resp)));
      continue;
    }
    RETURN_IF_ERROR(StatusFromResponse(resp, what));
    return std::move(resp.body);
  }
}

StatusOr<std::string> Client::Get(const Resource& r, const std::string& ns,
                                  const std::string& name,
                                  const std::string& sub) {
  HttpRequest req;
  req.path = r.Path(ns, name, sub);
  return Send(req, Describe("get", r, ns, name));
}

StatusOr<std::string> Client::List(const Resource& r, const std::string& ns,
                                   const ListOptions& o) {
  HttpRequest req;
  req.verb = "LIST";
  req.path = r.Path(ns);
  AddQuery(&req.path, "labelSelector", o.label_selector);
  AddQuery(&req.path, "fieldSelector", o.field_selector);
  if (o.limit > 0) AddQuery(&req.path, "limit", std::to_string(o.limit));
  AddQuery(&req.path, "continue", o.continue_token);
  AddQuery(&req.path, "resourceVersion", o.resource_version);
  if (o.metadata_only)
    req.accept =
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
  return Send(req, Describe("list", r, ns, ""));
}

StatusOr<std::string> Client::Create(const Resource& r, const std::string& ns,
                                     const std::string& json) {
  HttpRequest req;
  req.method = "POST";
  req.path = r.Path(ns);
  req.body = json;
  return Send(req, Describe("create", r, ns, ""));
}

StatusOr<std::string> Client::Update(const Resource& r, const std::string& ns,
                                     const std::string& name,
                                     const std::string& json,
                                     const std::string& sub) {
  HttpRequest req;
  req.method = "PUT";
  req.path = r.Path(ns, name, sub);
  req.body = json;
  return Send(req, Describe("update", r, ns, name));
}

StatusOr<std::string> Client::Patch(const Resource& r, const std::string& ns,
                                    const std::string& name, PatchType type,
                                    const std::string& body,
                                    const std::string& sub) {
  HttpRequest req;
  req.method = "PATCH";
  req.path = r.Path(ns, name, sub);
  req.body = body;
  req.content_type = type == PatchType::kJson ? "application/json-patch+json"
                     : type == PatchType::kMerge
                         ? "application/merge-patch+json"
                         : "application/strategic-merge-patch+json";
  return Send(req, Describe("patch", r, ns, name));
}

StatusOr<std::string> Client::Apply(const Resource& r, const std::string& ns,
                                    const std::string& name,
                                    const std::string& body,
                                    const std::string& field_manager,
                                    bool force, const std::string& sub) {
  HttpRequest req;
  req.method = "PATCH";
  req.path = r.Path(ns, name, sub);
  AddQuery(&req.path, "fieldManager", field_manager);
  if (force) AddQuery(&req.path, "force", "true");
  req.body = body;
  req.content_type = "application/apply-patch+yaml";
  return Send(req, Describe("apply", r, ns, name));
}

Status Client::Delete(const Resource& r, const std::string& ns,
                      const std::string& name, const DeleteOptions& o) {
  HttpRequest req;
  req.method = "DELETE";
  req.path = r.Path(ns, name);
  json::Writer w;
  w.BeginObject().Field("kind", "DeleteOptions").Field("apiVersion", "v1");
  if (!o.propagation_policy.empty())
    w.Field("propagationPolicy", o.propagation_policy);
  if (!o.precondition_uid.empty() || !o.precondition_resource_version.empty()) {
    w.Key("preconditions").BeginObject();
    if (!o.precondition_uid.empty()) w.Field("uid", o.precondition_uid);
    if (!o.precondition_resource_version.empty())
      w.Field("resourceVersion", o.precondition_resource_version);
    w.EndObject();
  }
  req.body = w.EndObject().Take();
  auto r2 = Send(req, Describe("delete", r, ns, name));
  return r2.ok() ? OkStatus() : r2.status();
}

}  // namespace certstore::kube
