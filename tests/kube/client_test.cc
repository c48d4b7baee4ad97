// Client behaviour against a fake transport: URLs, verbs, content types,
// and retries on 429.
#include "operator/kube/client.h"

#include <gtest/gtest.h>

#include <deque>

#include "tests/support/fake_transport.h"

namespace certstore::kube {
namespace {

using certstore::testing::FakeTransport;

TEST(ClientTest, BuildsPathsVerbsAndContentTypes) {
  FakeTransport t;
  for (int i = 0; i < 7; ++i) t.responses.push_back({200, "{}", {}});
  Client c(t);
  ASSERT_TRUE(c.Get(SecretsResource(), "demo", "s1").ok());
  ListOptions lo;
  lo.label_selector = "app.kubernetes.io/managed-by=certstore-operator";
  lo.limit = 50;
  lo.continue_token = "abc=";
  ASSERT_TRUE(c.List(CertStoresResource(), "demo", lo).ok());
  ASSERT_TRUE(c.Create(ClusterCertIssuersResource(), "ignored", "{}").ok());
  ASSERT_TRUE(
      c.Update(CertStoresResource(), "demo", "cs", "{}", "status").ok());
  ASSERT_TRUE(
      c.Patch(SecretsResource(), "demo", "s1", PatchType::kMerge, "{}").ok());
  ASSERT_TRUE(
      c.Apply(SecretsResource(), "demo", "s1", "{}", "certstore-operator", true)
          .ok());
  DeleteOptions d;
  d.propagation_policy = "Foreground";
  d.precondition_resource_version = "42";
  ASSERT_TRUE(c.Delete(SecretsResource(), "demo", "s1", d).ok());

  ASSERT_EQ(t.Sent(), 7u);
  EXPECT_EQ(t.Requests()[0].path, "/api/v1/namespaces/demo/secrets/s1");
  EXPECT_EQ(
      t.Requests()[1].path,
      "/apis/certstore.dev/v1alpha1/namespaces/demo/certstores?labelSelector="
      "app.kubernetes.io%2Fmanaged-by%3Dcertstore-operator&limit=50&continue="
      "abc%3D");
  EXPECT_EQ(t.Requests()[2].method, "POST");
  EXPECT_EQ(t.Requests()[2].path,
            "/apis/certstore.dev/v1alpha1/clustercertissuers");
  EXPECT_EQ(t.Requests()[3].method, "PUT");
  EXPECT_EQ(
      t.Requests()[3].path,
      "/apis/certstore.dev/v1alpha1/namespaces/demo/certstores/cs/status");
  EXPECT_EQ(t.Requests()[4].content_type, "application/merge-patch+json");
  EXPECT_EQ(t.Requests()[5].content_type, "application/apply-patch+yaml");
  EXPECT_EQ(t.Requests()[5].path,
            "/api/v1/namespaces/demo/secrets/"
            "s1?fieldManager=certstore-operator&force=true");
  EXPECT_EQ(t.Requests()[6].method, "DELETE");
  EXPECT_NE(t.Requests()[6].body.find("\"propagationPolicy\":\"Foreground\""),
            std::string::npos);
  EXPECT_NE(t.Requests()[6].body.find(
                "\"preconditions\":{\"resourceVersion\":\"42\"}"),
            std::string::npos);
}

TEST(ClientTest, HonoursRetryAfterOn429ThenGivesUp) {
  FakeTransport t;
  std::vector<std::chrono::milliseconds> slept;
  ClientOptions o;
  o.max_throttle_retries = 2;
  o.sleep = [&](std::chrono::milliseconds d) { slept.push_back(d); };
  Client c(t, o);
  t.responses = {{429, "{}", {{"retry-after", "3"}}}, {200, "{\"ok\":1}", {}}};
  auto r = c.Get(SecretsResource(), "demo", "s1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\"ok\":1}");
  ASSERT_EQ(slept.size(), 1u);
  EXPECT_EQ(slept[0], std::chrono::seconds(3));

  t.responses = {{429, "{}", {}}, {429, "{}", {}}, {429, "{}", {}}};
  auto r2 = c.Get(SecretsResource(), "demo", "s1");
  EXPECT_EQ(r2.status().code(), StatusCode::kResourceExhausted);
}

TEST(ClientTest, QpsLimitSpacesRequestsAfterTheBurst) {
  FakeTransport t;
  t.objects["/api/v1/namespaces/demo/secrets/s"] = "{}";
  std::chrono::milliseconds total{0};
  ClientOptions o;
  o.qps = 10;
  o.burst = 2;
  o.sleep = [&](std::chrono::milliseconds d) { total += d; };
  Client c(t, o);
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(c.Get(SecretsResource(), "demo", "s").ok());
  // 2 free, then 4 at 100 ms each (minus the little real time that passed).
  EXPECT_GE(total.count(), 300);
}

}  // namespace
}  // namespace certstore::kube
