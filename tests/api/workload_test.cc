// Which Secrets a workload's pod template reads (api/workload.h): every way
// a pod can read a Secret, and nothing else.
#include "operator/api/workload.h"

#include <gtest/gtest.h>

namespace certstore::api {
namespace {

std::string Deployment(const std::string& pod_spec) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"},)"
         R"("spec":{"template":{"spec":)" +
         pod_spec + "}}}";
}

TEST(WorkloadSecretsTest, FindsEverySecretThePodTemplateReads) {
  struct Case {
    const char* name;
    std::string pod_spec;
    std::vector<std::string> want;
  } cases[] = {
      {"volume",
       R"({"volumes":[{"name":"v","secret":{"secretName":"a"}}]})",
       {"a"}},
      {"projected volume",
       R"({"volumes":[{"name":"p","projected":{"sources":[)"
       R"({"secret":{"name":"b"}},{"configMap":{"name":"cm"}},)"
       R"({"secret":{"name":"c"}}]}}]})",
       {"b", "c"}},
      {"env secretKeyRef",
       R"({"containers":[{"name":"c","env":[{"name":"X","value":"1"},)"
       R"({"name":"Y","valueFrom":{"secretKeyRef":{"name":"d","key":"k"}}},)"
       R"({"name":"Z","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k"}}}]}]})",
       {"d"}},
      {"envFrom secretRef",
       R"({"containers":[{"name":"c","envFrom":[{"configMapRef":{"name":"cm"}},)"
       R"({"secretRef":{"name":"e"}}]}]})",
       {"e"}},
      {"init and ephemeral containers",
       R"({"initContainers":[{"name":"i","envFrom":[{"secretRef":{"name":"f"}}]}],)"
       R"("ephemeralContainers":[{"name":"d","envFrom":[{"secretRef":{"name":"g"}}]}]})",
       {"f", "g"}},
      {"sorted and unique",
       R"({"volumes":[{"name":"v","secret":{"secretName":"z"}},)"
       R"({"name":"w","secret":{"secretName":"a"}}],)"
       R"("containers":[{"name":"c","envFrom":[{"secretRef":{"name":"z"}}]}]})",
       {"a", "z"}},
      {"no Secrets", R"({"containers":[{"name":"c","image":"x"}]})", {}},
      {"not a pod spec", R"("text")", {}},
      {"empty names are no names",
       R"({"volumes":[{"name":"v","secret":{"secretName":""}}]})",
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = ParseWorkloadSecrets(Deployment(c.pod_spec));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->names, c.want);
    EXPECT_FALSE(got->truncated);
  }
}

TEST(WorkloadSecretsTest, BoundsTheNamesAndRefusesWhatIsNotAnObject) {
  std::string volumes;
  for (size_t i = 0; i < kMaxWorkloadSecrets + 5; ++i)
    volumes += std::string(i ? "," : "") +
               R"({"name":"v","secret":{"secretName":"s)" +
               std::to_string(1000 + i) + R"("}})";
  auto got =
      ParseWorkloadSecrets(Deployment(R"({"volumes":[)" + volumes + "]}"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->names.size(), kMaxWorkloadSecrets);
  EXPECT_TRUE(got->truncated);
  for (const char* bad : {"", "[1,2]", "{not json"})
    EXPECT_FALSE(ParseWorkloadSecrets(bad).ok()) << bad;
}

TEST(WorkloadSecretsTest, TellsWhetherEveryPodRunsTheCurrentTemplate) {
  auto status = [](const std::string& kind, int64_t generation,
                   const std::string& spec, const std::string& st) {
    return R"({"kind":")" + kind + R"(","metadata":{"generation":)" +
           std::to_string(generation) + R"(},"spec":)" + spec +
           R"(,"status":)" + st + "}";
  };
  struct Case {
    const char* name;
    std::string json;
    bool want;
  } cases[] = {
      {"Deployment rolled out",
       status("Deployment", 3, R"({"replicas":2})",
              R"({"observedGeneration":3,"replicas":2,"updatedReplicas":2})"),
       true},
      {"Deployment with old pods left",
       status("Deployment", 3, R"({"replicas":1})",
              R"({"observedGeneration":3,"replicas":2,"updatedReplicas":1})"),
       false},
      {"Deployment not observed yet",
       status("Deployment", 4, R"({"replicas":1})",
              R"({"observedGeneration":3,"replicas":1,"updatedReplicas":1})"),
       false},
      {"StatefulSet rolled out",
       status("StatefulSet", 2, R"({"replicas":3})",
              R"({"observedGeneration":2,"updatedReplicas":3,)"
              R"("currentRevision":"r2","updateRevision":"r2"})"),
       true},
      {"StatefulSet OnDelete, pods not deleted",
       status("StatefulSet", 2, R"({"replicas":3})",
              R"({"observedGeneration":2,"updatedReplicas":0,)"
              R"("currentRevision":"r1","updateRevision":"r2"})"),
       false},
      {"DaemonSet rolled out",
       status("DaemonSet", 5, "{}",
              R"({"observedGeneration":5,"desiredNumberScheduled":4,)"
              R"("updatedNumberScheduled":4})"),
       true},
      {"DaemonSet halfway",
       status("DaemonSet", 5, "{}",
              R"({"observedGeneration":5,"desiredNumberScheduled":4,)"
              R"("updatedNumberScheduled":2})"),
       false},
      {"no status", R"({"kind":"Deployment","metadata":{"generation":1}})",
       false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = ParseWorkloadSecrets(c.json);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->rolled_out, c.want);
  }
}

}  // namespace
}  // namespace certstore::api
