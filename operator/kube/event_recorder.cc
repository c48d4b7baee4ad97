#include "operator/kube/event_recorder.h"

#include <cstdint>

#include "operator/api/json.h"
#include "operator/common/sha256.h"
#include "operator/common/time_format.h"

namespace certstore::kube {

EventRecorder::EventRecorder(Client& client, std::string component,
                             std::string instance, std::string /*events_ns*/,
                             const Clock& clock)
    : client_(client),
      component_(std::move(component)),
      instance_(std::move(instance)),
      clock_(clock) {}

EventRecorder::~EventRecorder() { Stop(std::chrono::milliseconds(0)); }

Status EventRecorder::Record(const ObjectReference& obj,
                             const std::string& type, const std::string& reason,
                             const std::string& message) {
  std::string msg =
      message.size() > 1024 ? message.substr(0, 1021) + "..." : message;
  // The API server accepts Events about cluster-scoped objects only in
  // "default" (involvedObject.namespace "" must match the Event's).
  std::string ns = obj.ns.empty() ? std::string("default") : obj.ns;
  std::string name =
      obj.name + "." +
      Sha256Hex(obj.uid + "\n" + type + "\n" + reason + "\n" + msg)
          .substr(0, 16);
  std::string now = FormatRfc3339(clock_.Now());

  int count = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = counts_.find(name);
    if (it != counts_.end()) count = it->second;
  }
  if (count == 0) {
    json::Writer w;
    w.BeginObject().Field("apiVersion", "v1").Field("kind", "Event");
    w.Key("metadata")
        .BeginObject()
        .Field("name", name)
        .Field("namespace", ns)
        .StringMap("labels",
                   {{"app.kubernetes.io/managed-by", "certstore-operator"}})
        .EndObject();
    w.Key("involvedObject")
        .BeginObject()
        .Field("apiVersion", obj.api_version)
        .Field("kind", obj.kind)
        .Field("name", obj.name)
        .Field("uid", obj.uid);
    if (!obj.ns.empty()) w.Field("namespace", obj.ns);
    w.EndObject()
        .Field("type", type)
        .Field("reason", reason)
        .Field("message", msg);
    w.Key("source").BeginObject().Field("component", component_).EndObject();
    w.Field("reportingComponent", component_)
        .Field("reportingInstance", instance_)
        .Field("firstTimestamp", now)
        .Field("lastTimestamp", now)
        .Field("count", 1);
    std::string ev = w.EndObject().Take();
    auto created = client_.Create(EventsResource(), ns, ev);
    if (created.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      counts_[name] = 1;
      return OkStatus();
    }
    if (created.status().code() != StatusCode::kAlreadyExists)
      return created.status();
    // Recorded before (by an earlier process): continue its count.
    auto existing = client_.Get(EventsResource(), ns, name);
    if (!existing.ok()) return existing.status();
    auto doc = json::Document::Parse(*existing);
    count = 1;
    if (doc) {
      auto n = doc->Root()["count"].Int();
      if (n && *n > 0 && *n < INT32_MAX) count = static_cast<int>(*n);
    }
  }
  int next = count + 1;
  json::Writer patch;
  patch.BeginObject().Field("count", next).Field("lastTimestamp", now);
  auto patched = client_.Patch(EventsResource(), ns, name, PatchType::kMerge,
                               patch.EndObject().Take());
  if (!patched.ok()) {
    if (patched.status().code() ==
        StatusCode::kNotFound) {  // expired meanwhile
      std::lock_guard<std::mutex> l(mu_);
      counts_.erase(name);
    }
    return patched.status();
  }
  std::lock_guard<std::mutex> l(mu_);
  if (counts_.size() >= kMaxCounts && counts_.count(name) == 0) counts_.clear();
  counts_[name] = next;
  return OkStatus();
}

void EventRecorder::Post(const ObjectReference& obj, const std::string& type,
                         const std::string& reason,
                         const std::string& message) {
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    if (running_ && !stopping_) {
      if (queue_.size() >= kMaxPending) {
        // Said once per 100 drops, so a backlog does not flood the log.
        if (dropped_++ % 100 == 0 && on_error_)
          on_error_(Status(StatusCode::kResourceExhausted,
                           std::to_string(kMaxPending) +
                               " Events wait for the API server; dropping " +
                               reason + " for " + obj.kind + " " + obj.ns +
                               "/" + obj.name));
        return;
      }
      queue_.push_back(Pending{obj, type, reason, message});
      queue_cv_.notify_one();
      return;
    }
  }
  Status st = Record(obj, type, reason, message);
  if (!st.ok() && on_error_) on_error_(st);
}

void EventRecorder::Start(std::function<void(const Status&)> on_error) {
  std::lock_guard<std::mutex> l(queue_mu_);
  if (running_) return;
  on_error_ = std::move(on_error);
  running_ = true;
  sender_ = std::thread([this] { Send(); });
}

void EventRecorder::Send() {
  while (true) {
    Pending p;
    {
      std::unique_lock<std::mutex> l(queue_mu_);
      queue_cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() ||
          (stopping_ && std::chrono::steady_clock::now() >= stop_by_)) {
        dropped_ += static_cast<int64_t>(queue_.size());
        queue_.clear();
        return;
      }
      p = std::move(queue_.front());
      queue_.pop_front();
    }
    Status st = Record(p.obj, p.type, p.reason, p.message);
    if (!st.ok() && on_error_) on_error_(st);
  }
}

void EventRecorder::Stop(std::chrono::milliseconds deadline) {
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    if (!running_ || stopping_) return;
    stopping_ = true;
    stop_by_ = std::chrono::steady_clock::now() + deadline;
    queue_cv_.notify_all();
  }
  if (sender_.joinable()) sender_.join();
  std::lock_guard<std::mutex> l(queue_mu_);
  running_ = false;
}

int64_t EventRecorder::dropped() const {
  std::lock_guard<std::mutex> l(queue_mu_);
  return dropped_;
}

}  // namespace certstore::kube
