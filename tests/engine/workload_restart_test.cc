// When an opted-in workload is restarted (engine/workload_restart.h): only
// when data its pods started with changed.
#include "operator/engine/workload_restart.h"

#include <gtest/gtest.h>

namespace certstore::engine {
namespace {

const std::string kA1(64, 'a'), kA2(64, 'b'), kB1(64, 'c'), kB2(64, 'd');
using Action = RestartDecision::Action;

TEST(WorkloadRestartTest, RestartsOnlyForChangedDataItsPodsStartedWith) {
  const std::string ab = "a=" + kA1.substr(0, 16) + ",b=" + kB1.substr(0, 16);
  struct Case {
    const char* name;
    std::string recorded;
    StoreDigests current;
    Action want;
    std::vector<std::string> changed;
  } cases[] = {
      {"first sight: recorded, not restarted",
       "",
       {{"a", kA1}, {"b", kB1}},
       Action::kRecord,
       {}},
      {"nothing changed", ab, {{"a", kA1}, {"b", kB1}}, Action::kNone, {}},
      {"one Secret renewed",
       ab,
       {{"a", kA2}, {"b", kB1}},
       Action::kRestart,
       {"a"}},
      {"both renewed in one window: one restart",
       ab,
       {{"a", kA2}, {"b", kB2}},
       Action::kRestart,
       {"a", "b"}},
      {"a Secret newly read (the template changed and rolls by itself)",
       "a=" + kA1.substr(0, 16),
       {{"a", kA1}, {"b", kB1}},
       Action::kRecord,
       {}},

      {"no Secret of the operator's: nothing", ab, {}, Action::kNone, {}},
      {"a record the operator never wrote: recorded again",
       "tampered",
       {{"a", kA1}},
       Action::kRecord,
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RestartDecision d = DecideRestart(c.recorded, c.current, {"a", "b"});
    EXPECT_EQ(d.action, c.want);
    EXPECT_EQ(d.changed, c.changed);
    if (c.want != Action::kNone) {
      EXPECT_EQ(d.record, StoresRecord(c.current));
    }
  }
}

// A Secret the pods read is deleted (e.g. to force a new key) and written
// again a while later: the pods still hold the old data until restarted.
TEST(WorkloadRestartTest, ASecretDeletedAndWrittenAgainStillRestarts) {
  const std::string ab = "a=" + kA1.substr(0, 16) + ",b=" + kB1.substr(0, 16);
  // Gone for now: the record keeps it as the pods hold it.
  RestartDecision gone = DecideRestart(ab, {{"b", kB1}}, {"a", "b"});
  EXPECT_EQ(gone.action, Action::kNone);
  // Back with other data: restarted.
  RestartDecision back =
      DecideRestart(ab, {{"a", kA2}, {"b", kB1}}, {"a", "b"});
  EXPECT_EQ(back.action, Action::kRestart);
  EXPECT_EQ(back.changed, std::vector<std::string>{"a"});
  // No longer read by the template at all: dropped from the record.
  RestartDecision dropped = DecideRestart(ab, {{"b", kB1}}, {"b"});
  EXPECT_EQ(dropped.action, Action::kRecord);
  EXPECT_EQ(dropped.record, "b=" + kB1.substr(0, 16));
}

TEST(WorkloadRestartTest, TheRecordNamesEachSecretWithAShortDigest) {
  EXPECT_EQ(StoresRecord({{"b", kB1}, {"a", kA1}}),
            "a=" + kA1.substr(0, 16) + ",b=" + kB1.substr(0, 16));
  EXPECT_EQ(StoresRecord({}), "");
}

}  // namespace
}  // namespace certstore::engine
