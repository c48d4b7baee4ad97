// Workloads that opted in (certstore.dev/restart-on-change: "true") are
// rolled when the stores in the Secrets their pods read change, with the
// real deployment and replicaset controllers (kube-controller-manager; no
// kubelet, so pods stay Pending: a rollout is a new ReplicaSet).
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "operator/api/json.h"
#include "operator/engine/verified_stores.h"
#include "operator/pki/certificate.h"
#include "tests/integration/operator_fixture.h"
#include "tests/integration/rotation_order.h"

namespace certstore {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A Deployment `name` (label app=<name>) whose pod template reads Secrets
// through `volumes` and the container's `env`/`envFrom` (YAML flow lists).
std::string DeploymentYaml(const std::string& name, bool opted_in,
                           const std::string& volumes,
                           const std::string& mounts,
                           const std::string& env = "[]",
                           const std::string& env_from = "[]") {
  return "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " +
         name +
         (opted_in ? "\n  annotations: {certstore.dev/restart-on-change: "
                     "\"true\"}"
                   : "") +
         "\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: " + name +
         "}}\n  template:\n    metadata: {labels: {app: " + name +
         "}}\n    spec:\n      volumes: " + volumes +
         "\n      containers:\n      - name: app\n        image: "
         "example.invalid/app:1\n        volumeMounts: " +
         mounts + "\n        env: " + env + "\n        envFrom: " + env_from +
         "\n";
}

std::string SecretVolume(const std::string& secret) {
  return "{name: " + secret + ", secret: {secretName: " + secret + "}}";
}
std::string Mount(const std::string& secret) {
  return "{name: " + secret + ", mountPath: /stores/" + secret + "}";
}

// The ReplicaSets of Deployment `app` as name -> pod template annotation
// certstore.dev/stores ("" when none).
std::map<std::string, std::string> ReplicaSets(const std::string& ns,
                                               const std::string& app) {
  std::map<std::string, std::string> out;
  CommandResult r =
      env->Kubectl({"-n", ns, "get", "rs", "-l", "app=" + app, "-o", "json"});
  if (!r.ok()) return out;
  auto doc = json::Document::Parse(r.output);
  if (!doc) return out;
  for (const json::Value& rs : doc->Root()["items"].Elements())
    out[std::string(rs["metadata"]["name"].String())] =
        std::string(rs["spec"]["template"]["metadata"]["annotations"]
                      ["certstore.dev/stores"]
                          .String());
  return out;
}

std::string DeploymentAnnotation(const std::string& ns, const std::string& app,
                                 const std::string& path) {
  CommandResult r = env->Kubectl(
      {"-n", ns, "get", "deployment", app, "-o", "jsonpath=" + path});
  return r.ok() ? r.output : "";
}
constexpr char kRecordPath[] = "{.metadata.annotations.certstore\\.dev/stores}";

// The certstore_workload_restart_pending sample of Deployment `app` in the
// operator's /metrics ("" when it exports none).
std::string PendingSample(int metrics_port, const std::string& ns,
                          const std::string& app) {
  CommandResult scrape = RunCommand(
      {"curl", "-sS", "-f", "--max-time", "5",
       "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"});
  std::string series =
      "certstore_workload_restart_pending{kind=\"Deployment\",namespace=\"" +
      ns + "\",name=\"" + app + "\"} ";
  size_t at = scrape.output.find(series);
  if (!scrape.ok() || at == std::string::npos) return "";
  size_t end = scrape.output.find('\n', at);
  return scrape.output.substr(at + series.size(), end - at - series.size());
}

CommandResult Plugin(std::vector<std::string> args) {
  args.insert(args.begin(), KUBECTL_CERTSTORE);
  args.push_back("--kubeconfig");
  args.push_back(env->kubeconfig());
  return RunCommand(args, "", std::chrono::seconds(120));
}

TEST_F(OperatorIT, RestartOnChangeRollsOptedInWorkloadsOncePerChangeSet) {
  std::string yaml = Issuer("team");
  for (int i = 0; i < 5; ++i)
    yaml +=
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
        "metadata: {name: app-" +
        std::to_string(i) +
        "}\nspec:\n  issuerRef: {name: team}\n  secretName: app-" +
        std::to_string(i) +
        "-stores\n  keystore: {commonName: app}\n  formats: [PEM]\n";
  // Renews by itself about a minute after its first issue.
  yaml +=
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
      "metadata: {name: timed}\nspec:\n  issuerRef: {name: team}\n"
      "  secretName: timed-stores\n  keystore: {commonName: timed, duration: "
      "1h, renewBefore: 59m}\n  formats: [PEM]\n";
  Apply(yaml);
  for (const char* cs : {"app-0", "app-1", "app-2", "app-3", "app-4", "timed"})
    ASSERT_TRUE(WaitReady(cs, "True")) << cs << OperatorLog();

  // `all` reads the five Secrets every way a pod template can: a volume, a
  // projected volume, env secretKeyRef and envFrom.
  Apply(DeploymentYaml(
            "all", true,
            "[" + SecretVolume("app-0-stores") +
                ", {name: projected, projected: {sources: [{secret: {name: "
                "app-1-stores}}, {secret: {name: app-2-stores}}]}}]",
            "[" + Mount("app-0-stores") +
                ", {name: projected, mountPath: /stores/projected}]",
            "[{name: CERT, valueFrom: {secretKeyRef: {name: app-3-stores, key: "
            "tls.crt}}}]",
            "[{secretRef: {name: app-4-stores}}]") +
        DeploymentYaml("envfrom", true, "[]", "[]", "[]",
                       "[{secretRef: {name: app-4-stores}}]") +
        DeploymentYaml("plain", false, "[" + SecretVolume("app-0-stores") + "]",
                       "[" + Mount("app-0-stores") + "]") +
        DeploymentYaml("timed", true, "[" + SecretVolume("timed-stores") + "]",
                       "[" + Mount("timed-stores") + "]"));

  // First sight: the stores are recorded on the workload, nothing restarts.
  for (const char* app : {"all", "envfrom", "timed"})
    ASSERT_TRUE(Eventually(
        [&] { return !DeploymentAnnotation(ns_, app, kRecordPath).empty(); },
        std::chrono::seconds(30)))
        << app << OperatorLog();
  std::string all_record = DeploymentAnnotation(ns_, "all", kRecordPath);
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(all_record.find("app-" + std::to_string(i) + "-stores="),
              std::string::npos)
        << all_record;
  for (const char* app : {"all", "envfrom", "plain", "timed"})
    ASSERT_TRUE(Eventually([&] { return ReplicaSets(ns_, app).size() == 1; },
                           std::chrono::seconds(30)))
        << app;
  EXPECT_EQ(DeploymentAnnotation(ns_, "plain", kRecordPath), "")
      << "a workload that did not opt in is not touched";
  EXPECT_TRUE(Eventually(
      [&] { return PendingSample(metrics_port_, ns_, "all") == "0"; },
      std::chrono::seconds(20)))
      << PendingSample(metrics_port_, ns_, "all");
  EXPECT_EQ(PendingSample(metrics_port_, ns_, "plain"), "");

  // Five renewals at once (one request each): one rollout of `all`.
  CommandResult renew = Plugin({"renew", "app-0", "app-1", "app-2", "app-3",
                                "app-4", "-n", ns_, "--wait=60s"});
  ASSERT_TRUE(renew.ok()) << renew.output;
  ASSERT_TRUE(Eventually([&] { return ReplicaSets(ns_, "all").size() == 2; },
                         std::chrono::seconds(30)))
      << OperatorLog();
  ASSERT_TRUE(
      Eventually([&] { return ReplicaSets(ns_, "envfrom").size() == 2; },
                 std::chrono::seconds(30)));
  std::string events = EventsMentioning({"RestartedForNewStores"});
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(events.find("app-" + std::to_string(i) + "-stores"),
              std::string::npos)
        << "one restart names every Secret renewed in the window\n"
        << events;
  // The new pods start with exactly the stores as they are now.
  std::string new_record = DeploymentAnnotation(ns_, "all", kRecordPath);
  EXPECT_NE(new_record, all_record);
  std::set<std::string> records;
  for (const auto& [rs, record] : ReplicaSets(ns_, "all"))
    records.insert(record);
  EXPECT_EQ(records, (std::set<std::string>{"", new_record}));
  EXPECT_NE(DeploymentAnnotation(
                ns_, "all",
                "{.spec.template.metadata.annotations.certstore\\.dev/"
                "restarted-at}"),
            "");
  // No kubelet runs the new pods, so the rollout never finishes: the
  // workload still runs pods from before the change, and says so.
  EXPECT_TRUE(Eventually(
      [&] { return PendingSample(metrics_port_, ns_, "all") == "1"; },
      std::chrono::seconds(20)))
      << PendingSample(metrics_port_, ns_, "all");
  // Nothing more follows (no restart per Secret), and `plain` never moves.
  std::this_thread::sleep_for(
      std::chrono::seconds(kRestartWindowSeconds * 2 + 2));
  EXPECT_EQ(ReplicaSets(ns_, "all").size(), 2u);
  EXPECT_EQ(ReplicaSets(ns_, "envfrom").size(), 2u);
  EXPECT_EQ(ReplicaSets(ns_, "plain").size(), 1u);

  // A renewal by time (about a minute after its first issue) rolls its
  // workload too.
  ASSERT_TRUE(Eventually([&] { return ReplicaSets(ns_, "timed").size() == 2; },
                         std::chrono::seconds(120)))
      << CertStoreField("timed", "{.status}") << OperatorLog();
  EXPECT_EQ(ReplicaSets(ns_, "all").size(), 2u)
      << "another CertStore's renewal restarts only its own readers";
}

// A CA rotation with two opted-in workloads (a server and a client): each is
// restarted for the new trust, before any certificate from the new CA
// exists, and again for its new certificate.
TEST_F(OperatorIT, RestartOnChangeFollowsACaRotationTrustFirst) {
  std::string dir =
      "/tmp/operator-restart-rotation-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  OpensslRoot one = MakeOpensslRoot(dir, "Restart Root One"),
              two = MakeOpensslRoot(dir, "Restart Root Two");
  ApplyCaSecret("rr-ca", one);
  ASSERT_TRUE(ApplyRotationPair("rr", "rr-ca")) << OperatorLog();
  Apply(
      DeploymentYaml("server", true, "[" + SecretVolume("server-stores") + "]",
                     "[" + Mount("server-stores") + "]") +
      DeploymentYaml("client", true, "[" + SecretVolume("client-stores") + "]",
                     "[" + Mount("client-stores") + "]"));
  for (const char* app : {"server", "client"})
    ASSERT_TRUE(Eventually(
        [&] { return !DeploymentAnnotation(ns_, app, kRecordPath).empty(); },
        std::chrono::seconds(30)))
        << app;

  // Every version of both Secrets, and when each ReplicaSet first appeared.
  SecretPairHistory history(env, {ns_, "server-stores"},
                            {ns_, "client-stores"});
  history.Start();
  std::map<std::string, std::pair<SteadyClock::time_point, std::string>>
      rs_seen;
  std::atomic<bool> stop{false};
  std::thread rs_poller([&] {
    while (!stop) {
      for (const char* app : {"server", "client"})
        for (const auto& [name, record] : ReplicaSets(ns_, app))
          if (!rs_seen.count(name))
            rs_seen[name] = {SteadyClock::now(),
                             std::string(app) + "|" + record};
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ApplyCaSecret("rr-ca", two);
  pki::X509Ptr old_root = FirstCert(one.crt), new_root = FirstCert(two.crt);
  ASSERT_TRUE(old_root && new_root);
  bool done = WaitRotatedTo("rr", pki::FingerprintSha256(new_root.get()));
  // The last change (the old root leaving) is restarted for a window later.
  std::this_thread::sleep_for(std::chrono::seconds(kRestartWindowSeconds + 3));
  stop = true;
  rs_poller.join();
  history.Stop();
  ASSERT_TRUE(done) << OperatorLog();

  // When the first certificate from the new CA appeared (either Secret).
  SteadyClock::time_point first_new_leaf = SteadyClock::time_point::max();
  for (const auto& [rv, v] : history.versions())
    if (LeafFrom(v.secret, new_root.get()))
      first_new_leaf = std::min(first_new_leaf, v.first_seen);
  ASSERT_NE(first_new_leaf, SteadyClock::time_point::max());
  // Per workload: a rollout for "trusts the new root, old certificate"
  // that appeared before any new certificate, and a later one for its new
  // certificate. The pod template's record names the Secret's data digest.
  for (const char* app : {"server", "client"}) {
    std::string secret = std::string(app) + "-stores";
    bool trust_first = false, identity_later = false;
    for (const auto& [rs, seen] : rs_seen) {
      if (seen.second.rfind(std::string(app) + "|", 0) != 0) continue;
      std::string record = seen.second.substr(std::string(app).size() + 1);
      for (const auto& [rv, v] : history.versions()) {
        if (v.secret.metadata.name != secret) continue;
        std::string digest = engine::DataDigest(v.secret.data).substr(0, 16);
        if (record != secret + "=" + digest) continue;
        if (Trusts(v.secret, new_root.get()) &&
            LeafFrom(v.secret, old_root.get()) && seen.first < first_new_leaf)
          trust_first = true;
        if (LeafFrom(v.secret, new_root.get()) && seen.first > first_new_leaf)
          identity_later = true;
      }
    }
    EXPECT_TRUE(trust_first)
        << app << ": no restart for the new trust before certificates moved";
    EXPECT_TRUE(identity_later)
        << app << ": no restart for the new certificate";
  }
  std::string events = EventsMentioning({"RestartedForNewStores"});
  EXPECT_NE(events.find("server-stores"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certstore
