// When a workload that opted in (kRestartOnChangeAnnotation) is restarted:
// its pods must run with the stores now in the Secrets they read. The
// operator records on the workload which Secrets its pods started with and
// a short digest of each one's data (kStoresAnnotation, "name=digest,...");
// a pass compares that record with the Secrets as they are now. Pure: no I/O.
#ifndef CERTSTORE_ENGINE_WORKLOAD_RESTART_H_
#define CERTSTORE_ENGINE_WORKLOAD_RESTART_H_

#include <map>
#include <string>
#include <vector>

namespace certstore::engine {

// Secret name -> digest of its data (engine::DataDigest), for the Secrets
// of the operator's that the pod template reads.
using StoreDigests = std::map<std::string, std::string>;

// The record of `stores`: "name=<first 16 hex of the digest>" joined by ",",
// by name (a digest of 16 characters or fewer is taken whole).
std::string StoresRecord(const StoreDigests& stores);

struct RestartDecision {
  enum class Action {
    kNone,     // the record is current
    kRecord,   // write the record, no restart (first sight; Secrets added to
               // or removed from the template, which rolls out by itself)
    kRestart,  // write the record and roll the pods
  };
  Action action = Action::kNone;
  std::string record;                // what to write
  std::vector<std::string> changed;  // kRestart: the Secrets whose data changed
};

// `recorded`: the workload's kStoresAnnotation ("" when absent or not one
// StoresRecord could have written). A restart is due only when a Secret in
// both the record and `current` has other data now: a status-only change
// never alters a Secret's data, and a Secret the pods never started with is
// no reason to restart them. With no Secret of the operator's, nothing is
// recorded.
//
// `referenced`: every Secret the pod template reads (sorted). A recorded
// Secret that is still referenced but absent now (deleted, not yet written
// again) stays in the record as it was: the pods still hold that data, so
// when the Secret comes back with other data they are restarted.
RestartDecision DecideRestart(const std::string& recorded,
                              const StoreDigests& current,
                              const std::vector<std::string>& referenced);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_WORKLOAD_RESTART_H_
