#include "operator/controller/health.h"

#include "operator/common/log.h"

namespace certstore::controller {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Whole(double s) {
  return std::to_string(static_cast<long long>(s)) + "s";
}

}  // namespace

HealthMonitor::HealthMonitor(HealthOptions options, SteadyTime start)
    : options_(options), last_activity_(start), last_answer_(start) {}

void HealthMonitor::Begin(int worker, const std::string& key, SteadyTime now) {
  std::lock_guard<std::mutex> l(mu_);
  running_[worker] = {key, now, false};
  last_activity_ = now;
}

void HealthMonitor::End(int worker, SteadyTime now) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = running_.find(worker);
  if (it != running_.end() && it->second.reported)
    Log(LogLevel::kInfo, "reconcile over budget finished",
        {{"key", it->second.key},
         {"seconds", Whole(Seconds(now - it->second.since))}});
  running_.erase(worker);
  last_activity_ = now;
}

void HealthMonitor::Heartbeat(const Status& result, SteadyTime now) {
  std::lock_guard<std::mutex> l(mu_);
  if (result.ok()) {
    last_answer_ = now;
    last_heartbeat_error_.clear();
  } else {
    last_heartbeat_error_ = result.message();
  }
}

HealthReport HealthMonitor::Check(
    SteadyTime now, size_t queue_ready,
    const std::map<std::string, SteadyTime>& cache_progress) {
  HealthReport r;
  std::lock_guard<std::mutex> l(mu_);
  if (now - last_answer_ > options_.api_silence)
    r.problems.push_back(
        "API server silent for " + Whole(Seconds(now - last_answer_)) +
        " (limit " + Whole(Seconds(options_.api_silence)) + ")" +
        (last_heartbeat_error_.empty() ? "" : ": " + last_heartbeat_error_));
  for (auto& [worker, run] : running_) {
    double age = Seconds(now - run.since);
    r.longest_reconcile_seconds = std::max(r.longest_reconcile_seconds, age);
    if (now - run.since <= options_.reconcile_budget) continue;
    r.problems.push_back("reconcile of " + run.key + " running for " +
                         Whole(age) + " (budget " +
                         Whole(Seconds(options_.reconcile_budget)) + ")");
    if (!run.reported) {
      run.reported = true;
      Log(LogLevel::kWarn, "reconcile over budget",
          {{"key", run.key},
           {"seconds", Whole(age)},
           {"budget", Whole(Seconds(options_.reconcile_budget))}});
    }
  }
  if (queue_ready > 0 && now - last_activity_ > options_.reconcile_budget)
    r.problems.push_back(
        "work queue not draining: " + std::to_string(queue_ready) +
        " keys ready, no reconcile began or ended for " +
        Whole(Seconds(now - last_activity_)));
  for (const auto& [cache, at] : cache_progress)
    if (now - at > options_.watch_silence)
      r.problems.push_back("cache of " + cache + " made no progress for " +
                           Whole(Seconds(now - at)) + " (limit " +
                           Whole(Seconds(options_.watch_silence)) + ")");
  r.healthy = r.problems.empty();
  return r;
}

}  // namespace certstore::controller
