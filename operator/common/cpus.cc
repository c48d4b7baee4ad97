#include "operator/common/cpus.h"

#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace certstore {
namespace {

// A whole decimal number of at most 18 digits (no sign, no spaces).
std::optional<int64_t> ParseCount(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string Trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

std::optional<int> WholeCpus(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  int64_t n = (quota + period - 1) / period;
  return static_cast<int>(std::clamp<int64_t>(n, 1, 1 << 16));
}

// Up to `limit` bytes of a file (cgroup files are a line; /proc/self/cgroup
// a line per hierarchy).
std::optional<std::string> ReadSmallFile(const std::string& path,
                                         size_t limit = 256) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// The cgroup paths in /proc/self/cgroup text ("ID:CONTROLLERS:PATH" lines):
// the v2 one ("0::/a/b") and the v1 one whose controllers include "cpu"
// ("3:cpu,cpuacct:/a/b"); nullopt where there is none.
struct OwnCgroups {
  std::optional<std::string> v2, v1_cpu;
};

OwnCgroups ParseProcCgroup(const std::string& text) {
  OwnCgroups out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: a line cut short by the read limit
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path.empty() || path[0] != '/') continue;
    if (controllers.empty()) {
      out.v2 = path;
      continue;
    }
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');) {
      if (name == "cpu") out.v1_cpu = path;
    }
  }
  return out;
}

// `base` + `path`, then each parent of `path` up to `base` itself. None
// when `path` has a ".." component: the kernel writes that for a process
// outside its cgroup namespace's root, whose mounted tree then holds no
// cgroup of its own (nor any ancestor) to read a quota from.
std::vector<std::string> SelfAndParents(const std::string& base,
                                        std::string path) {
  std::vector<std::string> dirs;
  if (path.find("/..") != std::string::npos) return dirs;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  while (path.size() > 1) {
    dirs.push_back(base + path);
    path.resize(path.rfind('/'));
    if (path.empty()) path = "/";
  }
  dirs.push_back(base);
  return dirs;
}

void KeepSmaller(std::optional<int>* least, std::optional<int> q) {
  if (q && (!*least || *q < **least)) *least = q;
}

}  // namespace

std::optional<int> CpuQuotaFromCpuMax(const std::string& text) {
  std::istringstream in(Trimmed(text));
  std::string quota, period, extra;
  if (!(in >> quota >> period) || (in >> extra)) return std::nullopt;
  if (quota == "max") return std::nullopt;
  auto q = ParseCount(quota);
  auto p = ParseCount(period);
  if (!q || !p) return std::nullopt;
  return WholeCpus(*q, *p);
}

std::optional<int> CpuQuotaFromCfs(const std::string& quota_us,
                                   const std::string& period_us) {
  auto q = ParseCount(Trimmed(quota_us));  // "-1" (none) does not parse
  auto p = ParseCount(Trimmed(period_us));
  if (!q || !p) return std::nullopt;
  return WholeCpus(*q, *p);
}

int UsableCpusIn(const std::string& proc_self_cgroup,
                 const std::string& cgroup_root, int affinity_cpus) {
  OwnCgroups own = ParseProcCgroup(proc_self_cgroup);
  std::optional<int> least;
  if (own.v2) {
    for (const std::string& dir : SelfAndParents(cgroup_root, *own.v2)) {
      if (auto text = ReadSmallFile(dir + "/cpu.max")) {
        KeepSmaller(&least, CpuQuotaFromCpuMax(*text));
      }
    }
  }
  if (own.v1_cpu) {
    for (const std::string& dir :
         SelfAndParents(cgroup_root + "/cpu", *own.v1_cpu)) {
      auto q = ReadSmallFile(dir + "/cpu.cfs_quota_us");
      auto p = ReadSmallFile(dir + "/cpu.cfs_period_us");
      if (q && p) KeepSmaller(&least, CpuQuotaFromCfs(*q, *p));
    }
  }
  int n = std::max(1, affinity_cpus);
  return least ? std::min(n, *least) : n;
}

// CPUs in this process's affinity mask, 0 if it cannot be read. The mask
// starts at 1,024 CPUs (a fixed cpu_set_t) and doubles while the kernel
// says it is too small (EINVAL: fewer bits than its possible CPUs).
int AffinityCpus() {
  for (size_t cpus = 1024; cpus <= (1u << 20); cpus *= 2) {
    std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set(
        CPU_ALLOC(cpus), [](cpu_set_t* s) { CPU_FREE(s); });
    if (!set) return 0;
    size_t size = CPU_ALLOC_SIZE(cpus);
    if (sched_getaffinity(0, size, set.get()) == 0) {
      return CPU_COUNT_S(size, set.get());
    }
    if (errno != EINVAL) return 0;
  }
  return 0;
}

int UsableCpus() {
  int n = AffinityCpus();
  if (n <= 0)
    n = static_cast<int>(std::max<long>(sysconf(_SC_NPROCESSORS_ONLN), 1));
  std::string proc = ReadSmallFile("/proc/self/cgroup", 64 << 10).value_or("");
  return UsableCpusIn(proc, "/sys/fs/cgroup", n);
}

int DefaultWorkers(int cpus) { return std::clamp(8 * cpus, 2, 16); }

StatusOr<int> ParseWorkers(const std::string& flag, int usable_cpus) {
  if (flag == "auto") return DefaultWorkers(usable_cpus);
  const char* end = flag.data() + flag.size();
  int n = 0;
  auto parsed = std::from_chars(flag.data(), end, n);
  if (parsed.ec != std::errc() || parsed.ptr != end || n < 1 || n > 64) {
    return InvalidArgumentError(
        "--workers: want a whole number from 1 to 64, or auto; got \"" + flag +
        "\"");
  }
  return n;
}

}  // namespace certstore
