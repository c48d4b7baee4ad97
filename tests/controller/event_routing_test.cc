// Event routing: every change reaches exactly the objects it affects, and
// queue keys survive the trip through the string-keyed work queue.
#include "operator/controller/event_routing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "operator/controller/cached_kinds.h"
#include "operator/engine/reasons.h"
#include "tests/support/fake_cache.h"

namespace certstore::controller {
namespace {
using Keys = std::vector<std::string>;

Keys Sorted(Keys v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string CertStoreJson(const std::string& ns, const std::string& name,
                          const std::string& spec) {
  return "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertStore\","
         "\"metadata\":{\"name\":\"" +
         name + "\",\"namespace\":\"" + ns + "\"},\"spec\":" + spec + "}";
}

class EventRoutingTest : public ::testing::Test {
 protected:
  EventRoutingTest()
      : router_(certstores_, issuers_, cluster_issuers_,
                [this](const QueueKey& k) { queued_.push_back(k.Encode()); }) {
    // Cached as the manager caches them: decoded, without their JSON.
    certstores_.SetDecoder(CertStoreInformerOptions());
    issuers_.SetDecoder(IssuerInformerOptions());
    cluster_issuers_.SetDecoder(IssuerInformerOptions());
    certstores_.AddIndex(kIssuerIndex, CertStoreIssuerIndex);
    certstores_.AddIndex(kRefIndex, CertStoreRefIndex);
    certstores_.AddIndex(kOwnedSecretIndex, CertStoreOwnedSecretIndex);
    issuers_.AddIndex(kRefIndex, IssuerRefIndex(""));
    cluster_issuers_.AddIndex(kRefIndex, IssuerRefIndex("certstore-system"));
    issuers_.AddIndex(kIssuerIndex, IssuerParentIndex);
    cluster_issuers_.AddIndex(kIssuerIndex, IssuerParentIndex);
    // demo/app: a CertIssuer, a password Secret and two trust sources.
    app_ = certstores_.Put(
        "demo", "app",
        CertStoreJson("demo", "app",
                      "{\"issuerRef\":{\"name\":\"team-ca\"},\"secretName\":"
                      "\"app-stores\",\"password\":{\"secretKeyRef\":{\"name\":"
                      "\"pw\",\"key\":\"p\"}},\"truststore\":{\"secretName\":"
                      "\"app-trust\",\"sources\":[{\"configMap\":{\"name\":"
                      "\"corp-roots\",\"key\":\"ca.crt\"}},{\"secret\":{"
                      "\"name\":\"partner\",\"key\":\"ca.crt\"}}]}}"));
    // demo/web and other/api: the cluster issuer.
    certstores_.Put("demo", "web",
                    CertStoreJson("demo", "web",
                                  "{\"issuerRef\":{\"kind\":"
                                  "\"ClusterCertIssuer\",\"name\":\"corp\"},"
                                  "\"secretName\":\"web-stores\"}"));
    certstores_.Put("other", "api",
                    CertStoreJson("other", "api",
                                  "{\"issuerRef\":{\"kind\":"
                                  "\"ClusterCertIssuer\",\"name\":\"corp\"},"
                                  "\"secretName\":\"api-stores\"}"));
    team_ca_ = issuers_.Put(
        "demo", "team-ca",
        "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertIssuer\","
        "\"metadata\":{\"name\":\"team-ca\",\"namespace\":\"demo\"},"
        "\"spec\":{\"ca\":{\"secretName\":\"team-ca-key\"}}}");
    corp_ = cluster_issuers_.Put(
        "", "corp",
        "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":"
        "\"ClusterCertIssuer\",\"metadata\":{\"name\":\"corp\"},\"spec\":{"
        "\"selfSigned\":{"
        "\"secretName\":\"corp-root\"}}}");
  }

  testing::FakeCache certstores_, issuers_, cluster_issuers_;
  std::vector<std::string> queued_;
  EventRouter router_;
  kube::ObjectPtr app_, team_ca_, corp_;
};

TEST(QueueKeyTest, RoundTripsThroughTheQueueString) {
  for (const QueueKey& k :
       {CertStoreQueueKey("demo", "app"), IssuerQueueKey(false, "demo", "ca"),
        IssuerQueueKey(true, "", "corp"), TrustBundleQueueKey("corp"),
        WorkloadsQueueKey("demo")}) {
    auto back = QueueKey::Decode(k.Encode());
    ASSERT_TRUE(back.has_value()) << k.Encode();
    EXPECT_TRUE(*back == k) << k.Encode();
  }
  EXPECT_EQ(IssuerQueueKey(true, "", "corp").ObjectKey(), "corp");
  EXPECT_EQ(CertStoreQueueKey("demo", "app").ObjectKey(), "demo/app");
  EXPECT_EQ(WorkloadsQueueKey("demo").Encode(), "wl:demo");
}

TEST(QueueKeyTest, RefusesStringsItDidNotMake) {
  for (const char* bad :
       {"", "demo/app", "cs:", "cs:demo", "cs:/app", "cs:demo/", "ci:demo",
        "cci:", "cci:a/b", "x:a/b", "tb:", "tb:a/b", "wl:", "wl:a/b"})
    EXPECT_FALSE(QueueKey::Decode(bad).has_value()) << bad;
}

TEST_F(EventRoutingTest, ASpecChangeQueuesTheCertStoreAndStatusDoesNot) {
  auto newer = std::make_shared<kube::CachedObject>(*app_);
  router_.CertStoreChanged(app_, newer);  // same generation: status only
  EXPECT_TRUE(queued_.empty());
  newer->meta.generation = 2;
  router_.CertStoreChanged(app_, newer);
  router_.CertStoreChanged(nullptr, app_);  // added
  router_.CertStoreChanged(app_, nullptr);  // deleted: ownerReferences
  EXPECT_EQ(queued_, (Keys{"cs:demo/app", "cs:demo/app"}));
}

TEST_F(EventRoutingTest, ARenewRequestQueuesTheCertStoreOncePerValue) {
  auto requested = std::make_shared<kube::CachedObject>(*app_);
  requested->meta.annotations.Set(engine::kRenewRequestAnnotation, "r1");
  router_.CertStoreChanged(app_, requested);  // same generation, new request
  EXPECT_EQ(queued_, (Keys{"cs:demo/app"}));
  queued_.clear();
  // The status write that answers it: same generation, same request.
  auto answered = std::make_shared<kube::CachedObject>(*requested);
  router_.CertStoreChanged(requested, answered);
  EXPECT_TRUE(queued_.empty());
  auto other = std::make_shared<kube::CachedObject>(*requested);
  other->meta.annotations.Set("team.example/note", "x");
  router_.CertStoreChanged(requested, other);
  EXPECT_TRUE(queued_.empty()) << "only the renewal annotation wakes it";
}

TEST_F(EventRoutingTest, AnIssuerChangeQueuesItAndOnlyTheCertStoresUsingIt) {
  router_.IssuerChanged(true, nullptr, corp_);
  EXPECT_EQ(Sorted(queued_),
            Sorted(Keys{"cci:corp", "cs:demo/web", "cs:other/api"}));
  queued_.clear();
  // A status change (same generation) still wakes its CertStores: the CA
  // they chain to is in the issuer's status.
  router_.IssuerChanged(false, team_ca_, team_ca_);
  EXPECT_EQ(queued_, (Keys{"cs:demo/app"}));
}

TEST_F(EventRoutingTest, AReferencedObjectQueuesItsReadersOnly) {
  router_.ReferenceChanged("ConfigMap", "demo", "corp-roots");
  router_.ReferenceChanged("Secret", "demo", "pw");
  router_.ReferenceChanged("Secret", "demo", "partner");
  EXPECT_EQ(queued_, (Keys{"cs:demo/app", "cs:demo/app", "cs:demo/app"}));
  queued_.clear();
  // Same name, other namespace or kind: nobody reads it.
  router_.ReferenceChanged("Secret", "other", "pw");
  router_.ReferenceChanged("Secret", "demo", "corp-roots");
  EXPECT_TRUE(queued_.empty());
}

TEST_F(EventRoutingTest, ACaSecretQueuesItsIssuerAndTheIssuersCertStores) {
  router_.ReferenceChanged("Secret", "certstore-system", "corp-root");
  EXPECT_EQ(Sorted(queued_),
            Sorted(Keys{"cci:corp", "cs:demo/web", "cs:other/api"}));
  queued_.clear();
  router_.ReferenceChanged("Secret", "demo", "team-ca-key");
  EXPECT_EQ(Sorted(queued_), Sorted(Keys{"ci:demo/team-ca", "cs:demo/app"}));
}

TEST_F(EventRoutingTest, AManagedSecretQueuesItsCertStoreUnlessItIsOurEcho) {
  auto secret = std::make_shared<kube::CachedObject>();
  secret->meta.ns = "demo";
  secret->meta.name = "app-stores";
  secret->meta.annotations.Set("certstore.dev/certstore", "app");
  router_.ManagedSecretChanged(nullptr, secret, /*own_write=*/true);
  EXPECT_TRUE(queued_.empty());
  router_.ManagedSecretChanged(secret, secret, /*own_write=*/false);
  router_.ManagedSecretChanged(secret, nullptr, /*own_write=*/true);  // gone
  EXPECT_EQ(queued_, (Keys{"cs:demo/app", "cs:demo/app"}));
}

// The data is what we wrote, but someone took a label or annotation away
// (or changed a template's): the CertStore puts it back. Our own writes
// change only certstore.dev/ annotation values, and are still echoes.
TEST_F(EventRoutingTest, AManagedSecretsMetadataTakenAwayQueuesItsCertStore) {
  auto before = std::make_shared<kube::CachedObject>();
  before->meta.ns = "demo";
  before->meta.name = "app-stores";
  before->meta.annotations.Set("certstore.dev/certstore", "app");
  before->meta.annotations.Set("certstore.dev/revision", "1");
  before->meta.labels.Set("team", "payments");
  before->meta.labels.Set("certstore.dev/certstore", "app");
  struct Case {
    const char* name;
    std::function<void(kube::ObjectMeta&)> edit;
    bool queued;
  } cases[] = {
      {"our revision changed",
       [](auto& m) { m.annotations.Set("certstore.dev/revision", "2"); },
       false},
      {"a label added", [](auto& m) { m.labels.Set("x", "y"); }, false},
      {"a template label removed", [](auto& m) { m.labels.Erase("team"); },
       true},
      {"a template label changed",
       [](auto& m) { m.labels.Set("team", "other"); }, true},
      {"our annotation removed",
       [](auto& m) { m.annotations.Erase("certstore.dev/revision"); }, true},
      // Our label's value never changes in our writes: an edit is someone
      // else's and is repaired at once.
      {"our label's value edited",
       [](auto& m) { m.labels.Set("certstore.dev/certstore", "other"); }, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    queued_.clear();
    auto after = std::make_shared<kube::CachedObject>(*before);
    c.edit(after->meta);
    router_.ManagedSecretChanged(before, after, /*own_write=*/true);
    EXPECT_EQ(queued_, c.queued ? Keys{"cs:demo/app"} : Keys{});
  }
}

TEST_F(EventRoutingTest, ANamespaceLabelChangeQueuesItsCertStores) {
  auto before = std::make_shared<kube::CachedObject>();
  before->meta.name = "demo";
  auto after = std::make_shared<kube::CachedObject>(*before);
  router_.NamespaceChanged(before, after);  // labels unchanged
  EXPECT_TRUE(queued_.empty());
  after->meta.labels.Set("tier", "prod");
  router_.NamespaceChanged(before, after);
  EXPECT_EQ(Sorted(queued_), Sorted(Keys{"cs:demo/app", "cs:demo/web"}));
}

// An intermediate follows its parent (spec or status: the CA it signs
// with, its policy, its readiness) and its namespace's labels (the
// parent's grant reads them); a parent in another namespace is not its.
TEST_F(EventRoutingTest, AnIntermediateFollowsItsParentAndItsNamespace) {
  auto intermediate = [](const std::string& ns, const std::string& name,
                         const std::string& parent_ref) {
    return "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":"
           "\"CertIssuer\",\"metadata\":{\"name\":\"" +
           name + "\",\"namespace\":\"" + ns +
           "\"},\"spec\":{\"intermediate\":{\"issuerRef\":" + parent_ref +
           ",\"secretName\":\"" + name + "-ca\",\"commonName\":\"x y\"}}}";
  };
  issuers_.Put("demo", "team-int",
               intermediate("demo", "team-int",
                            "{\"kind\":\"ClusterCertIssuer\",\"name\":"
                            "\"corp\"}"));
  issuers_.Put("demo", "sub-int",
               intermediate("demo", "sub-int", "{\"name\":\"team-ca\"}"));
  issuers_.Put("other", "elsewhere",
               intermediate("other", "elsewhere", "{\"name\":\"team-ca\"}"));
  router_.IssuerChanged(true, corp_, corp_);  // status only
  EXPECT_EQ(Sorted(queued_),
            Sorted(Keys{"ci:demo/team-int", "cs:demo/web", "cs:other/api"}));
  queued_.clear();
  router_.IssuerChanged(false, team_ca_, team_ca_);
  EXPECT_EQ(Sorted(queued_), Sorted(Keys{"ci:demo/sub-int", "cs:demo/app"}));
  queued_.clear();
  auto before = std::make_shared<kube::CachedObject>();
  before->meta.name = "demo";
  auto after = std::make_shared<kube::CachedObject>(*before);
  after->meta.labels.Set("tier", "prod");
  router_.NamespaceChanged(before, after);
  EXPECT_EQ(Sorted(queued_), Sorted(Keys{"ci:demo/sub-int", "ci:demo/team-int",
                                         "cs:demo/app", "cs:demo/web"}));
}

TEST_F(EventRoutingTest, AllQueuesEveryObjectOnce) {
  router_.All();
  EXPECT_EQ(Sorted(queued_),
            Sorted(Keys{"cs:demo/app", "cs:demo/web", "cs:other/api",
                        "ci:demo/team-ca", "cci:corp"}));
}

// TrustBundles: a bundle is reconciled when its spec, a source (in the
// cluster resource namespace), the ClusterCertIssuer it names, a namespace
// (new or relabelled) or one of its targets (any namespace) changes; the
// CertStores that read it follow its spec and sources.
class TrustBundleRoutingTest : public EventRoutingTest {
 protected:
  TrustBundleRoutingTest() {
    bundles_.SetDecoder(TrustBundleInformerOptions());
    bundles_.AddIndex(kRefIndex, TrustBundleRefIndex("certstore-system"));
    certstores_.AddIndex(kTrustBundleIndex, CertStoreTrustBundleIndex);
    router_.SetTrustBundles(&bundles_);
    bundle_ = bundles_.Put(
        "", "corp-trust",
        "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"TrustBundle\","
        "\"metadata\":{\"name\":\"corp-trust\",\"generation\":1},"
        "\"spec\":{\"sources\":[{\"issuer\":{\"name\":\"corp\"}},"
        "{\"configMap\":{\"name\":\"corp-roots\",\"allKeys\":true}}],"
        "\"target\":{\"namespaceSelector\":{},\"configMap\":{\"name\":"
        "\"trust\"},\"secret\":{\"name\":\"trust-stores\","
        "\"passwordPolicy\":\"Changeit\"}}}}");
    certstores_.Put(
        "team", "reader",
        CertStoreJson("team", "reader",
                      "{\"issuerRef\":{\"name\":\"x\"},\"secretName\":"
                      "\"r\",\"truststore\":{\"sources\":[{"
                      "\"trustBundle\":{\"name\":\"corp-trust\"}}]}}"));
  }
  testing::FakeCache bundles_;
  kube::ObjectPtr bundle_;
};

TEST_F(TrustBundleRoutingTest, EachChangeReachesTheBundleAndItsReaders) {
  const Keys both = {"cs:team/reader", "tb:corp-trust"};
  struct Case {
    const char* name;
    std::function<void()> change;
    Keys want;
  } cases[] = {
      {"a source ConfigMap in the cluster resource namespace",
       [&] {
         router_.ReferenceChanged("ConfigMap", "certstore-system",
                                  "corp-roots");
       },
       both},
      {"the same name in a tenant namespace is no source",
       [&] { router_.ReferenceChanged("ConfigMap", "team", "corp-roots"); },
       {}},
      {"a target ConfigMap edited in any namespace",
       [&] { router_.ReferenceChanged("ConfigMap", "team-x", "trust"); },
       {"tb:corp-trust"}},
      {"a target Secret deleted",
       [&] { router_.ReferenceChanged("Secret", "team-y", "trust-stores"); },
       {"tb:corp-trust"}},
      {"a namespace created",
       [&] {
         auto n = std::make_shared<kube::CachedObject>();
         n->meta.name = "new";
         router_.NamespaceChanged(nullptr, n);
       },
       {"tb:corp-trust"}},
      {"the ClusterCertIssuer it names (its root in status)",
       [&] { router_.IssuerChanged(true, corp_, corp_); },
       {"cs:demo/web", "cs:other/api", "cs:team/reader", "tb:corp-trust"}},
      {"its spec",
       [&] {
         auto next = std::make_shared<kube::CachedObject>(*bundle_);
         next->meta.generation = 2;
         router_.TrustBundleChanged(bundle_, next);
       },
       both},
      {"its status only",
       [&] { router_.TrustBundleChanged(bundle_, bundle_); },
       {}},
      {"deleted (its readers report it missing)",
       [&] { router_.TrustBundleChanged(bundle_, nullptr); },
       {"cs:team/reader"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    queued_.clear();
    c.change();
    EXPECT_EQ(Sorted(queued_), Sorted(c.want));
  }
}

}  // namespace
}  // namespace certstore::controller
