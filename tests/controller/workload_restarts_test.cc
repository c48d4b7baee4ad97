// One pass over a namespace's opted-in workloads (controller/
// workload_restarts.h) against a fake API server: what it patches, and what
// it leaves alone.
#include "operator/controller/workload_restarts.h"

#include <gtest/gtest.h>

#include "operator/common/clock.h"
#include "operator/controller/cached_kinds.h"
#include "operator/engine/verified_stores.h"
#include "tests/support/fake_cache.h"
#include "tests/support/fake_transport.h"

namespace certstore::controller {
namespace {

using certstore::testing::FakeCache;
using certstore::testing::FakeTransport;

std::string SecretJson(const std::string& name, const std::string& data) {
  return R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" + name +
         R"(","namespace":"demo","resourceVersion":"5"},"type":"Opaque",)"
         R"("data":{"tls.crt":")" +
         data + R"("}})";
}

// A Deployment reading Secret `secret` through a volume.
std::string DeploymentJson(const std::string& secret) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},)"
         R"("spec":{"template":{"spec":{"volumes":[{"name":"s","secret":)"
         R"({"secretName":")" +
         secret + R"("}}]}}}})";
}

class WorkloadRestartsTest : public ::testing::Test {
 protected:
  WorkloadRestartsTest()
      : client_(transport_),
        events_(client_, "certstore-operator", "test", "default", clock_),
        deps_(client_, empty_, empty_, empty_, events_, clock_) {
    deps_.managed_secrets = &secrets_;
    deployments_.SetDecoder(WorkloadInformerOptions());
    deployments_.AddIndex(kRestartNamespaceIndex, RestartNamespaceIndex);
    caches_.kinds[0] = &deployments_;
  }

  // The operator's Secret `name` with data `data`, as its cache holds it.
  void PutSecret(const std::string& name, const std::string& data,
                 bool ours = true) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = "demo";
    o->meta.name = name;
    o->json = SecretJson(name, data);
    o->partial = !ours;  // a labelled Secret the operator did not write
    if (ours) {
      o->typed = DecodeManagedSecret(*o, /*complete=*/false);
      o->json.clear();
    }
    secrets_.Put(o);
  }
  std::string DataDigestOf(const std::string& data_b64) {
    auto s = api::ParseSecret(SecretJson("x", data_b64));
    return engine::DataDigest(s->data);
  }
  // Deployment web, opted in or not, with annotation stores = `recorded`.
  void PutDeployment(bool opted_in, const std::string& recorded,
                     const std::string& secret = "web-stores") {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = "demo";
    o->meta.name = "web";
    o->meta.uid = "uid-web";
    o->meta.resource_version = "77";
    if (opted_in)
      o->meta.annotations.Set("certstore.dev/restart-on-change", "true");
    if (!recorded.empty())
      o->meta.annotations.Set("certstore.dev/stores", recorded);
    o->json = DeploymentJson(secret);
    o->partial = !opted_in;
    if (opted_in) {
      o->typed = WorkloadInformerOptions().decode(*o);
      o->json.clear();
    }
    deployments_.Put(o);
  }
  std::vector<kube::HttpRequest> Patches() {
    std::vector<kube::HttpRequest> out;
    for (const auto& r : transport_.Requests())
      if (r.method == "PATCH") out.push_back(r);
    return out;
  }

  // 2026-01-01T00:00:00Z.
  FakeClock clock_{TimePoint(std::chrono::seconds(1767225600))};
  FakeTransport transport_;
  kube::Client client_;
  kube::EventRecorder events_;
  FakeCache empty_, secrets_, deployments_;
  ReconcilerDeps deps_;
  WorkloadCaches caches_;
};

TEST_F(WorkloadRestartsTest, FirstSightRecordsTheStoresWithoutARestart) {
  PutSecret("web-stores", "djE=");
  PutDeployment(true, "");
  ReconcileResult r = ReconcileWorkloads(deps_, caches_, "demo");
  ASSERT_TRUE(r.error.ok()) << r.error;
  auto patches = Patches();
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].path, "/apis/apps/v1/namespaces/demo/deployments/web");
  EXPECT_EQ(patches[0].content_type, "application/merge-patch+json");
  std::string record = "web-stores=" + DataDigestOf("djE=").substr(0, 16);
  EXPECT_NE(patches[0].body.find(R"("resourceVersion":"77")"),
            std::string::npos)
      << patches[0].body;
  EXPECT_NE(patches[0].body.find(record), std::string::npos) << patches[0].body;
  EXPECT_EQ(patches[0].body.find("template"), std::string::npos)
      << "no rollout on first sight: " << patches[0].body;
}

TEST_F(WorkloadRestartsTest, ChangedStoresRollThePodTemplate) {
  PutSecret("web-stores", "djI=");
  PutDeployment(true, "web-stores=" + DataDigestOf("djE=").substr(0, 16));
  ReconcileResult r = ReconcileWorkloads(deps_, caches_, "demo");
  ASSERT_TRUE(r.error.ok()) << r.error;
  auto patches = Patches();
  ASSERT_EQ(patches.size(), 1u);
  const std::string& body = patches[0].body;
  std::string record = "web-stores=" + DataDigestOf("djI=").substr(0, 16);
  EXPECT_NE(body.find(R"("template":{"metadata":{"annotations":{)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("certstore.dev/restarted-at":"2026-01-01T00:00:00Z")"),
            std::string::npos)
      << body;
  // The record is written twice: on the workload and on the pod template.
  EXPECT_NE(body.find(record), body.rfind(record)) << body;
}

TEST_F(WorkloadRestartsTest, LeavesAloneWhatIsNotItsBusiness) {
  struct Case {
    const char* name;
    bool opted_in;
    bool ours;
    bool current;
  } cases[] = {
      {"not opted in", false, true, false},
      {"a Secret the operator did not write", true, false, false},
      {"the record is current", true, true, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    transport_.ClearRequests();
    PutSecret("web-stores", "djI=", c.ours);
    PutDeployment(c.opted_in,
                  "web-stores=" +
                      DataDigestOf(c.current ? "djI=" : "djE=").substr(0, 16));
    ReconcileResult r = ReconcileWorkloads(deps_, caches_, "demo");
    ASSERT_TRUE(r.error.ok()) << r.error;
    EXPECT_TRUE(Patches().empty());
  }
}

TEST_F(WorkloadRestartsTest, AFailedPatchIsRetriedAndAGoneWorkloadIsNot) {
  PutSecret("web-stores", "djI=");
  PutDeployment(true, "web-stores=" + DataDigestOf("djE=").substr(0, 16));
  transport_.responses.push_back(
      {409, R"({"kind":"Status","code":409,"reason":"Conflict"})", {}});
  ReconcileResult r = ReconcileWorkloads(deps_, caches_, "demo");
  EXPECT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("Deployment demo/web"), std::string::npos)
      << r.error;
  transport_.responses.push_back(
      {404, R"({"kind":"Status","code":404,"reason":"NotFound"})", {}});
  r = ReconcileWorkloads(deps_, caches_, "demo");
  EXPECT_TRUE(r.error.ok()) << r.error;
}

TEST_F(WorkloadRestartsTest, PendingWhileARestartIsDueOrItsRolloutRuns) {
  std::string old_record = "web-stores=" + DataDigestOf("djE=").substr(0, 16);
  std::string new_record = "web-stores=" + DataDigestOf("djI=").substr(0, 16);
  PutSecret("web-stores", "djI=");
  // Due: the Secret changed, nothing rolled yet.
  PutDeployment(true, old_record);
  EXPECT_TRUE(RestartPending(deps_, *deployments_.Get("demo", "web")));
  // Rolled by the operator, rollout running / finished.
  for (bool rolled_out : {false, true}) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = "demo";
    o->meta.name = "web";
    o->meta.annotations.Set("certstore.dev/restart-on-change", "true");
    o->meta.annotations.Set("certstore.dev/stores", new_record);
    auto w = std::make_shared<CachedWorkload>();
    w->secrets.names = {"web-stores"};
    w->secrets.template_annotations = {
        {"certstore.dev/stores", new_record},
        {"certstore.dev/restarted-at", "2026-01-01T00:00:00Z"}};
    w->secrets.rolled_out = rolled_out;
    o->typed = w;
    EXPECT_EQ(RestartPending(deps_, *o), !rolled_out) << rolled_out;
  }
  // First sight (recorded, never rolled) and not opted in: not pending.
  PutDeployment(true, new_record);
  EXPECT_FALSE(RestartPending(deps_, *deployments_.Get("demo", "web")));
  PutDeployment(false, old_record);
  EXPECT_FALSE(RestartPending(deps_, *deployments_.Get("demo", "web")));
}

// A TrustBundle's truststore Secret is cached as metadata (its stores are
// never read): its content annotation stands for its data. A labelled
// Secret nobody controls does not count.
TEST_F(WorkloadRestartsTest, TrustBundleSecretsCountByTheirContentDigest) {
  const std::string kC1(64, '1'), kC2(64, '2');  // as the annotation holds
  auto skeleton = [](const std::string& kind, const std::string& content) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = "demo";
    o->meta.name = "web-stores";
    o->partial = true;
    if (!kind.empty())
      o->meta.owners.push_back(kube::ObjectOwner{"certstore.dev/v1alpha1", kind,
                                                 "corp", "uid-tb", true});
    o->meta.annotations.Set("certstore.dev/bundle-content", content);
    return kube::ObjectPtr(o);
  };
  EXPECT_EQ(DigestOf(*skeleton("TrustBundle", kC1)), kC1);
  EXPECT_EQ(DigestOf(*skeleton("", kC1)), "");
  EXPECT_EQ(DigestOf(*skeleton("Deployment", kC1)), "");
  EXPECT_TRUE(StoresChanged(skeleton("TrustBundle", kC1),
                            skeleton("TrustBundle", kC2)));
  EXPECT_FALSE(StoresChanged(skeleton("TrustBundle", kC1),
                             skeleton("TrustBundle", kC1)));
  // A bundle target read by an opted-in workload: restarted when it changes.
  secrets_.Put(skeleton("TrustBundle", kC2));
  PutDeployment(true, "web-stores=" + kC1.substr(0, 16));
  ReconcileResult r = ReconcileWorkloads(deps_, caches_, "demo");
  ASSERT_TRUE(r.error.ok()) << r.error;
  ASSERT_EQ(Patches().size(), 1u);
  EXPECT_NE(Patches()[0].body.find("restarted-at"), std::string::npos);
}

TEST_F(WorkloadRestartsTest, StatusOnlyWorkloadUpdatesRunNoPass) {
  auto workload = [](bool opted_in, int64_t generation,
                     const std::string& record) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.generation = generation;
    if (opted_in)
      o->meta.annotations.Set("certstore.dev/restart-on-change", "true");
    if (!record.empty())
      o->meta.annotations.Set("certstore.dev/stores", record);
    return kube::ObjectPtr(o);
  };
  EXPECT_TRUE(WorkloadNeedsPass(nullptr, workload(true, 1, "")));
  EXPECT_TRUE(WorkloadNeedsPass(workload(false, 1, ""), workload(true, 1, "")));
  EXPECT_TRUE(WorkloadNeedsPass(workload(true, 1, ""), workload(true, 2, "")));
  EXPECT_TRUE(
      WorkloadNeedsPass(workload(true, 1, "a=1"), workload(true, 1, "")));
  EXPECT_FALSE(
      WorkloadNeedsPass(workload(true, 2, "a=1"), workload(true, 2, "a=1")))
      << "a rollout progressing (status only)";
  EXPECT_FALSE(WorkloadNeedsPass(workload(true, 1, ""), nullptr));
  EXPECT_FALSE(WorkloadNeedsPass(nullptr, workload(false, 1, "")));
}

TEST_F(WorkloadRestartsTest, OnlyDataChangesOfManagedSecretsTriggerAPass) {
  auto make = [](const std::string& data) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = "demo";
    o->meta.name = "s";
    o->json = SecretJson("s", data);
    o->typed = DecodeManagedSecret(*o, false);
    return kube::ObjectPtr(o);
  };
  auto v1 = make("djE="), v1_again = make("djE="), v2 = make("djI=");
  EXPECT_FALSE(StoresChanged(v1, v1_again)) << "metadata or status only";
  EXPECT_TRUE(StoresChanged(v1, v2));
  EXPECT_TRUE(StoresChanged(nullptr, v1));
  EXPECT_TRUE(StoresChanged(v1, nullptr));
}

}  // namespace
}  // namespace certstore::controller
