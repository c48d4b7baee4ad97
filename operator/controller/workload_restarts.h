// Rolling restarts of the workloads that ask for them: a Deployment,
// StatefulSet or DaemonSet annotated engine::kRestartOnChangeAnnotation
// "true" whose pod template reads Secrets the operator writes (volumes,
// projected volumes, env secretKeyRef, envFrom) is rolled when the data in
// those Secrets changes (renewal, re-encode, a CA rotation step), by a pod
// template annotation, so Kubernetes restarts the pods its usual way (the
// workload's strategy, PDBs). Never for a status-only change.
//
// Changes in one namespace are coalesced: a Secret change schedules one
// pass over the namespace's opted-in workloads `window` later (the earliest
// time wins, so every change within the window makes one rollout per
// workload). With the window shorter than the CA rotation's propagation
// delay, a rotation rolls workloads in its own order: trust first (every
// truststore is written before certificates move), then identities.
#ifndef CERTSTORE_CONTROLLER_WORKLOAD_RESTARTS_H_
#define CERTSTORE_CONTROLLER_WORKLOAD_RESTARTS_H_

#include <memory>
#include <string>

#include "operator/api/workload.h"
#include "operator/controller/reconciler_deps.h"
#include "operator/kube/informer.h"
#include "operator/kube/resource.h"

namespace certstore::controller {

// The three workload kinds, in this order.
const kube::Resource& WorkloadResource(int i);
constexpr int kWorkloadKinds = 3;

// The caches of the three kinds, in WorkloadResource order; each carries
// kRestartNamespaceIndex. Every reference must outlive the reconciles.
struct WorkloadCaches {
  const kube::ObjectCache* kinds[kWorkloadKinds] = {nullptr, nullptr, nullptr};
};

// A workload as cached: the Secrets its pod template reads. Only opted-in
// workloads are decoded; the others are kept as a metadata skeleton.
struct CachedWorkload : kube::TypedObject {
  api::WorkloadSecrets secrets;  // template_annotations: only ours
};

bool OptedIn(const kube::ObjectMeta& m);
// Whether a workload informer event (handler arguments) calls for a pass
// over its namespace: opted in now, and added, newly opted in, given a new
// spec (generation), or its record changed. Status-only updates (a rollout
// progressing) and deletions do not.
bool WorkloadNeedsPass(const kube::ObjectPtr& old_obj,
                       const kube::ObjectPtr& new_obj);
// Informer options for a workload kind: the spec is kept (and decoded, then
// released) only for opted-in workloads.
kube::InformerOptions WorkloadInformerOptions();
// Opted-in workloads by namespace.
constexpr char kRestartNamespaceIndex[] = "restart-ns";
std::vector<std::string> RestartNamespaceIndex(const kube::CachedObject& o);

// What identifies the data of a managed Secret as cached (the managed
// Secrets informer's object): the data digest of a Secret the operator
// caches whole or as a digest; a TrustBundle target's content annotation;
// "" for anything else (a labelled Secret the operator did not write).
std::string DigestOf(const kube::CachedObject& secret);

// Whether a change of a managed Secret (informer handler arguments) changed
// its data: added, deleted, or another DigestOf.
bool StoresChanged(const kube::ObjectPtr& old_obj,
                   const kube::ObjectPtr& new_obj);

// One pass over the opted-in workloads of `ns`: each whose recorded stores
// (engine::kStoresAnnotation) differ from the operator's Secrets it reads
// now is recorded, and rolled when one of them changed its data (merge
// patch with a resourceVersion precondition; a Normal Event on the
// workload naming the Secrets). A failed patch is retried with backoff.
ReconcileResult ReconcileWorkloads(const ReconcilerDeps& d,
                                   const WorkloadCaches& caches,
                                   const std::string& ns);

// Whether opted-in workload `o` may still run pods that started before the
// stores they read changed: its record is not current and a restart is due
// (not yet made, or failing), or the operator rolled it and the rollout has
// not finished (api::WorkloadSecrets::rolled_out; a StatefulSet with
// OnDelete, a rollout stuck on failing pods). False for others.
bool RestartPending(const ReconcilerDeps& d, const kube::CachedObject& o);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_WORKLOAD_RESTARTS_H_
