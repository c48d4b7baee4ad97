#include "operator/kube/leader_election.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "operator/api/json.h"
#include "operator/common/time_format.h"

namespace certstore::kube {
namespace {

struct LeaseRecord {
  std::string holder, acquire_time, renew_time, resource_version;
  int64_t duration = 0, transitions = 0;
  bool ok = false;
};

LeaseRecord ParseLease(const std::string& text) {
  LeaseRecord r;
  auto doc = json::Document::Parse(text);
  if (!doc || !doc->Root().IsObject()) return r;
  json::Value v = doc->Root();
  r.resource_version = v["metadata"]["resourceVersion"].String();
  json::Value s = v["spec"];
  r.holder = s["holderIdentity"].String();
  r.acquire_time = s["acquireTime"].String();
  r.renew_time = s["renewTime"].String();
  // Clamped: a Lease anyone with write access edited must not overflow
  // the clock arithmetic (a year is longer than any real lease).
  r.duration = std::clamp<int64_t>(s["leaseDurationSeconds"].Int().value_or(0),
                                   0, 365 * 24 * 3600);
  r.transitions = std::clamp<int64_t>(s["leaseTransitions"].Int().value_or(0),
                                      0, INT32_MAX);
  r.ok = true;
  return r;
}

std::string LeaseJson(const LeaderElectionConfig& c, const std::string& holder,
                      int64_t duration, const std::string& acquire,
                      const std::string& renew, int64_t transitions,
                      const std::string& rv) {
  json::Writer w;
  w.BeginObject()
      .Field("apiVersion", "coordination.k8s.io/v1")
      .Field("kind", "Lease");
  w.Key("metadata")
      .BeginObject()
      .Field("name", c.name)
      .Field("namespace", c.ns);
  if (!rv.empty()) w.Field("resourceVersion", rv);
  w.StringMap("labels",
              {{"app.kubernetes.io/managed-by", "certstore-operator"}})
      .EndObject();
  w.Key("spec")
      .BeginObject()
      .Field("holderIdentity", holder)
      .Field("leaseDurationSeconds", duration)
      .Field("acquireTime", acquire)
      .Field("renewTime", renew)
      .Field("leaseTransitions", transitions)
      .EndObject();
  return w.EndObject().Take();
}

}  // namespace

std::string FormatMicroTime(TimePoint t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                t.time_since_epoch())
                .count();
  std::string base =
      FormatRfc3339(TimePoint(std::chrono::seconds(us / 1000000)));
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%06lld",
                static_cast<long long>(us % 1000000));
  return base.substr(0, base.size() - 1) + frac + "Z";
}

ClientOptions LeaseClientOptions(const LeaderElectionConfig& config) {
  ClientOptions o;
  // A round is a GET and a PUT: both within the renew deadline.
  o.timeout = std::max<std::chrono::seconds>(config.renew_deadline / 2,
                                             std::chrono::seconds(1));
  o.max_throttle_retries = 0;
  return o;
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config,
                             const Clock& clock)
    : client_(client), config_(std::move(config)), clock_(clock) {}

bool LeaderElector::MayWrite() const { return WriteWindow().count() > 0; }

std::chrono::milliseconds LeaderElector::WriteWindow() const {
  if (!leading_.load()) return std::chrono::milliseconds(0);
  auto left = MonotonicTime(MonotonicTime::duration(write_deadline_.load())) -
              clock_.Monotonic();
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

void LeaderElector::Renewed(MonotonicTime started) {
  last_renew_ = started;
  write_deadline_ =
      (started + config_.renew_deadline).time_since_epoch().count();
  leading_ = true;
}

StatusOr<bool> LeaderElector::TryAcquireOrRenew() {
  // Taken before any request: the right to write runs from here.
  MonotonicTime started = clock_.Monotonic();
  TimePoint now = clock_.Now();
  std::string now_s = FormatMicroTime(now);
  int64_t dur = config_.lease_duration.count();
  auto got = client_.Get(LeasesResource(), config_.ns, config_.name);
  if (!got.ok() && got.status().code() == StatusCode::kNotFound) {
    auto created = client_.Create(
        LeasesResource(), config_.ns,
        LeaseJson(config_, config_.identity, dur, now_s, now_s, 0, ""));
    if (!created.ok()) {
      if (created.status().code() == StatusCode::kAlreadyExists)
        return Status(StatusCode::kAborted,
                      "another candidate created the Lease first");
      return created.status();
    }
    observed_record_ = config_.identity + "|" + now_s;
    observed_at_ = started;
    Renewed(started);
    return true;
  }
  if (!got.ok()) return got.status();
  LeaseRecord rec = ParseLease(*got);
  if (!rec.ok)
    return InternalError("Lease " + config_.ns + "/" + config_.name +
                         " is unreadable");

  // Observation time is taken after the GET: a slow read must not make
  // another holder's Lease look older than it is.
  MonotonicTime seen = clock_.Monotonic();
  std::string record = rec.holder + "|" + rec.renew_time;
  if (record != observed_record_) {
    observed_record_ = record;
    observed_at_ = seen;
  }
  bool mine = rec.holder == config_.identity;
  bool expired = rec.holder.empty() ||
                 seen >= observed_at_ + std::chrono::seconds(
                                            std::max<int64_t>(rec.duration, 1));
  if (!mine && !expired) {
    leading_ = false;
    return false;
  }
  std::string acquire = mine ? rec.acquire_time : now_s;
  int64_t transitions = mine ? rec.transitions : rec.transitions + 1;
  auto updated =
      client_.Update(LeasesResource(), config_.ns, config_.name,
                     LeaseJson(config_, config_.identity, dur, acquire, now_s,
                               transitions, rec.resource_version));
  if (!updated.ok()) {
    // A conflict means another writer won this round.
    if (updated.status().code() == StatusCode::kAborted) leading_ = false;
    return updated.status();
  }
  observed_record_ = config_.identity + "|" + now_s;
  observed_at_ = started;
  Renewed(started);
  return true;
}

Status LeaderElector::Release() {
  if (!leading_.load()) return OkStatus();
  auto got = client_.Get(LeasesResource(), config_.ns, config_.name);
  if (!got.ok()) return got.status();
  LeaseRecord rec = ParseLease(*got);
  leading_ = false;
  if (rec.holder != config_.identity) return OkStatus();
  std::string now_s = FormatMicroTime(clock_.Now());
  auto updated =
      client_.Update(LeasesResource(), config_.ns, config_.name,
                     LeaseJson(config_, "", 1, rec.acquire_time, now_s,
                               rec.transitions, rec.resource_version));
  return updated.ok() ? OkStatus() : updated.status();
}

bool LeaderElector::Wait(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, d, [this] { return stopping_; });
  return !stopping_;
}

void LeaderElector::Run(const Callbacks& cb) {
  auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(
      config_.retry_period);
  while (true) {
    // Campaign.
    while (true) {
      auto r = TryAcquireOrRenew();
      if (r.ok() && *r) break;
      if (!Wait(retry)) return;
    }
    if (cb.started) cb.started();
    // Lead: renew, and step down if renewals fail for renew_deadline.
    while (true) {
      if (!Wait(retry)) {
        Status st = Release();
        (void)st;
        if (cb.stopped) cb.stopped("stopping; Lease released");
        return;
      }
      auto r = TryAcquireOrRenew();
      if (r.ok() && *r) continue;
      auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
          clock_.Monotonic() - last_renew_);
      if (r.ok()) {
        leading_ = false;
        if (cb.stopped) cb.stopped("another candidate holds the Lease");
        break;
      }
      if (cb.renew_failed) cb.renew_failed(r.status(), since);
      if (since >= config_.renew_deadline) {
        leading_ = false;
        if (cb.stopped)
          cb.stopped("no successful renewal within the renew deadline (" +
                     std::to_string(config_.renew_deadline.count()) + "s)");
        break;
      }
    }
  }
}

void LeaderElector::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  stopping_ = true;
  cv_.notify_all();
}

}  // namespace certstore::kube
