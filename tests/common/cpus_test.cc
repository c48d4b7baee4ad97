#include "operator/common/cpus.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "tests/support/temp_dir.h"

namespace certstore {
namespace {

namespace fs = std::filesystem;

TEST(CpusTest, ReadsACgroupV2Quota) {
  struct Case {
    const char* text;
    std::optional<int> cpus;
  } cases[] = {
      {"200000 100000\n", 2},                   // limits.cpu: 2
      {"150000 100000", 2},                     // 1.5 CPUs: rounded up
      {"50000 100000\n", 1},                    // 500m: at least one
      {"1 100000", 1},                          //
      {"6400000 100000", 64},                   //
      {"max 100000\n", std::nullopt},           // no limit
      {"max", std::nullopt},                    //
      {"", std::nullopt},                       //
      {"200000", std::nullopt},                 // no period
      {"200000 100000 7", std::nullopt},        // extra field
      {"-1 100000", std::nullopt},              // not a quota
      {"200000 0", std::nullopt},               // zero period
      {"0 100000", std::nullopt},               // zero quota
      {"2e5 100000", std::nullopt},             //
      {"9999999999999999999 1", std::nullopt},  // overflow
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CpuQuotaFromCpuMax(c.text), c.cpus) << "\"" << c.text << "\"";
  }
}

TEST(CpusTest, ReadsACgroupV1Quota) {
  EXPECT_EQ(CpuQuotaFromCfs("400000\n", "100000\n"), 4);
  EXPECT_EQ(CpuQuotaFromCfs("250000", "100000"), 3);
  EXPECT_EQ(CpuQuotaFromCfs("-1\n", "100000\n"), std::nullopt);  // no limit
  EXPECT_EQ(CpuQuotaFromCfs("", "100000"), std::nullopt);
  EXPECT_EQ(CpuQuotaFromCfs("100000", "x"), std::nullopt);
}

// A cgroup tree in a temporary directory: files written under it.
class CgroupTree {
 public:
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(dir_.path() + rel).parent_path());
    std::ofstream(dir_.path() + rel) << text;
  }
  const std::string& root() const { return dir_.path(); }

 private:
  testing::TempDir dir_{"certstore-cgroup"};
};

TEST(CpusTest, CountsTheSmallestQuotaOnTheCgroupAndItsParents) {
  struct Case {
    const char* name;
    const char* proc_self_cgroup;
    std::vector<std::pair<const char*, const char*>> files;
    int affinity;
    int want;
  } cases[] = {
      {"v2 in a cgroup namespace: the container's limit at the root",
       "0::/\n",
       {{"/cpu.max", "200000 100000\n"}},
       64,
       2},
      {"v2, limit on the leaf",
       "0::/kubepods/burstable/pod1/ctr\n",
       {{"/cpu.max", "max 100000\n"},
        {"/kubepods/burstable/pod1/ctr/cpu.max", "300000 100000\n"}},
       64,
       3},
      {"v2, limit on a parent only (pod-level), the leaf says max",
       "0::/kubepods/burstable/pod1/ctr\n",
       {{"/kubepods/burstable/pod1/ctr/cpu.max", "max 100000\n"},
        {"/kubepods/burstable/pod1/cpu.max", "400000 100000\n"},
        {"/kubepods/cpu.max", "max 100000\n"}},
       64,
       4},
      {"v2, the smallest of several",
       "0::/a/b\n",
       {{"/a/b/cpu.max", "800000 100000\n"}, {"/a/cpu.max", "150000 100000\n"}},
       64,
       2},
      {"v2, no limit anywhere: the affinity mask",
       "0::/a\n",
       {{"/a/cpu.max", "max 100000\n"}},
       6,
       6},
      {"v2, a limit above the affinity mask: the mask",
       "0::/a\n",
       {{"/a/cpu.max", "800000 100000\n"}},
       3,
       3},
      {"v1 hybrid (this machine's shape): v2 has no cpu.max, v1 says -1",
       "1:cpu:/\n0::/\n",
       {{"/cpu/cpu.cfs_quota_us", "-1\n"},
        {"/cpu/cpu.cfs_period_us", "100000\n"}},
       2,
       2},
      {"v1, cpu,cpuacct, limit on the leaf",
       "4:memory:/x\n3:cpu,cpuacct:/docker/abc\n",
       {{"/cpu/docker/abc/cpu.cfs_quota_us", "150000\n"},
        {"/cpu/docker/abc/cpu.cfs_period_us", "100000\n"},
        {"/cpu/cpu.cfs_quota_us", "-1\n"},
        {"/cpu/cpu.cfs_period_us", "100000\n"}},
       32,
       2},
      {"v1, limit on a parent",
       "3:cpuacct,cpu:/slice/svc\n",
       {{"/cpu/slice/cpu.cfs_quota_us", "100000\n"},
        {"/cpu/slice/cpu.cfs_period_us", "100000\n"}},
       32,
       1},
      {"no cgroup files at all", "0::/kubepods/pod\n", {}, 8, 8},
      {"no /proc/self/cgroup", "", {{"/cpu.max", "100000 100000\n"}}, 8, 8},
      {"garbage lines are ignored", "junk\n::\n0::relative\n", {}, 4, 4},
      {"outside the cgroup namespace's root (..): no quota is ours",
       "0::/../../other\n",
       {{"/cpu.max", "200000 100000\n"}},
       8,
       8},
      {"a last line without its newline was cut short: ignored",
       "1:cpu:/x\n0::/a/b/c",
       {{"/a/b/c/cpu.max", "100000 100000\n"}},
       8,
       8},
      {"an unreadable quota is no quota",
       "0::/a\n",
       {{"/a/cpu.max", "lots\n"}},
       8,
       8},
      {"a broken affinity count still gives one CPU", "0::/\n", {}, 0, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CgroupTree tree;
    for (const auto& [rel, text] : c.files) tree.Write(rel, text);
    EXPECT_EQ(UsableCpusIn(c.proc_self_cgroup, tree.root(), c.affinity),
              c.want);
  }
}

TEST(CpusTest, UsableCpusIsWithinTheOnlineCpus) {
  int n = UsableCpus();
  EXPECT_GE(n, 1);
  EXPECT_LE(n, sysconf(_SC_NPROCESSORS_CONF));
}

TEST(CpusTest, DefaultWorkersAreEightPerCpuWithinBounds) {
  EXPECT_EQ(DefaultWorkers(0), 2);
  EXPECT_EQ(DefaultWorkers(1), 8);
  EXPECT_EQ(DefaultWorkers(2), 16);
  EXPECT_EQ(DefaultWorkers(3), 16);
  EXPECT_EQ(DefaultWorkers(64), 16);
}

TEST(CpusTest, ParsesTheWorkersFlag) {
  struct Case {
    const char* flag;
    int cpus, want;
  } good[] = {{"auto", 2, DefaultWorkers(2)},
              {"auto", 1, DefaultWorkers(1)},
              {"1", 2, 1},
              {"3", 2, 3},
              {"64", 2, 64}};
  for (const auto& c : good) {
    auto w = ParseWorkers(c.flag, c.cpus);
    ASSERT_TRUE(w.ok()) << c.flag << ": " << w.status();
    EXPECT_EQ(*w, c.want) << c.flag;
  }
  for (const char* bad : {"0", "65", "4x", "", "-2", "+4", "many", " 4", "4 ",
                          "1e3", "99999999999", "AUTO", "0x4"}) {
    SCOPED_TRACE(bad);
    auto w = ParseWorkers(bad, 2);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w.status().message(),
              std::string("--workers: want a whole number from 1 to 64, or "
                          "auto; got \"") +
                  bad + "\"");
  }
}

}  // namespace
}  // namespace certstore
