// How many CPUs this process may use, and the worker count that follows:
// the CPUs it may run on (sched_getaffinity) capped by its cgroups' CPU
// quotas (cgroup v2 `cpu.max`, cgroup v1 `cpu.cfs_quota_us` over
// `cpu.cfs_period_us`), so a pod with `resources.limits.cpu: 2` on a 64-core
// node counts 2, not 64.
//
// The quota is the smallest found on the process's own cgroup and every
// parent up to the hierarchy's root as mounted. Inside a container with its
// own cgroup namespace that root is the container's cgroup: a limit set
// only above it (a pod-level limit, a systemd slice) is not visible there,
// and the node's CPUs count.
#ifndef CERTSTORE_COMMON_CPUS_H_
#define CERTSTORE_COMMON_CPUS_H_

#include <optional>
#include <string>

#include "operator/common/status.h"

namespace certstore {

// The CPU quota in a cgroup v2 `cpu.max` text ("QUOTA PERIOD" or
// "max PERIOD"), rounded up to whole CPUs (at least 1). nullopt for "max"
// (no quota) and for text that is not a quota (never guess one).
std::optional<int> CpuQuotaFromCpuMax(const std::string& text);

// The same for cgroup v1: cpu.cfs_quota_us ("-1" = none) and
// cpu.cfs_period_us.
std::optional<int> CpuQuotaFromCfs(const std::string& quota_us,
                                   const std::string& period_us);

// CPUs usable given the text of /proc/self/cgroup, the directory the
// cgroup hierarchies are mounted under ("/sys/fs/cgroup": v2 there, v1 in
// its "cpu" subdirectory) and the affinity mask's CPU count: that count
// capped by the smallest quota found (a file that cannot be read or parsed
// is no quota). At least 1.
int UsableCpusIn(const std::string& proc_self_cgroup,
                 const std::string& cgroup_root, int affinity_cpus);

// UsableCpusIn for this process (/proc/self/cgroup, /sys/fs/cgroup, its
// affinity mask; the online CPU count if the mask cannot be read).
int UsableCpus();

// The default number of concurrent reconciles for `cpus` usable CPUs: eight
// per CPU, at least 2 and at most 16. A reconcile spends much of its time
// waiting on API round trips, and many in flight share the HTTP client's
// wake-ups: docs/benchmarks.md measured 1,000 CertStores to Ready on 2 CPUs
// with 2, 4, 8, 16 and 32 workers (medians of 3: 27.6, 26.3, 21.2, 14.9 s;
// 32: 15.6 and 16.4 s in 2 runs);
// each worker costs about 0.35 MiB (its malloc cache and stack).
int DefaultWorkers(int cpus);

// The --workers flag: "auto" (DefaultWorkers(usable_cpus)) or a whole
// decimal number from 1 to 64 and nothing else. InvalidArgument naming the
// flag and the text otherwise.
StatusOr<int> ParseWorkers(const std::string& flag, int usable_cpus);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_CPUS_H_
