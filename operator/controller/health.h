// Liveness: whether this process still makes progress, for /healthz and
// the watchdog metric. Kubernetes restarts a container whose liveness probe
// fails, so the verdict fails only on what a restart can cure and a
// healthy, idle operator never shows:
//   - the API server has not answered a heartbeat (GET /version on a
//     connection of its own, short timeout) for `api_silence`;
//   - a reconcile has run longer than `reconcile_budget` (a thread stuck
//     in a call that never returns); the watchdog also logs it, once per
//     reconcile, and exports the longest running reconcile's age;
//   - keys wait in the work queue while no reconcile has started or ended
//     for `reconcile_budget` (workers gone or wedged);
//   - a cache's list/watch has made no progress (event, bookmark, list,
//     or a watch the server ended) for `watch_silence`, longer than a
//     quiet watch ever lasts (its server timeout plus the idle timeout).
// Times are monotonic (steady clock): a wall-clock step changes nothing.
// Thread-safe.
#ifndef CERTSTORE_CONTROLLER_HEALTH_H_
#define CERTSTORE_CONTROLLER_HEALTH_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "operator/common/status.h"

namespace certstore::controller {

using SteadyTime = std::chrono::steady_clock::time_point;

struct HealthOptions {
  std::chrono::milliseconds api_silence{std::chrono::seconds(60)};
  std::chrono::milliseconds reconcile_budget{std::chrono::minutes(2)};
  std::chrono::milliseconds watch_silence{std::chrono::minutes(10)};
};

struct HealthReport {
  bool healthy = true;
  std::vector<std::string> problems;     // one line each; no object data
  double longest_reconcile_seconds = 0;  // 0 when none runs
};

class HealthMonitor {
 public:
  // `start`: when monitoring began (counts as the last heartbeat and the
  // last reconcile activity).
  HealthMonitor(HealthOptions options, SteadyTime start);

  const HealthOptions& options() const { return options_; }

  // Workers, around each reconcile of `key`.
  void Begin(int worker, const std::string& key, SteadyTime now);
  void End(int worker, SteadyTime now);
  // The heartbeat's outcome.
  void Heartbeat(const Status& result, SteadyTime now);

  // `queue_ready`: keys waiting for a worker. `cache_progress`: per cache,
  // when it last made progress. Logs (once per reconcile) a reconcile past
  // its budget.
  HealthReport Check(SteadyTime now, size_t queue_ready,
                     const std::map<std::string, SteadyTime>& cache_progress);

 private:
  struct Running {
    std::string key;
    SteadyTime since;
    bool reported = false;
  };
  const HealthOptions options_;
  std::mutex mu_;
  std::map<int, Running> running_;  // GUARDED_BY(mu_) by worker
  SteadyTime last_activity_;  // GUARDED_BY(mu_) a reconcile began or ended
  SteadyTime last_answer_;    // GUARDED_BY(mu_) heartbeat answered
  std::string last_heartbeat_error_;  // GUARDED_BY(mu_)
};

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_HEALTH_H_
