// What the operator asks of the API server per reconcile: each object is
// read once, CA Secrets come from the cache, a Secret write re-uses the
// read, and status patches carry the resourceVersion they were computed
// from (a precondition: two writers cannot silently overwrite each other).
#include <gtest/gtest.h>

#include <map>

#include "operator/common/clock.h"
#include "operator/controller/api_object_source.h"
#include "operator/controller/cached_kinds.h"
#include "operator/controller/secret_writer.h"
#include "operator/controller/status_writer.h"
#include "tests/support/fake_cache.h"
#include "tests/support/fake_transport.h"

namespace certstore::controller {
namespace {

using certstore::testing::FakeCache;
using certstore::testing::FakeTransport;

// `owner_uid`: the UID of the CertStore named in a controller
// ownerReference (none when empty). `managed`: the managed-by label.
std::string SecretJson(const std::string& name, const std::string& rv,
                       bool managed, const std::string& owner_uid = "") {
  std::string owner =
      owner_uid.empty()
          ? ""
          : ",\"ownerReferences\":[{\"apiVersion\":\"certstore.dev/v1alpha1\","
            "\"kind\":\"CertStore\",\"name\":\"x\",\"uid\":\"" +
                owner_uid + "\",\"controller\":true}]";
  return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
         "\"" +
         name + "\",\"namespace\":\"demo\",\"resourceVersion\":\"" + rv + "\"" +
         (managed ? ",\"labels\":{\"app.kubernetes.io/"
                    "managed-by\":\"certstore-operator\"}"
                  : "") +
         owner + "},\"type\":\"Opaque\",\"data\":{\"a\":\"eA==\"}}";
}

TEST(ApiReadsTest, EachSecretIsReadOnceAndCaSecretsComeFromTheCache) {
  FakeTransport t;
  t.objects["/api/v1/namespaces/demo/secrets/user"] =
      SecretJson("user", "7", false);
  t.objects["/api/v1/namespaces/demo/secrets/app-stores"] =
      SecretJson("app-stores", "43", true);
  kube::Client client(t);
  FakeCache cache;
  // As the operator caches its own Secrets (cached_kinds.h): a CertStore's
  // stores as a digest, an issuer's CA Secret whole.
  for (const char* name : {"app-stores", "team-ca"}) {
    auto cached = std::make_shared<kube::CachedObject>();
    cached->meta.ns = "demo";
    cached->meta.name = name;
    bool ca = std::string(name) == "team-ca";
    cached->json = SecretJson(name, "42", true);
    cached->typed = DecodeManagedSecret(*cached, /*complete=*/ca);
    cached->json.clear();
    cache.Put(cached);
  }
  ApiObjectSource source(client, &cache);
  for (int i = 0; i < 3; ++i) {
    auto user = source.GetSecret("demo", "user");
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->metadata.resource_version, "7");
    auto stores = source.GetSecret("demo", "app-stores");
    ASSERT_TRUE(stores.has_value());
    EXPECT_EQ(stores->metadata.resource_version, "43");  // as read
    EXPECT_EQ(stores->data.at("a"), "x");
    auto ca = source.GetSecret("demo", "team-ca");
    ASSERT_TRUE(ca.has_value());
    EXPECT_EQ(ca->metadata.resource_version, "42");  // as cached
    EXPECT_EQ(ca->data.at("a"), "x");
    EXPECT_FALSE(source.GetSecret("demo", "missing").has_value());
  }
  // One GET each for the user's Secret, the CertStore's stores and the
  // missing one; none for the CA Secret.
  EXPECT_EQ(t.Count("GET"), 3);
  EXPECT_TRUE(source.error().ok());
}

// A labelled Secret the operator did not write is cached without its data
// (partial): a reconcile that needs it reads it from the API server.
TEST(ApiReadsTest, APartialCachedSecretIsReadFromTheServer) {
  FakeTransport t;
  t.objects["/api/v1/namespaces/demo/secrets/app-stores"] =
      SecretJson("app-stores", "43", true);
  kube::Client client(t);
  FakeCache cache;
  auto cached = std::make_shared<kube::CachedObject>();
  cached->meta.ns = "demo";
  cached->meta.name = "app-stores";
  cached->json =
      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
      "\"app-stores\",\"namespace\":\"demo\",\"resourceVersion\":\"42\"}}";
  cached->partial = true;
  cache.Put(cached);
  ApiObjectSource source(client, &cache);
  auto s = source.GetSecret("demo", "app-stores");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->metadata.resource_version, "43");
  EXPECT_EQ(s->data.at("a"), "x");
  EXPECT_EQ(t.Count("GET"), 1);
}

TEST(ApiReadsTest, AWriteReusesTheReadAndCarriesItsResourceVersion) {
  FakeTransport t;
  kube::Client client(t);
  FakeCache cache;
  auto cached = std::make_shared<kube::CachedObject>();
  cached->meta.ns = "demo";
  cached->meta.name = "app-stores";
  cached->json = SecretJson("app-stores", "42", true, "cs-uid");
  cache.Put(cached);
  ApiObjectSource source(client, &cache);
  const OwnerRef me{"certstore.dev/v1alpha1", "CertStore", "app", "cs-uid"};
  api::SecretObject desired;
  desired.metadata.name = "app-stores";
  desired.metadata.namespace_ = "demo";
  desired.metadata.labels["app.kubernetes.io/managed-by"] =
      "certstore-operator";
  desired.type = "Opaque";
  desired.data["a"] = "changed";
  auto w = WriteSecret(client, desired, me, &source);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(*w, WriteResult::kUpdated);
  EXPECT_EQ(t.Count("GET"), 0);
  ASSERT_EQ(t.Count("PUT"), 1);
  EXPECT_NE(t.Requests().back().body.find("\"resourceVersion\":\"42\""),
            std::string::npos);

  // A Secret this CertStore does not control is never written, whatever
  // its labels say: no label, our label without an ownerReference (anyone
  // can set a label), or another CertStore's.
  t.objects["/api/v1/namespaces/demo/secrets/theirs"] =
      SecretJson("theirs", "3", false);
  t.objects["/api/v1/namespaces/demo/secrets/labelled"] =
      SecretJson("labelled", "4", true);
  t.objects["/api/v1/namespaces/demo/secrets/other"] =
      SecretJson("other", "5", true, "uid-b");
  for (const char* name : {"theirs", "labelled", "other"}) {
    desired.metadata.name = name;
    auto refused = WriteSecret(client, desired, me, &source);
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << name;
  }
  desired.metadata.name = "other";
  EXPECT_NE(WriteSecret(client, desired, me, &source)
                .status()
                .message()
                .find("uid uid-b"),
            std::string::npos);
  // A CA Secret is never written through a CertStore, even one that names
  // this CertStore as its controller.
  api::SecretObject ca;
  ca.metadata.name = "root-ca";
  ca.metadata.namespace_ = "demo";
  ca.metadata.annotations["certstore.dev/issuer-uid"] = "issuer-uid";
  ca.metadata.owner_references.push_back(
      {"certstore.dev/v1alpha1", "CertStore", "app", "cs-uid", true});
  EXPECT_NE(ForeignOwner(ca, me).find("root CA key"), std::string::npos);
  EXPECT_EQ(t.Count("PUT"), 1);
}

TEST(ApiReadsTest, StatusPatchCarriesTheResourceVersionItWasComputedFrom) {
  FakeTransport t;
  kube::Client client(t);
  StatusUpdate u;
  u.ready = {"True", "Issued", "ok"};
  api::ObservedStatus previous;
  previous.ready = api::ReadyCondition{};
  previous.ready->status = "True";
  previous.ready->last_transition_time = "2026-01-02T03:04:05Z";
  ASSERT_TRUE(PatchStatus(client, kube::CertStoresResource(), "demo", "app",
                          previous, "99", 1, u, SystemClock::Get().Now())
                  .ok());
  ASSERT_EQ(t.Count("PATCH"), 1);
  const std::string body = t.Requests().back().body;
  EXPECT_NE(body.find("\"metadata\":{\"resourceVersion\":\"99\"}"),
            std::string::npos)
      << body;
  // Ready stayed True: its lastTransitionTime is the cached one.
  EXPECT_NE(body.find("\"lastTransitionTime\":\"2026-01-02T03:04:05Z\""),
            std::string::npos)
      << body;
}

}  // namespace
}  // namespace certstore::controller
