// A namespaced install against the real API server: the operator runs with
// --namespaces a,b as a ServiceAccount bound to exactly the rules of
// deploy/rbac/namespaced.yaml (what the chart renders with watchNamespaces:
// its ClusterRoles bound here with RoleBindings where the chart makes Roles)
// plus the leader-election rules. It serves CertStores in a and b from a
// CertIssuer of their own namespace and from ClusterCertIssuers whose CA
// Secrets are in the cluster resource namespace, never touches namespace c
// (which the ClusterCertIssuers' policies would serve), and is never refused
// by the API server (no 403 in its metrics, no "forbidden" in its log).
//
// Its own suite, with its own operator: the OperatorIT suite's operator
// (cluster-wide rules) is stopped when that suite ends, so it cannot serve
// these namespaces for this one.
#include <filesystem>
#include <thread>

#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

class NamespacedInstallIT : public OperatorIT {
 protected:
  // Hides OperatorIT's: this suite starts its own, namespaced operator.
  static void SetUpTestSuite() {
    ASSERT_TRUE(env->InstallCrds());
    const std::string pid = std::to_string(getpid());
    crns_ = "certstore-ns-" + pid;
    a_ = "team-a-" + pid;
    b_ = "team-b-" + pid;
    c_ = "team-c-" + pid;
    for (const auto& n : {crns_, a_, b_, c_})
      ASSERT_TRUE(env->Kubectl({"create", "namespace", n}).ok()) << n;
    // The namespaced rules, and the Lease rules of clusterrole.yaml (whose
    // cluster-wide ClusterRole stays unbound here).
    for (const char* file : {"namespaced.yaml", "clusterrole.yaml"}) {
      CommandResult r = env->Kubectl(
          {"apply", "-f", KubeTestEnv::SourceDir() + "/deploy/rbac/" + file});
      ASSERT_TRUE(r.ok()) << r.output;
    }
    sa_kubeconfig_ = env->ServiceAccountKubeconfig(crns_, "certstore-operator");
    ASSERT_FALSE(sa_kubeconfig_.empty());
    const std::string sa = "--serviceaccount=" + crns_ + ":certstore-operator";
    auto bind = [&](const std::string& ns, const std::string& clusterrole) {
      std::vector<std::string> args;
      if (ns.empty())
        args = {"create", "clusterrolebinding", clusterrole + "-" + pid};
      else
        args = {"-n", ns, "create", "rolebinding", clusterrole + "-" + pid};
      args.push_back("--clusterrole=" + clusterrole);
      args.push_back(sa);
      CommandResult r = env->Kubectl(args);
      EXPECT_TRUE(r.ok()) << r.output;
    };
    bind("", "certstore-operator-namespaced");
    bind(a_, "certstore-operator-watched-namespace");
    bind(b_, "certstore-operator-watched-namespace");
    bind(crns_, "certstore-operator-cluster-resource-namespace");
    bind("default", "certstore-operator-cluster-events");
    bind(crns_, "certstore-operator-leader-election");
    ASSERT_FALSE(::testing::Test::HasFailure());

    log_ = "/tmp/operator-namespaced-it-" + pid + ".log";
    metrics_port_ = FreeLoopbackPort();
    pid_ = SpawnOperator(
        {"--kubeconfig", sa_kubeconfig_, "--namespaces", a_ + "," + b_,
         "--cluster-resource-namespace", crns_, "--leader-elect",
         "--health-probe-bind-address", "0", "--metrics-bind-address",
         "127.0.0.1:" + std::to_string(metrics_port_)},
        log_);
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "operator exit " << status << "; log tail:\n"
          << LogTail(log_);
      pid_ = -1;
    }
    EXPECT_EQ(ReadFile(log_).value_or("").find("PRIVATE KEY"),
              std::string::npos);
    std::remove(log_.c_str());
  }
  // No namespace per test: the operator's namespaces are fixed at start.
  void SetUp() override {}

  static void ApplyIn(const std::string& ns, const std::string& yaml) {
    CommandResult r = env->Kubectl({"-n", ns, "apply", "-f", "-"}, yaml);
    ASSERT_TRUE(r.ok()) << r.output;
  }
  // A JSONPath of an object in `ns` ("" for cluster-scoped), "" if absent.
  static std::string Field(const std::string& ns, const std::string& kind,
                           const std::string& name, const std::string& path) {
    std::vector<std::string> args = {"get", kind, name, "-o",
                                     "jsonpath=" + path};
    if (!ns.empty()) args.insert(args.begin(), {"-n", ns});
    CommandResult r = env->Kubectl(args);
    return r.ok() ? r.output : "";
  }
  static std::string ReadyOf(const std::string& ns, const std::string& kind,
                             const std::string& name,
                             const std::string& field = "status") {
    return Field(ns, kind, name,
                 "{.status.conditions[?(@.type==\"Ready\")]." + field + "}");
  }
  static bool Exists(const std::string& ns, const std::string& kind,
                     const std::string& name) {
    return env->Kubectl({"-n", ns, "get", kind, name}).ok();
  }
  // "yes" or "no": may the operator's ServiceAccount do this?
  static std::string CanI(const std::vector<std::string>& what) {
    std::vector<std::string> args = {"auth", "can-i"};
    args.insert(args.end(), what.begin(), what.end());
    args.push_back("--as=system:serviceaccount:" + crns_ +
                   ":certstore-operator");
    CommandResult r = env->Kubectl(args);
    return r.output.substr(0, r.output.find('\n'));
  }
  // The operator's answers from the API server with `code`, e.g. "403".
  static int RequestsWithCode(const std::string& code) {
    std::string m =
        RunCommand(
            {"curl", "-sS", "-f", "--max-time", "5",
             "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics"})
            .output;
    int n = 0;
    std::istringstream in(m);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("certstore_api_requests_total{", 0) == 0 &&
          line.find("code=\"" + code + "\"") != std::string::npos)
        n += std::atoi(line.substr(line.rfind(' ') + 1).c_str());
    return n;
  }

  inline static std::string a_, b_, c_;
};

std::string CertStore(const std::string& name, const std::string& issuer_ref,
                      const std::string& keystore,
                      const std::string& more_spec = "") {
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
         "{name: " +
         name + "}\nspec:\n  issuerRef: " + issuer_ref +
         "\n  secretName: " + name + "-stores\n  keystore:\n" + keystore +
         "  truststore: {}\n" + more_spec;
}

// A ClusterCertIssuer whose policy serves `namespaces` (selected by name)
// and identities *.<namespace>.svc.
std::string ClusterIssuer(const std::string& name, const std::string& ca,
                          const std::vector<std::string>& namespaces) {
  std::string values;
  for (const auto& n : namespaces) values += (values.empty() ? "" : ", ") + n;
  return "---\napiVersion: certstore.dev/v1alpha1\nkind: "
         "ClusterCertIssuer\nmetadata: {name: " +
         name + "}\nspec:\n" + ca +
         "  policy:\n    namespaceSelector:\n      matchExpressions:\n"
         "      - {key: kubernetes.io/metadata.name, operator: In, values: [" +
         values + "]}\n    dnsNames: ['*.$(namespace).svc']\n";
}

TEST_F(NamespacedInstallIT, ServesTheWatchedNamespacesAndNeverTouchesOthers) {
  // The rules are what this test is about: prove the binding is exactly
  // the namespaced one (nothing cluster-wide left over from another suite).
  EXPECT_EQ(CanI({"get", "secrets", "-n", a_}), "yes");
  EXPECT_EQ(CanI({"patch", "secrets", "-n", b_}), "yes");
  EXPECT_EQ(CanI({"get", "secrets", "-n", c_}), "no");
  EXPECT_EQ(CanI({"list", "secrets", "--all-namespaces"}), "no");
  EXPECT_EQ(CanI({"list", "configmaps", "--all-namespaces"}), "no");
  EXPECT_EQ(CanI({"list", "certstores.certstore.dev", "-n", c_}), "no");
  EXPECT_EQ(CanI({"create", "secrets", "-n", crns_}), "yes");
  EXPECT_EQ(CanI({"update", "secrets", "-n", crns_}), "no");
  EXPECT_EQ(CanI({"create", "configmaps", "-n", a_}), "yes");
  EXPECT_EQ(CanI({"create", "configmaps", "-n", c_}), "no");
  // delete: a TrustBundle's ConfigMap once its namespace is unselected.
  EXPECT_EQ(CanI({"delete", "configmaps", "-n", a_}), "yes");
  EXPECT_EQ(CanI({"deletecollection", "configmaps", "-n", a_}), "no");
  EXPECT_EQ(CanI({"delete", "configmaps", "-n", c_}), "no");
  // TrustBundle sources in the cluster resource namespace: read-only.
  EXPECT_EQ(CanI({"get", "configmaps", "-n", crns_}), "yes");
  EXPECT_EQ(CanI({"create", "configmaps", "-n", crns_}), "no");

  const std::string pid = std::to_string(getpid());
  // Cluster-scoped, so named per process. `shared` makes its root in the
  // cluster resource namespace; `byo` reads a CA Secret put there later.
  const std::string shared = "ns-shared-" + pid, byo = "ns-byo-" + pid;
  ApplyIn(crns_,
          ClusterIssuer(shared,
                        "  selfSigned: {secretName: " + shared +
                            ", commonName: Namespaced Shared Root}\n",
                        {a_, b_, c_}) +
              ClusterIssuer(byo, "  ca: {secretName: byo-ca}\n", {b_, c_}));
  auto dns = [](const std::string& name, const std::string& ns) {
    return "    dnsNames: [" + name + "." + ns + ".svc]\n";
  };
  const std::string shared_ref =
      "{kind: ClusterCertIssuer, name: " + shared + "}";
  const std::string byo_ref = "{kind: ClusterCertIssuer, name: " + byo + "}";
  for (const auto& ns : {a_, b_, c_})
    ApplyIn(ns, Issuer("local") +
                    CertStore("local-app", "{name: local}",
                              "    commonName: local-app\n",
                              "  export: {configMapName: local-app-public}\n") +
                    CertStore("shared-app", shared_ref, dns("shared-app", ns)));
  for (const auto& ns : {b_, c_})
    ApplyIn(ns, CertStore("byo-app", byo_ref, dns("byo-app", ns)));

  // 1. a and b: a CertIssuer of their own, and the shared ClusterCertIssuer.
  auto wait_ready = [&](const std::string& ns, const std::string& name) {
    bool ok = Eventually(
        [&] { return ReadyOf(ns, "certstore.certstore.dev", name) == "True"; },
        std::chrono::seconds(90), std::chrono::milliseconds(250));
    EXPECT_TRUE(ok) << ns << "/" << name << ": "
                    << ReadyOf(ns, "certstore.certstore.dev", name, "message")
                    << "\noperator log tail:\n"
                    << LogTail(log_);
    return ok;
  };
  for (const auto& ns : {a_, b_})
    for (const char* cs : {"local-app", "shared-app"})
      ASSERT_TRUE(wait_ready(ns, cs));
  for (const auto& [ns, secret] :
       std::vector<std::pair<std::string, std::string>>{
           {a_, "local-app-stores"},
           {a_, "shared-app-stores"},
           {b_, "local-app-stores"},
           {b_, "shared-app-stores"}}) {
    EXPECT_FALSE(Field(ns, "secret", secret, "{.data.keystore\\.p12}").empty())
        << ns << "/" << secret;
    EXPECT_FALSE(
        Field(ns, "secret", secret, "{.data.truststore\\.p12}").empty())
        << ns << "/" << secret;
  }
  // The new writes work under namespaced Roles: the export ConfigMap, and
  // kubernetes.io/tls Secrets.
  for (const auto& ns : {a_, b_}) {
    EXPECT_TRUE(Exists(ns, "configmap", "local-app-public")) << ns;
    EXPECT_EQ(Field(ns, "secret", "local-app-stores", "{.type}"),
              "kubernetes.io/tls");
  }
  // The roots: the CertIssuer's in its namespace, the ClusterCertIssuer's in
  // the cluster resource namespace (created there by the operator).
  EXPECT_TRUE(Exists(a_, "secret", "local-ca"));
  EXPECT_TRUE(Exists(b_, "secret", "local-ca"));
  EXPECT_TRUE(Exists(crns_, "secret", shared));
  EXPECT_TRUE(Eventually(
      [&] { return ReadyOf("", "clustercertissuer", shared) == "True"; },
      std::chrono::seconds(20), std::chrono::milliseconds(250)))
      << ReadyOf("", "clustercertissuer", shared, "message");

  // 2. b: a ClusterCertIssuer whose CA Secret does not exist yet is not
  //    ready; the Secret put into the cluster resource namespace is noticed
  //    (the watch there) and the CertStore is served without a restart.
  ASSERT_TRUE(Eventually(
      [&] {
        return ReadyOf(b_, "certstore.certstore.dev", "byo-app") == "False";
      },
      std::chrono::seconds(60), std::chrono::milliseconds(250)));
  std::string dir = "/tmp/operator-namespaced-" + pid;
  std::filesystem::create_directories(dir);
  MakeOpensslRoot(dir, "Namespaced BYO Root");
  CommandResult ca =
      env->Kubectl({"-n", crns_, "create", "secret", "tls", "byo-ca", "--cert",
                    dir + "/Namespaced BYO Root.crt", "--key",
                    dir + "/Namespaced BYO Root.key"});
  ASSERT_TRUE(ca.ok()) << ca.output;
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(wait_ready(b_, "byo-app"));
  EXPECT_FALSE(
      Field(b_, "secret", "byo-app-stores", "{.data.keystore\\.p12}").empty());

  // 3. Events: in the CertStores' namespaces, and about the
  //    ClusterCertIssuer in "default" (the cluster-events Role).
  EXPECT_TRUE(Eventually(
      [&] {
        return env->Kubectl({"-n", a_, "get", "events", "-o", "json"})
                   .output.find("\"Issued\"") != std::string::npos;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(250)));
  EXPECT_TRUE(Eventually(
      [&] {
        return env->Kubectl({"-n", "default", "get", "events",
                             "--field-selector=involvedObject.name=" + shared,
                             "-o", "json"})
                   .output.find("\"RootCreated\"") != std::string::npos;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(250)))
      << env->Kubectl({"-n", "default", "get", "events"}).output;

  // 4. c is not watched: by now (a and b converged, and a few seconds more)
  //    nothing there has a status, no Secret was written, no Event sent,
  //    although both ClusterCertIssuers' policies would serve c.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (const char* cs : {"local-app", "shared-app", "byo-app"}) {
    EXPECT_EQ(Field(c_, "certstore.certstore.dev", cs, "{.status}"), "") << cs;
    EXPECT_FALSE(Exists(c_, "secret", std::string(cs) + "-stores")) << cs;
  }
  EXPECT_EQ(Field(c_, "certissuer.certstore.dev", "local", "{.status}"), "");
  EXPECT_FALSE(Exists(c_, "secret", "local-ca"));
  std::string events_c =
      env->Kubectl({"-n", c_, "get", "events", "-o", "json"}).output;
  EXPECT_EQ(events_c.find("involvedObject"), std::string::npos) << events_c;

  // 5. Never refused by the API server: no 403 answer, and no "forbidden"
  //    in the log (a missing rule shows as a retry loop there).
  EXPECT_EQ(RequestsWithCode("403"), 0);
  std::string log = ReadFile(log_).value_or("");
  std::string lower = log;
  for (auto& ch : lower)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(lower.find("forbidden"), std::string::npos) << LogTail(log_);
  // And it said which namespaces it serves.
  EXPECT_NE(log.find(a_ + "," + b_), std::string::npos) << LogTail(log_);

  for (const auto& name : {shared, byo})
    env->Kubectl({"delete", "clustercertissuer", name, "--wait=false"});
}

}  // namespace
}  // namespace certstore
