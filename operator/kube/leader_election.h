// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package: the holder renews the Lease every retry period;
// another candidate takes over once the Lease has not changed for a whole
// lease duration (measured on its own clock, so clock skew between nodes
// does not matter); a leader that cannot renew within the renew deadline
// steps down; Release() hands the Lease back so a successor takes over at
// once. Writes use resourceVersion preconditions, so two candidates can
// never both believe they won the same round.
//
// Fencing: lease timing is monotonic (Clock::Monotonic). A renewal that
// succeeds extends the right to write until `renew_deadline` after the
// moment it was *started* (before its GET): others may take the Lease only
// `lease_duration` after they saw that record, which is later still.
// MayWrite() turns false the moment that deadline passes, even while a
// Lease call hangs, so a leader checks it before every write (see
// FencedTransport) instead of trusting a flag set when a call returned.
// Give the elector a client of its own with short timeouts and no long
// 429 sleeps (LeaseClientOptions).
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

// Options for the elector's own client: every request bounded by half the
// renew deadline (at least 1 s; a round is a GET and a PUT), no 429
// retries (the next round retries).
ClientOptions LeaseClientOptions(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  LeaderElector(Client& client, LeaderElectionConfig config,
                const Clock& clock);

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
  // Whether a write may start now: leading, and the renew deadline of the
  // last successful renewal has not passed (monotonic). Thread-safe.
  bool MayWrite() const;
  // How long writes may still start (zero when MayWrite() is false).
  std::chrono::milliseconds WriteWindow() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  bool Wait(std::chrono::milliseconds d);  // false when stopping
  void Renewed(MonotonicTime started);     // a round this candidate won

  Client& client_;
  LeaderElectionConfig config_;
  const Clock& clock_;
  std::atomic<bool> leading_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;        // GUARDED_BY(mu_)
  std::string observed_record_;  // holder + renewTime last seen
  MonotonicTime observed_at_;    // when it was first seen
  MonotonicTime last_renew_;     // when our last successful renewal started
  // last_renew_ + renew_deadline, in steady-clock ticks (read by writers).
  std::atomic<int64_t> write_deadline_{0};
};

// "2026-11-23T17:53:00.000000Z" (Kubernetes MicroTime).
std::string FormatMicroTime(TimePoint t);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_LEADER_ELECTION_H_
