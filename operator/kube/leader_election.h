// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package: the holder renews the Lease every retry period;
// another candidate takes over once the Lease has not changed for a whole
// lease duration (measured on its own clock, so clock skew between nodes
// does not matter); a leader that cannot renew within the renew deadline
// steps down; Release() hands the Lease back so a successor takes over at
// once. Writes use resourceVersion preconditions, so two candidates can
// never both believe they won the same round.
#ifndef CERTSTORE_KUBE_LEADER_ELECTION_H_
#define CERTSTORE_KUBE_LEADER_ELECTION_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"

namespace certstore::kube {

struct LeaderElectionConfig {
  std::string ns;
  std::string name = "certstore-operator";
  std::string identity;  // the pod name
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

class LeaderElector {
 public:
  LeaderElector(Client& client, LeaderElectionConfig config, const Clock& clock);

  // One round: acquires the Lease if it is free or expired, renews it if
  // held. Returns whether this candidate now leads. Aborted when another
  // writer won the round; other errors from the client.
  StatusOr<bool> TryAcquireOrRenew();

  // What Run() reports; each may be empty.
  struct Callbacks {
    std::function<void()> started;
    // Leadership ended: `why` says how (renew deadline passed, another
    // holder, Stop()).
    std::function<void(const std::string& why)> stopped;
    // A renewal failed while leading; `since_renew` is the time since the
    // last successful one (the leader steps down at the renew deadline).
    std::function<void(const Status&, std::chrono::milliseconds since_renew)>
        renew_failed;
  };

  // Blocks: campaigns until leading, calls `started`, renews until
  // leadership is lost (calls `stopped`, then campaigns again) or Stop().
  void Run(const Callbacks& callbacks);
  // Ends Run() and releases the Lease if held. Thread-safe.
  void Stop();
  // Gives up the Lease now (holder cleared) if this candidate holds it.
  Status Release();

  bool IsLeader() const { return leading_.load(); }
  const LeaderElectionConfig& config() const { return config_; }

 private:
  bool Wait(std::chrono::milliseconds d);  // false when stopping

  Client& client_;
  LeaderElectionConfig config_;
  const Clock& clock_;
  std::atomic<bool> leading_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;        // GUARDED_BY(mu_)
  std::string observed_record_;  // holder + renewTime last seen
  TimePoint observed_at_;        // local time it was first seen
  TimePoint last_renew_;         // local time of our last successful renew
};

// "2026-11-23T17:53:00.000000Z" (Kubernetes MicroTime).
std::string FormatMicroTime(TimePoint t);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_LEADER_ELECTION_H_
