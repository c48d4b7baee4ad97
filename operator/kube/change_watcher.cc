#include "operator/kube/change_watcher.h"

#include "operator/common/backoff.h"

namespace certstore::kube {

ChangeWatcher::ChangeWatcher(TransportPtr transport, Resource resource,
                             ChangeWatcherOptions options, OnChange on_change,
                             OnResync on_resync)
    : transport_(std::move(transport)),
      client_(*transport_),
      resource_(std::move(resource)),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      on_resync_(std::move(on_resync)) {}

ChangeWatcher::~ChangeWatcher() { Stop(); }

void ChangeWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ChangeWatcher::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  transport_->Cancel();
  if (thread_.joinable()) thread_.join();
}

bool ChangeWatcher::WaitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] {
    return synced_.load() || stopping_;
  }) && synced_.load();
}

ChangeWatcherStats ChangeWatcher::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

bool ChangeWatcher::Stopping() const {
  std::lock_guard<std::mutex> l(mu_);
  return stopping_;
}

bool ChangeWatcher::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, d, [this] { return stopping_; });
  return !stopping_;
}

StatusOr<std::string> ChangeWatcher::CurrentResourceVersion() {
  // A one-item list is a quorum read whose list resourceVersion is "now";
  // the items themselves are not wanted.
  ListOptions lo;
  lo.limit = 1;
  ASSIGN_OR_RETURN(std::string body, client_.List(resource_, options_.ns, lo));
  ASSIGN_OR_RETURN(ObjectMeta meta, ParseObjectMeta(body));
  if (meta.resource_version.empty())
    return InvalidArgumentError("list " + resource_.Qualified() +
                                ": no resourceVersion");
  return meta.resource_version.str();
}

void ChangeWatcher::Run() {
  int failures = 0;
  bool first_list = true;
  while (!Stopping()) {
    auto rv = CurrentResourceVersion();
    if (!rv.ok()) {
      {
        std::lock_guard<std::mutex> l(mu_);
        ++stats_.errors;
        stats_.last_error = rv.status().message();
      }
      if (!SleepFor(
              WithJitter(ExponentialBackoff(options_.backoff_base,
                                            options_.backoff_cap, failures++),
                         0.5)))
        return;
      continue;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.lists;
    }
    if (!first_list && on_resync_) on_resync_();
    first_list = false;
    if (!synced_.exchange(true)) {
      std::lock_guard<std::mutex> l(mu_);
      cv_.notify_all();
    }
    std::string position = *rv;
    bool first_watch = true;
    while (!Stopping()) {
      if (!first_watch) {
        std::lock_guard<std::mutex> l(mu_);
        ++stats_.watch_restarts;
      }
      first_watch = false;
      WatchOptions wo;
      wo.resource_version = position;
      wo.metadata_only = true;
      wo.timeout_seconds = options_.watch_timeout_seconds;
      Status st = WatchOnce(client_, resource_, options_.ns, wo,
                            [&](const WatchEvent& e) {
                              if (!e.meta.resource_version.empty())
                                position = e.meta.resource_version.str();
                              if (e.type != WatchEvent::Type::kBookmark) {
                                {
                                  std::lock_guard<std::mutex> l(mu_);
                                  ++stats_.events;
                                }
                                on_change_(e.meta.ns, e.meta.name);
                              }
                              return !Stopping();
                            });
      if (st.code() == StatusCode::kOutOfRange) {
        std::lock_guard<std::mutex> l(mu_);
        ++stats_.gone;
        break;  // history is gone: new position, and resync
      }
      if (st.ok()) {
        failures = 0;
        continue;
      }
      if (Stopping()) return;
      {
        std::lock_guard<std::mutex> l(mu_);
        ++stats_.errors;
        stats_.last_error = st.message();
      }
      if (!SleepFor(
              WithJitter(ExponentialBackoff(options_.backoff_base,
                                            options_.backoff_cap, failures++),
                         0.5)))
        return;
    }
  }
}

}  // namespace certstore::kube
