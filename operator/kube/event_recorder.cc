#include "operator/kube/event_recorder.h"

#include <cpprest/json.h>

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
    std::string ref =
        "{\"apiVersion\":" + JsonQuote(obj.api_version) +
        ",\"kind\":" + JsonQuote(obj.kind) +
        ",\"name\":" + JsonQuote(obj.name) + ",\"uid\":" + JsonQuote(obj.uid) +
        (obj.ns.empty() ? "" : ",\"namespace\":" + JsonQuote(obj.ns)) + "}";
    std::string ev =
        "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":" +
        JsonQuote(name) + ",\"namespace\":" + JsonQuote(ns) +
        ",\"labels\":{\"app.kubernetes.io/"
        "managed-by\":\"certstore-operator\"}},"
        "\"involvedObject\":" +
        ref + ",\"type\":" + JsonQuote(type) +
        ",\"reason\":" + JsonQuote(reason) + ",\"message\":" + JsonQuote(msg) +
        ",\"source\":{\"component\":" + JsonQuote(component_) +
        "},\"reportingComponent\":" + JsonQuote(component_) +
        ",\"reportingInstance\":" + JsonQuote(instance_) +
        ",\"firstTimestamp\":" + JsonQuote(now) +
        ",\"lastTimestamp\":" + JsonQuote(now) + ",\"count\":1}";
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
    try {
      auto v = web::json::value::parse(*existing);
      count = v.has_field("count") && v.at("count").is_integer()
                  ? v.at("count").as_integer()
                  : 1;
    } catch (const std::exception&) {
      count = 1;
    }
  }
  int next = count + 1;
  auto patched =
      client_.Patch(EventsResource(), ns, name, PatchType::kMerge,
                    "{\"count\":" + std::to_string(next) +
                        ",\"lastTimestamp\":" + JsonQuote(now) + "}");
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
