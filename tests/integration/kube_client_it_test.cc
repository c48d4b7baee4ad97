// operator/kube against the real API server (hack/cluster.sh): CRUD, status,
// server-side apply, watch order, informer convergence across an API server
// restart, 410 Gone, RBAC errors, both authentication paths, leader election
// between two processes.
#include <gtest/gtest.h>
// After gtest: cpprestsdk defines a macro U that breaks gtest templates.
#include <cpprest/json.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include "operator/common/files.h"
#include "operator/kube/client.h"
#include "operator/kube/config.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"
#include "operator/kube/watch.h"
#include "tests/support/kube_test_env.h"

namespace certstore::kube {
namespace {

KubeTestEnv* const env = KubeTestEnv::Register();

TransportPtr Connect(const std::string& kubeconfig) {
  auto cfg = LoadConfig(kubeconfig, "");
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  auto t = NewHttpTransport(std::move(cfg).value());
  EXPECT_TRUE(t.ok()) << t.status();
  return std::move(t).value();
}

web::json::value Json(const std::string& s) {
  return web::json::value::parse(s);
}

std::string ConfigMap(const std::string& ns, const std::string& name,
                      const std::string& v, const std::string& rv = "") {
  return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
         "\"" +
         name + "\",\"namespace\":\"" + ns +
         "\",\"labels\":{\"test\":\"kube-client\"}" +
         (rv.empty() ? "" : ",\"resourceVersion\":\"" + rv + "\"") +
         "},\"data\":{\"v\":\"" + v + "\"}}";
}

class KubeClientIT : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(env->InstallCrds()); }
  void SetUp() override {
    ns_ = env->CreateNamespace();
    ASSERT_FALSE(ns_.empty());
    transport_ = Connect(env->kubeconfig());
    client_ = std::make_unique<Client>(*transport_);
  }
  std::string ns_;
  TransportPtr transport_;
  std::unique_ptr<Client> client_;
};

TEST_F(KubeClientIT, SecretCrudWithSelectorsPagingAndPreconditions) {
  Client& c = *client_;
  for (int i = 0; i < 5; ++i) {
    std::string s =
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
        "\"s" +
        std::to_string(i) +
        "\",\"labels\":{\"app.kubernetes.io/managed-by\":\"" +
        (i % 2 ? "someone-else" : "certstore-operator") +
        "\"}},\"stringData\":{\"k\":\"v\"}}";
    ASSERT_TRUE(c.Create(SecretsResource(), ns_, s).ok());
  }
  auto dup = c.Create(SecretsResource(), ns_,
                      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":"
                      "{\"name\":\"s0\"}}");
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);

  ListOptions lo;
  lo.label_selector = "app.kubernetes.io/managed-by=certstore-operator";
  auto mine = c.List(SecretsResource(), ns_, lo);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(Json(*mine).at("items").size(), 3u);

  // Paging: 5 secrets, 2 per page.
  ListOptions page;
  page.limit = 2;
  size_t seen = 0;
  int pages = 0;
  do {
    auto r = c.List(SecretsResource(), ns_, page);
    ASSERT_TRUE(r.ok()) << r.status();
    auto v = Json(*r);
    seen += v.at("items").size();
    ++pages;
    auto& md = v.at("metadata");
    page.continue_token =
        md.has_field("continue") ? md.at("continue").as_string() : "";
  } while (!page.continue_token.empty());
  EXPECT_GE(seen, 5u);
  EXPECT_GE(pages, 3);

  auto got = c.Get(SecretsResource(), ns_, "s0");
  ASSERT_TRUE(got.ok());
  std::string rv = Json(*got).at("metadata").at("resourceVersion").as_string();
  // Compare-and-swap: a stale resourceVersion is a conflict to re-read.
  auto upd = c.Update(SecretsResource(), ns_, "s0",
                      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":"
                      "{\"name\":\"s0\","
                      "\"resourceVersion\":\"" +
                          rv + "\"},\"stringData\":{\"k\":\"v2\"}}");
  ASSERT_TRUE(upd.ok()) << upd.status();
  auto stale = c.Update(SecretsResource(), ns_, "s0",
                        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
                        "\"metadata\":{\"name\":\"s0\","
                        "\"resourceVersion\":\"" +
                            rv + "\"},\"stringData\":{\"k\":\"v3\"}}");
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted) << stale.status();

  ASSERT_TRUE(c.Patch(SecretsResource(), ns_, "s1", PatchType::kMerge,
                      "{\"metadata\":{\"annotations\":{\"a\":\"1\"}}}")
                  .ok());
  ASSERT_TRUE(c.Patch(SecretsResource(), ns_, "s1", PatchType::kJson,
                      "[{\"op\":\"add\",\"path\":\"/metadata/annotations/"
                      "b\",\"value\":\"2\"}]")
                  .ok());
  auto s1 = Json(*c.Get(SecretsResource(), ns_, "s1"));
  EXPECT_EQ(s1.at("metadata").at("annotations").at("b").as_string(), "2");

  DeleteOptions wrong;
  wrong.precondition_resource_version = rv;  // stale
  EXPECT_EQ(c.Delete(SecretsResource(), ns_, "s0", wrong).code(),
            StatusCode::kAborted);
  DeleteOptions bg;
  bg.propagation_policy = "Background";
  EXPECT_TRUE(c.Delete(SecretsResource(), ns_, "s0", bg).ok());
  EXPECT_EQ(c.Get(SecretsResource(), ns_, "s0").status().code(),
            StatusCode::kNotFound);
}

// An operator runs for months and makes a request every few seconds (a
// Lease renewal every 2 s alone): a finished request must leave nothing in
// the process. (Each one used to leave its cancellation source and its
// registration on the transport's token behind, about 300 bytes.)
TEST_F(KubeClientIT, FinishedRequestsLeaveNoMemoryBehind) {
  auto in_use = [] {
    struct mallinfo2 h = mallinfo2();
    return static_cast<double>(h.uordblks + h.hblkhd);
  };
  auto get = [&] {
    auto r = client_->Get(NamespacesResource(), "", ns_);
    ASSERT_TRUE(r.ok()) << r.status();
  };
  for (int i = 0; i < 200; ++i) get();  // connections, pools, first uses
  constexpr int kRequests = 3000;
  double before = in_use();
  for (int i = 0; i < kRequests; ++i) get();
  double per_request = (in_use() - before) / kRequests;
  EXPECT_LT(per_request, 60) << "bytes kept per finished request";
  std::cout << "heap kept per finished request: " << per_request << " B\n";
  // Cancel() still ends what is in flight (a watch) at once.
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    transport_->Cancel();
  });
  WatchOptions wo;
  wo.timeout_seconds = 60;
  auto t0 = std::chrono::steady_clock::now();
  Status st = WatchOnce(*client_, NamespacesResource(), "", wo,
                        [](const WatchEvent&) { return true; });
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(client_->Get(NamespacesResource(), "", ns_).status().code(),
            StatusCode::kAborted);
}

TEST_F(KubeClientIT, CustomResourceStatusSubresource) {
  Client& c = *client_;
  std::string cs =
      "{\"apiVersion\":\"certstore.dev/"
      "v1alpha1\",\"kind\":\"CertStore\",\"metadata\":{\"name\":"
      "\"app\"},\"spec\":{\"issuerRef\":{\"name\":\"ca\"},\"secretName\":\"app-"
      "stores\","
      "\"keystore\":{\"commonName\":\"app\"}}}";
  auto created = c.Create(CertStoresResource(), ns_, cs);
  ASSERT_TRUE(created.ok()) << created.status();
  auto v = Json(*created);
  EXPECT_EQ(v.at("spec").at("formats").size(), 2u) << "schema defaults applied";
  auto st = c.Patch(CertStoresResource(), ns_, "app", PatchType::kMerge,
                    "{\"status\":{\"observedGeneration\":1,\"revision\":3}}",
                    "status");
  ASSERT_TRUE(st.ok()) << st.status();
  auto got = Json(*c.Get(CertStoresResource(), ns_, "app"));
  EXPECT_EQ(got.at("status").at("revision").as_integer(), 3);
  // Status written through the main resource is ignored.
  ASSERT_TRUE(c.Patch(CertStoresResource(), ns_, "app", PatchType::kMerge,
                      "{\"status\":{\"revision\":99}}")
                  .ok());
  got = Json(*c.Get(CertStoresResource(), ns_, "app"));
  EXPECT_EQ(got.at("status").at("revision").as_integer(), 3);
  // Invalid objects come back as InvalidArgument naming the field.
  auto bad = c.Create(
      CertStoresResource(), ns_,
      "{\"apiVersion\":\"certstore.dev/v1alpha1\",\"kind\":\"CertStore\","
      "\"metadata\":{\"name\":\"bad\"},\"spec\":{\"issuerRef\":{\"name\":"
      "\"ca\"},"
      "\"secretName\":\"x\",\"formats\":[\"BOGUS\"],\"keystore\":{"
      "\"commonName\":"
      "\"a\"}}}");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("spec.formats"), std::string::npos)
      << bad.status();
}

TEST_F(KubeClientIT, ServerSideApplyConflictsUnlessForced) {
  Client& c = *client_;
  ASSERT_TRUE(c.Apply(ConfigMapsResource(), ns_, "cfg",
                      ConfigMap(ns_, "cfg", "a"), "alice", false)
                  .ok());
  auto conflict = c.Apply(ConfigMapsResource(), ns_, "cfg",
                          ConfigMap(ns_, "cfg", "b"), "bob", false);
  EXPECT_EQ(conflict.status().code(), StatusCode::kAborted)
      << conflict.status();
  EXPECT_NE(conflict.status().message().find("conflict"), std::string::npos)
      << conflict.status();
  auto forced = c.Apply(ConfigMapsResource(), ns_, "cfg",
                        ConfigMap(ns_, "cfg", "b"), "bob", true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(Json(*forced).at("data").at("v").as_string(), "b");
}

TEST_F(KubeClientIT, WatchReceivesEveryChangeInOrder) {
  Client& c = *client_;
  auto list = c.List(ConfigMapsResource(), ns_);
  ASSERT_TRUE(list.ok());
  std::string rv = Json(*list).at("metadata").at("resourceVersion").as_string();
  std::vector<std::string> got;
  std::mutex mu;
  const int n = 15;
  std::thread watcher([&] {
    TransportPtr t = Connect(env->kubeconfig());
    Client wc(*t);
    WatchOptions wo;
    wo.resource_version = rv;
    wo.timeout_seconds = 60;
    Status st =
        WatchOnce(wc, ConfigMapsResource(), ns_, wo, [&](const WatchEvent& e) {
          if (e.type == WatchEvent::Type::kBookmark) return true;
          // Only this test's ConfigMaps: kube-controller-manager publishes
          // kube-root-ca.crt into every new namespace, at its own moment.
          if (e.meta.name.rfind("w", 0) != 0) return true;
          std::lock_guard<std::mutex> l(mu);
          const char* t = e.type == WatchEvent::Type::kAdded      ? "A"
                          : e.type == WatchEvent::Type::kModified ? "M"
                                                                  : "D";
          got.push_back(std::string(t) + e.meta.name);
          return got.size() < 3 * n;
        });
    EXPECT_TRUE(st.ok()) << st;
  });
  std::vector<std::string> want;
  for (int i = 0; i < n; ++i) {
    std::string name = "w" + std::to_string(i);
    ASSERT_TRUE(
        c.Create(ConfigMapsResource(), ns_, ConfigMap(ns_, name, "1")).ok());
    ASSERT_TRUE(c.Patch(ConfigMapsResource(), ns_, name, PatchType::kMerge,
                        "{\"data\":{\"v\":\"2\"}}")
                    .ok());
    ASSERT_TRUE(c.Delete(ConfigMapsResource(), ns_, name).ok());
    want.insert(want.end(), {"A" + name, "M" + name, "D" + name});
  }
  watcher.join();
  EXPECT_EQ(got, want);
}

CommandResult Cluster(const std::vector<std::string>& args) {
  std::vector<std::string> argv{KubeTestEnv::SourceDir() + "/hack/cluster.sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, "", std::chrono::seconds(120));
}

TEST_F(KubeClientIT, WatchFromACompactedVersionIsGone) {
  ASSERT_TRUE(
      client_->Create(ConfigMapsResource(), ns_, ConfigMap(ns_, "g", "1"))
          .ok());
  CommandResult compact = Cluster({"compact", env->state_dir()});
  ASSERT_TRUE(compact.ok()) << compact.output;
  WatchOptions wo;
  wo.resource_version = "1";
  wo.timeout_seconds = 10;
  Status st = WatchOnce(*client_, ConfigMapsResource(), ns_, wo,
                        [](const WatchEvent&) { return true; });
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange) << st;
}

// The informer's cache must equal the server's list: names and versions.
::testing::AssertionResult CacheMatchesServer(Informer& inf, Client& c,
                                              const std::string& ns) {
  ListOptions lo;
  lo.label_selector = "test=kube-client";
  auto list = c.List(ConfigMapsResource(), ns, lo);
  if (!list.ok()) return ::testing::AssertionFailure() << list.status();
  std::map<std::string, std::string> server, cache;
  web::json::value v = Json(*list);
  for (auto& item : v.at("items").as_array())
    server[item.at("metadata").at("name").as_string()] =
        item.at("metadata").at("resourceVersion").as_string();
  for (auto& o : inf.List())
    cache[o->meta.name] = o->meta.resource_version.str();
  if (server == cache) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "server has " << server.size()
                                       << " objects, cache " << cache.size();
}

TEST_F(KubeClientIT, InformerConvergesAfterTheApiServerIsKilledAndRestarted) {
  Client& c = *client_;
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(c.Create(ConfigMapsResource(), ns_,
                         ConfigMap(ns_, "i" + std::to_string(i), "0"))
                    .ok());
  InformerOptions io;
  io.ns = ns_;
  io.backoff_base = std::chrono::milliseconds(100);
  io.backoff_cap = std::chrono::seconds(2);
  io.page_size = 4;
  io.label_selector =
      "test=kube-client";  // not the namespace's kube-root-ca.crt
  Informer inf(Connect(env->kubeconfig()), ConfigMapsResource(), io);
  std::atomic<int> events{0};
  inf.AddHandler([&](const ObjectPtr&, const ObjectPtr&) { ++events; });
  inf.AddIndex("by-value", [](const CachedObject& o) {
    return std::vector<std::string>{
        o.json.find("\"v\":\"0\"") != std::string::npos ? "zero" : "other"};
  });
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(30)));
  EXPECT_EQ(inf.Size(), 10u);
  EXPECT_EQ(inf.ByIndex("by-value", "zero").size(), 10u);
  EXPECT_EQ(inf.ByIndex(Informer::kNamespaceIndex, ns_).size(), 10u);
  // Proof that the watch is live before it is broken: a change arrives.
  ASSERT_TRUE(
      c.Create(ConfigMapsResource(), ns_, ConfigMap(ns_, "i-live", "x")).ok());
  ASSERT_TRUE(Eventually([&] { return inf.Get(ns_, "i-live") != nullptr; },
                         std::chrono::seconds(30)));

  CommandResult stop = Cluster({"stop-apiserver", env->state_dir(), "hard"});
  ASSERT_TRUE(stop.ok()) << stop.output;
  std::this_thread::sleep_for(
      std::chrono::seconds(1));  // the watch is now broken
  CommandResult start = Cluster({"start-apiserver", env->state_dir()});
  ASSERT_TRUE(start.ok()) << start.output;

  // Changes right after the restart, while the informer is reconnecting.
  TransportPtr t2 = Connect(env->kubeconfig());
  Client c2(*t2);
  for (int i = 0; i < 10; i += 2)
    ASSERT_TRUE(
        c2.Delete(ConfigMapsResource(), ns_, "i" + std::to_string(i)).ok());
  for (int i = 1; i < 10; i += 2)
    ASSERT_TRUE(c2.Patch(ConfigMapsResource(), ns_, "i" + std::to_string(i),
                         PatchType::kMerge, "{\"data\":{\"v\":\"1\"}}")
                    .ok());
  for (int i = 10; i < 15; ++i)
    ASSERT_TRUE(c2.Create(ConfigMapsResource(), ns_,
                          ConfigMap(ns_, "i" + std::to_string(i), "0"))
                    .ok());

  EXPECT_TRUE(Eventually([&] { return CacheMatchesServer(inf, c2, ns_); },
                         std::chrono::seconds(60)))
      << CacheMatchesServer(inf, c2, ns_).message()
      << " lists=" << inf.Stats().lists
      << " restarts=" << inf.Stats().watch_restarts
      << " errors=" << inf.Stats().errors << " gone=" << inf.Stats().gone;
  EXPECT_EQ(inf.Size(), 11u);
  EXPECT_EQ(inf.ByIndex("by-value", "zero").size(), 5u);
  EXPECT_EQ(inf.ByIndex("by-value", "other").size(), 6u);
  InformerStats s = inf.Stats();
  EXPECT_GE(s.errors + s.watch_restarts, 1) << "the broken watch was noticed";
  inf.Stop();
}

TEST_F(KubeClientIT, InformerRelistsWhenItsResumePointWasCompacted) {
  Client& c = *client_;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.Create(ConfigMapsResource(), ns_,
                         ConfigMap(ns_, "r" + std::to_string(i), "0"))
                    .ok());
  std::atomic<bool> stale_made{false};
  InformerOptions io;
  io.ns = ns_;
  io.label_selector = "test=kube-client";
  io.watch_timeout_seconds = 1;  // the first watch ends quickly...
  io.before_rewatch = [&] {  // ...and before resuming, history moves on and is
                             // compacted
    if (stale_made.exchange(true)) return;
    TransportPtr t = Connect(env->kubeconfig());
    Client w(*t);
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(w.Patch(ConfigMapsResource(), ns_, "r" + std::to_string(i),
                          PatchType::kMerge, "{\"data\":{\"v\":\"changed\"}}")
                      .ok());
    EXPECT_TRUE(
        w.Create(ConfigMapsResource(), ns_, ConfigMap(ns_, "r-new", "0")).ok());
    CommandResult compact = Cluster({"compact", env->state_dir()});
    EXPECT_TRUE(compact.ok()) << compact.output;
  };
  Informer inf(Connect(env->kubeconfig()), ConfigMapsResource(), io);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(30)));
  EXPECT_TRUE(Eventually([&] { return inf.Stats().lists >= 2; },
                         std::chrono::seconds(30)))
      << "lists=" << inf.Stats().lists << " gone=" << inf.Stats().gone;
  EXPECT_GE(inf.Stats().gone, 1);
  EXPECT_TRUE(Eventually([&] { return CacheMatchesServer(inf, c, ns_); },
                         std::chrono::seconds(30)))
      << CacheMatchesServer(inf, c, ns_).message();
  EXPECT_EQ(inf.Size(), 4u);
  inf.Stop();
}

TEST_F(KubeClientIT,
       ServiceAccountWithLimitedRbacGetsAForbiddenNamingVerbAndResource) {
  std::string kc = env->ServiceAccountKubeconfig(ns_, "limited");
  ASSERT_FALSE(kc.empty());
  // Allowed: configmaps only.
  ASSERT_TRUE(env->Kubectl({"-n", ns_, "create", "role", "cm-reader",
                            "--verb=get,list", "--resource=configmaps"})
                  .ok());
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "create", "rolebinding", "cm-reader",
                    "--role=cm-reader", "--serviceaccount=" + ns_ + ":limited"})
          .ok());
  TransportPtr t = Connect(kc);
  Client c(*t);
  EXPECT_TRUE(Eventually([&] { return c.List(ConfigMapsResource(), ns_).ok(); },
                         std::chrono::seconds(10)));
  auto denied = c.List(SecretsResource(), ns_);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("cannot list resource \"secrets\""),
            std::string::npos)
      << denied.status();
  EXPECT_NE(denied.status().message().find("system:serviceaccount:" + ns_ +
                                           ":limited"),
            std::string::npos)
      << denied.status();
}

TEST_F(KubeClientIT, ClientCertificateKubeconfigAuthenticates) {
  std::string kc = env->UserKubeconfig("alice", {"system:masters"});
  ASSERT_FALSE(kc.empty());
  TransportPtr t = Connect(kc);
  Client c(*t);
  auto ns = c.Get(NamespacesResource(), "", ns_);
  ASSERT_TRUE(ns.ok()) << ns.status();
  // An unprivileged certificate user is authenticated but not authorised.
  std::string kc2 = env->UserKubeconfig("mallory");
  TransportPtr t2 = Connect(kc2);
  Client c2(*t2);
  auto denied = c2.List(SecretsResource(), ns_);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("User \"mallory\""),
            std::string::npos)
      << denied.status();
}

TEST_F(KubeClientIT, UntrustedServerCertificateIsRefused) {
  auto cfg = LoadConfig(env->kubeconfig(), "");
  ASSERT_TRUE(cfg.ok());
  cfg->ca_pem = "";  // system roots do not know the test CA
  auto t = NewHttpTransport(std::move(cfg).value());
  ASSERT_TRUE(t.ok());
  Client c(**t);
  auto r = c.List(ConfigMapsResource(), ns_);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
}

// Only the kubeconfig's CA vouches for the API server: a CA the system
// trusts ($SSL_CERT_FILE here stands for the system bundle, and holds the
// cluster's real CA) does not, when the kubeconfig names another CA.
TEST_F(KubeClientIT, OnlyTheConfiguredCaIsTrustedNotTheSystemBundle) {
  std::string dir = "/tmp/kube-client-it-ca-" + std::to_string(getpid());
  ASSERT_TRUE(RunCommand({"mkdir", "-p", dir}).ok());
  CommandResult other = RunCommand(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir + "/other.key",
       "-out", dir + "/other.crt", "-days", "1", "-subj", "/CN=Some Other CA"});
  ASSERT_TRUE(other.ok()) << other.output;
  auto cfg = LoadConfig(env->kubeconfig(), "");
  ASSERT_TRUE(cfg.ok());
  std::string cluster_ca = cfg->ca_pem;
  ASSERT_FALSE(cluster_ca.empty());
  {
    std::ofstream out(dir + "/system-bundle.pem");
    out << cluster_ca;
  }
  const char* old_env = std::getenv("SSL_CERT_FILE");
  std::string saved = old_env ? old_env : "";
  setenv("SSL_CERT_FILE", (dir + "/system-bundle.pem").c_str(), 1);
  struct Case {
    const char* name;
    std::string ca;
    bool ok;
  } cases[] = {
      {"another CA configured", ReadFile(dir + "/other.crt").value_or(""),
       false},
      {"the cluster CA configured", cluster_ca, true},
      {"no CA configured: the system bundle", "", true},
  };
  for (const auto& c : cases) {
    auto one = LoadConfig(env->kubeconfig(), "");
    ASSERT_TRUE(one.ok());
    one->ca_pem = c.ca;
    auto t = NewHttpTransport(std::move(one).value());
    ASSERT_TRUE(t.ok());
    Client client(**t);
    auto r = client.List(ConfigMapsResource(), ns_);
    EXPECT_EQ(r.ok(), c.ok)
        << c.name << ": " << (r.ok() ? "ok" : r.status().ToString());
  }
  if (old_env)
    setenv("SSL_CERT_FILE", saved.c_str(), 1);
  else
    unsetenv("SSL_CERT_FILE");
  RunCommand({"rm", "-rf", dir});
}

TEST_F(KubeClientIT, TlsServerNameIsTheNameVerified) {
  struct Case {
    const char* name;
    bool ok;
  } cases[] = {
      {"kubernetes.default",
       true},  // in the serving certificate, unlike the URL's host
      {"wrong.example", false},
  };
  for (const auto& c : cases) {
    auto cfg = LoadConfig(env->kubeconfig(), "");
    ASSERT_TRUE(cfg.ok());
    cfg->tls_server_name = c.name;
    auto t = NewHttpTransport(std::move(cfg).value());
    ASSERT_TRUE(t.ok());
    Client client(**t);
    auto r = client.List(ConfigMapsResource(), ns_);
    EXPECT_EQ(r.ok(), c.ok)
        << c.name << ": " << (r.ok() ? "ok" : r.status().ToString());
  }
}

TEST_F(KubeClientIT, EventRecorderAggregatesRepeats) {
  ObjectReference ref{"v1", "ConfigMap", ns_, "subject", "uid-1234"};
  EventRecorder rec(*client_, "certstore-operator", "pod-a", "default",
                    SystemClock::Get());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        rec.Record(ref, "Warning", "IssuerNotReady", "issuer lab-ca not found")
            .ok());
  ASSERT_TRUE(rec.Record(ref, "Normal", "Issued", "certificate issued").ok());
  // A second recorder (a restarted operator) continues the same Event.
  EventRecorder rec2(*client_, "certstore-operator", "pod-b", "default",
                     SystemClock::Get());
  ASSERT_TRUE(
      rec2.Record(ref, "Warning", "IssuerNotReady", "issuer lab-ca not found")
          .ok());

  auto list = client_->List(EventsResource(), ns_);
  ASSERT_TRUE(list.ok()) << list.status();
  web::json::value v = Json(*list);
  std::map<std::string, int> counts;
  for (auto& e : v.at("items").as_array())
    counts[e.at("reason").as_string()] = e.at("count").as_integer();
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts["IssuerNotReady"], 6);
  EXPECT_EQ(counts["Issued"], 1);
}

// Starts a candidate process; returns its pid and the path of its output.
pid_t StartCandidate(const std::string& ns, const std::string& id,
                     const std::string& out) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::string bin =
        std::string(CERTSTORE_BINARY_DIR) + "/tests/lease_candidate";
    execl(bin.c_str(), bin.c_str(), env->kubeconfig().c_str(), ns.c_str(),
          "it-lease", id.c_str(), "8", "6", "1", nullptr);
    _exit(127);
  }
  return pid;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(KubeClientIT, TwoProcessesContendForOneLease) {
  std::string dir = "/tmp/lease-it-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  pid_t a = StartCandidate(ns_, "pod-a", dir + "/a.log");
  ASSERT_TRUE(Eventually(
      [&] {
        return Slurp(dir + "/a.log").find("LEADING pod-a") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << Slurp(dir + "/a.log");
  pid_t b = StartCandidate(ns_, "pod-b", dir + "/b.log");
  std::this_thread::sleep_for(std::chrono::seconds(9));  // > one lease duration
  EXPECT_EQ(Slurp(dir + "/b.log").find("LEADING"), std::string::npos)
      << "b must not lead while a renews: " << Slurp(dir + "/b.log");

  // SIGKILL the leader: b takes over one lease duration (8 s) after it last
  // saw the Lease change; it notices that change and the expiry at its
  // retry ticks (1 s each), plus request time (slow under sanitizers).
  kill(a, SIGKILL);
  waitpid(a, nullptr, 0);
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually(
      [&] {
        return Slurp(dir + "/b.log").find("LEADING pod-b") != std::string::npos;
      },
      std::chrono::seconds(15)))
      << Slurp(dir + "/b.log");
  auto takeover = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LE(takeover, std::chrono::seconds(8 + 2 * 1 + 4));

  // A clean shutdown releases the Lease: a new candidate leads at once.
  pid_t c = StartCandidate(ns_, "pod-c", dir + "/c.log");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  kill(b, SIGTERM);
  int status = 0;
  waitpid(b, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << Slurp(dir + "/b.log");
  auto released_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually(
      [&] {
        return Slurp(dir + "/c.log").find("LEADING pod-c") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << Slurp(dir + "/c.log");
  // Before the 8 s lease could have expired (also under sanitizers on a
  // loaded machine: 5.4 s seen).
  EXPECT_LT(std::chrono::steady_clock::now() - released_at,
            std::chrono::seconds(7))
      << "released lease must be taken before it would have expired";
  kill(c, SIGTERM);
  waitpid(c, nullptr, 0);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace certstore::kube
