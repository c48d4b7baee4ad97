// Leader election with two operator processes: exactly one reconciles and
// writes, the other keeps warm caches and only reads; SIGKILL the leader
// (no Lease release) and the standby takes over within the lease duration
// and completes the work that arrived meanwhile.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

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

// One write in the API server's audit log (hack/cluster.sh writes it).
struct AuditedWrite {
  std::string user_agent, verb, received, completed;  // RFC 3339, one clock
  int code = 0;
};

std::vector<AuditedWrite> AuditedWrites() {
  std::vector<AuditedWrite> out;
  std::ifstream in(env->state_dir() + "/logs/audit.log");
  std::string line;
  auto field = [](const std::string& l, const std::string& name) {
    std::string key = "\"" + name + "\":\"";
    size_t at = l.find(key);
    if (at == std::string::npos) return std::string();
    at += key.size();
    return l.substr(at, l.find('"', at) - at);
  };
  while (std::getline(in, line)) {
    if (field(line, "stage") != "ResponseComplete") continue;
    AuditedWrite w{field(line, "userAgent"), field(line, "verb"),
                   field(line, "requestReceivedTimestamp"),
                   field(line, "stageTimestamp")};
    size_t code = line.find("\"code\":", line.find("\"responseStatus\""));
    if (code != std::string::npos) w.code = std::atoi(line.c_str() + code + 7);
    out.push_back(w);
  }
  return out;
}

// Fencing: a leader paused (SIGSTOP: a long GC pause, a frozen VM) in the
// middle of a burst loses its Lease to the standby; when it resumes, its
// workers are mid-reconcile and its elector has not yet noticed. No write
// of the old leader may start after the new leader's first write: the API
// server's audit log, by user agent (each replica names itself), proves it.
// "Start" is when the API server received it: a write whose request had
// reached the server before the pause can still complete after it (its body
// stalled by SIGSTOP; seen under ASan), which no client-side fence can
// prevent; the Secret write's resourceVersion precondition then decides.
TEST_F(OperatorIT, APausedLeaderStartsNoWriteAfterItsSuccessorsFirst) {
  ASSERT_FALSE(env->state_dir().empty());
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  struct Candidate {
    pid_t pid;
    int health, metrics;
    std::string log, agent;  // agent: "(host-pid)" in its user agent
  };
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  auto spawn = [&](int i) {
    Candidate x{-1, FreeLoopbackPort(), FreeLoopbackPort(),
                log_ + ".f" + std::to_string(i), ""};
    x.pid = SpawnOperator(
        {"--kubeconfig", sa_kubeconfig_, "--cluster-resource-namespace", crns_,
         "--leader-elect", "--health-probe-bind-address",
         "127.0.0.1:" + std::to_string(x.health), "--metrics-bind-address",
         "127.0.0.1:" + std::to_string(x.metrics)},
        x.log);
    x.agent = "(" + std::string(host) + "-" + std::to_string(x.pid) + ")";
    return x;
  };
  auto readyz = [&](const Candidate& x) {
    return Get("http://127.0.0.1:" + std::to_string(x.health) + "/readyz");
  };
  Candidate a = spawn(0);
  ProcessGuard guard_a(a.pid);
  ASSERT_TRUE(Eventually([&] { return readyz(a) == "ok (leader)\n"; },
                         std::chrono::seconds(90)))
      << ReadFile(a.log).value_or("");
  Candidate b = spawn(1);
  ProcessGuard guard_b(b.pid);
  ASSERT_TRUE(Eventually([&] { return readyz(b) == "ok (standby)\n"; },
                         std::chrono::seconds(90)))
      << ReadFile(b.log).value_or("");

  // A burst of slow work: RSA-3072 keys.
  constexpr int kStores = 24;
  std::string yaml = Issuer("fence");
  for (int i = 0; i < kStores; ++i) {
    std::string n = "f" + std::to_string(i);
    yaml +=
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: " +
        n + "}\nspec:\n  issuerRef: {name: fence}\n  secretName: " + n +
        "-stores\n  keystore:\n    commonName: " + n +
        "\n    privateKey: {algorithm: RSA, size: 3072}\n";
  }
  Apply(yaml);
  auto ready_count = [&] {
    CommandResult r =
        env->Kubectl({"-n", ns_, "get", "certstores.certstore.dev", "-o",
                      "jsonpath={range "
                      ".items[*]}{.status.conditions[?(@.type==\"Ready\")]."
                      "status}{\"\\n\"}{end}"});
    int n = 0;
    std::istringstream in(r.output);
    std::string l;
    while (std::getline(in, l)) n += l == "True";
    return n;
  };
  ASSERT_TRUE(Eventually([&] { return ready_count() >= 2; },
                         std::chrono::seconds(120),
                         std::chrono::milliseconds(50)));
  ASSERT_LT(ready_count(), kStores) << "the burst ended before the pause";

  // Pause the leader mid-burst until the standby has taken over and written.
  kill(a.pid, SIGSTOP);
  bool took_over = Eventually([&] { return readyz(b) == "ok (leader)\n"; },
                              std::chrono::seconds(60));
  bool b_wrote = took_over &&
                 Eventually(
                     [&] {
                       for (const auto& w : AuditedWrites())
                         if (w.user_agent.find(b.agent) != std::string::npos &&
                             w.code / 100 == 2)
                           return true;
                       return false;
                     },
                     std::chrono::seconds(60));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // A request the old leader's fence let through before the pause may reach
  // the server just after it resumes; nothing it begins later may. As the
  // audit log writes times (UTC, microseconds), one second after SIGCONT:
  std::string in_flight_until = [] {
    auto t = std::chrono::system_clock::now() + std::chrono::seconds(1);
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    long micros =
        static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(
                              t.time_since_epoch())
                              .count() %
                          1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, micros);
    return std::string(buf);
  }();
  kill(a.pid, SIGCONT);
  ASSERT_TRUE(took_over) << ReadFile(b.log).value_or("");
  ASSERT_TRUE(b_wrote);
  // The old leader runs again: its workers carry on where they were paused.
  std::this_thread::sleep_for(std::chrono::seconds(10));
  EXPECT_TRUE(Eventually([&] { return ready_count() == kStores; },
                         std::chrono::seconds(240)));
  EXPECT_EQ(readyz(a), "ok (standby)\n");

  std::string a_last, b_first;
  int a_writes = 0;
  for (const auto& w : AuditedWrites()) {
    if (w.code / 100 != 2) continue;
    if (w.user_agent.find(a.agent) != std::string::npos) {
      ++a_writes;
      a_last = std::max(a_last, w.received);
    } else if (w.user_agent.find(b.agent) != std::string::npos) {
      if (b_first.empty() || w.received < b_first) b_first = w.received;
    }
  }
  EXPECT_GT(a_writes, 0) << "the old leader wrote nothing before its pause";
  ASSERT_FALSE(b_first.empty());
  // Either every write of the old leader arrived before its successor's
  // first, or the late ones arrived right after it resumed: requests its
  // fence checked before the pause (no client-side fence can recall a
  // request it already let through; a write begun after the pause fails).
  if (!(a_last < b_first)) {
    EXPECT_LT(a_last, in_flight_until)
        << "a write of the old leader started after its successor's first "
           "(and after its resume: not one in flight at the pause); "
           "successor's "
           "first at "
        << b_first;
  }
  // What the old leader's workers tried after the pause was refused unsent.
  std::string a_log = ReadFile(a.log).value_or("");
  std::cerr << "old leader: "
            << (a_log.find("not the leader") != std::string::npos
                    ? "fenced writes seen in its log"
                    : "no write attempted after the pause")
            << "\n";

  guard_a.Release();
  guard_b.Release();
  for (auto* x : {&a, &b}) {
    kill(x->pid, SIGCONT);  // in case an assertion left it paused
    kill(x->pid, SIGTERM);
    int status = 0;
    waitpid(x->pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << LogTail(x->log);
    std::string text = ReadFile(x->log).value_or("");
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
    std::remove(x->log.c_str());
  }
  pid_ = SpawnOperator(operator_args_, log_);
  ASSERT_GT(pid_, 0);
  // Back and leading before the next test (or the suite's SIGTERM).
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
