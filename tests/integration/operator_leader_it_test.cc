// Leader election with two operator processes: exactly one reconciles and
// writes, the other keeps warm caches and only reads; SIGKILL the leader
// (no Lease release) and the standby takes over within the lease duration
// and completes the work that arrived meanwhile.
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

std::string Get(const std::string& url) {
  CommandResult r = RunCommand({"curl", "-sS", "--max-time", "3", url});
  return r.ok() ? r.output : "";
}

// Successful write requests (POST, PUT, PATCH, DELETE answered 2xx) in an
// operator's own metrics. A standby's lost race for the Lease (409) is not
// a write.
int Writes(const std::string& metrics) {
  int n = 0;
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("certstore_api_requests_total{", 0) != 0) continue;
    if (line.find("code=\"2") == std::string::npos) continue;
    for (const char* verb :
         {"verb=\"POST\"", "verb=\"PUT\"", "verb=\"PATCH\"", "verb=\"DELETE\""})
      if (line.find(verb) != std::string::npos)
        n += std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  }
  return n;
}

// A candidate's leadership history: its log lines about the Lease.
std::string LeadershipLines(const std::string& log_path) {
  std::string text = ReadFile(log_path).value_or(""), out, line;
  std::istringstream in(text);
  while (std::getline(in, line))
    if (line.find("leader") != std::string::npos ||
        line.find("Lease") != std::string::npos)
      out += line + "\n";
  return out;
}

TEST_F(OperatorIT, OneLeaderWritesAndAStandbyTakesOverAfterSigkill) {
  // The suite's operator steps aside (SIGTERM releases its Lease).
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  struct Candidate {
    pid_t pid;
    int health, metrics;
    std::string log;
  };
  std::vector<Candidate> c;
  for (int i = 0; i < 2; ++i) {
    Candidate x{-1, FreeLoopbackPort(), FreeLoopbackPort(),
                log_ + ".c" + std::to_string(i)};
    x.pid = SpawnOperator(
        {"--kubeconfig", sa_kubeconfig_, "--cluster-resource-namespace", crns_,
         "--leader-elect", "--health-probe-bind-address",
         "127.0.0.1:" + std::to_string(x.health), "--metrics-bind-address",
         "127.0.0.1:" + std::to_string(x.metrics)},
        x.log);
    c.push_back(x);
  }
  auto readyz = [&](const Candidate& x) {
    return Get("http://127.0.0.1:" + std::to_string(x.health) + "/readyz");
  };
  int leader = -1;
  ASSERT_TRUE(Eventually(
      [&] {
        std::string a = readyz(c[0]), b = readyz(c[1]);
        if (a == "ok (leader)\n" && b == "ok (standby)\n") leader = 0;
        if (b == "ok (leader)\n" && a == "ok (standby)\n") leader = 1;
        return leader >= 0;
      },
      std::chrono::seconds(90)))
      << ReadFile(c[0].log).value_or("") << ReadFile(c[1].log).value_or("");
  const Candidate& lead = c[leader];
  const Candidate& standby = c[1 - leader];

  Apply(Issuer("team") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: one}\n"
        "spec:\n  issuerRef: {name: team}\n  secretName: one-stores\n  "
        "keystore: {commonName: one}\n");
  ASSERT_TRUE(WaitReady("one", "True")) << ReadFile(lead.log).value_or("");
  passwords_.push_back(Secret("one-stores")->data["password"]);
  std::string standby_metrics =
      Get("http://127.0.0.1:" + std::to_string(standby.metrics) + "/metrics");
  EXPECT_NE(standby_metrics.find("certstore_leader_status 0"),
            std::string::npos);
  EXPECT_EQ(Writes(standby_metrics), 0)
      << "the standby wrote:\n"
      << standby_metrics << "\nleader's Lease history:\n"
      << LeadershipLines(lead.log) << "standby's Lease history:\n"
      << LeadershipLines(standby.log);
  EXPECT_GT(Writes(Get("http://127.0.0.1:" + std::to_string(lead.metrics) +
                       "/metrics")),
            0);
  // The standby's warm cache already knows the CertStore.
  EXPECT_NE(standby_metrics.find("name=\"one\""), std::string::npos);

  // SIGKILL the leader: its Lease stays held until it expires (15 s).
  kill(lead.pid, SIGKILL);
  waitpid(lead.pid, nullptr, 0);
  auto killed = std::chrono::steady_clock::now();
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "two}\n"
      "spec:\n  issuerRef: {name: team}\n  secretName: two-stores\n  keystore: "
      "{commonName: two}\n");
  ASSERT_TRUE(WaitReady("two", "True", "", std::chrono::seconds(60)))
      << ReadFile(standby.log).value_or("");
  auto took = std::chrono::steady_clock::now() - killed;
  // Lease duration 15 s + a 2 s retry period, the first list-and-reconcile
  // as leader, and slack for sanitizer builds (35 s seen under ASan).
  EXPECT_LT(took, std::chrono::seconds(45))
      << std::chrono::duration_cast<std::chrono::seconds>(took).count() << " s";
  EXPECT_EQ(readyz(standby), "ok (leader)\n");
  passwords_.push_back(Secret("two-stores")->data["password"]);

  kill(standby.pid, SIGTERM);
  int status = 0;
  waitpid(standby.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (const auto& x : c) {
    std::string text = ReadFile(x.log).value_or("");
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
    std::remove(x.log.c_str());
  }
  // The suite's operator comes back for the remaining tests (its log so far
  // is checked here, as TearDownTestSuite checks the new one).
  std::string old_log = OperatorLog();
  EXPECT_EQ(old_log.find("PRIVATE KEY"), std::string::npos);
  for (const auto& pw : passwords_)
    EXPECT_EQ(old_log.find(pw), std::string::npos);
  pid_ = SpawnOperator(operator_args_, log_);
  ASSERT_GT(pid_, 0);
  EXPECT_TRUE(Eventually(
      [&] {
        return Get("http://127.0.0.1:" + std::to_string(health_port_) +
                   "/readyz") == "ok (leader)\n";
      },
      std::chrono::seconds(90)))
      << OperatorLog();
}

}  // namespace
}  // namespace certstore
