// The worker count the operator starts with: by default eight per CPU it may
// use (affinity mask and cgroup limit), logged at start; a count given on
// the command line is the number of reconcile threads it starts, and idle
// ones end after --worker-idle-timeout down to two (growth under load:
// WorkerPoolTest); a bad value stops it before it touches the cluster,
// naming the flag and the value (every bad form:
// CpusTest.ParsesTheWorkersFlag).
#include <dirent.h>

#include <chrono>
#include <thread>

#include "operator/common/cpus.h"
#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

// Waits (bounded) for `pid` to exit; its exit code, or -1 if it did not.
int WaitExit(pid_t pid, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

// Threads of `pid` whose name starts with "reconcile-".
int ReconcileThreads(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string comm = ReadFile(dir + "/" + e->d_name + "/comm").value_or("");
    if (comm.rfind("reconcile-", 0) == 0) ++n;
  }
  closedir(d);
  return n;
}

// The operator's "starting" log line in `log`, or "".
std::string StartingLine(const std::string& log) {
  std::istringstream in(ReadFile(log).value_or(""));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"msg\":\"starting\"") != std::string::npos) return line;
  }
  return "";
}

std::string Readyz(int port) {
  CommandResult r =
      RunCommand({"curl", "-sS", "--max-time", "3",
                  "http://127.0.0.1:" + std::to_string(port) + "/readyz"});
  return r.ok() ? r.output : "";
}

std::string WorkersField(int n) {
  return "\"workers\":\"" + std::to_string(n) + "\"";
}

TEST_F(OperatorIT, WorkersDefaultToEightPerUsableCpu) {
  int cpus = UsableCpus();
  std::string line;
  EXPECT_TRUE(Eventually([&] { return !(line = StartingLine(log_)).empty(); },
                         std::chrono::seconds(30)))
      << LogTail(log_);
  EXPECT_NE(line.find(WorkersField(DefaultWorkers(cpus))), std::string::npos)
      << line;
  EXPECT_NE(line.find("\"usableCPUs\":\"" + std::to_string(cpus) + "\""),
            std::string::npos)
      << line;
  // The workers start once the caches have synced and name themselves;
  // however busy the suite keeps it, never more than the count.
  int threads = -1;
  EXPECT_TRUE(Eventually(
      [&] {
        threads = ReconcileThreads(pid_);
        return threads >= 2 && threads <= DefaultWorkers(cpus);
      },
      std::chrono::seconds(30)))
      << threads;
}

TEST_F(OperatorIT, AWorkerCountStartsThatManyThreadsAndIdleOnesEnd) {
  int health = FreeLoopbackPort();
  std::string log = log_ + ".workers3";
  pid_t pid = SpawnOperator(
      {"--kubeconfig", sa_kubeconfig_, "--cluster-resource-namespace", crns_,
       "--leader-elect", "--health-probe-bind-address",
       "127.0.0.1:" + std::to_string(health), "--metrics-bind-address", "0",
       "--workers", "3", "--worker-idle-timeout", "5s"},
      log);
  ASSERT_GT(pid, 0);
  // A standby beside the suite's operator (which holds the Lease): caches
  // synced, workers running, nothing written.
  bool standby = Eventually([&] { return Readyz(health) == "ok (standby)\n"; },
                            std::chrono::seconds(60));
  // /readyz says standby once the caches have synced; the workers start
  // right after, and name themselves. Nothing to do: after 5 s one ends
  // (an event the standby drops may bring it back for a while: only the
  // ending is asserted here; WorkerPoolTest covers the rest).
  int threads = -1;
  bool three =
      standby &&
      Eventually([&] { return (threads = ReconcileThreads(pid)) == 3; },
                 std::chrono::seconds(30), std::chrono::milliseconds(20));
  int after = -1;
  bool two =
      three && Eventually([&] { return (after = ReconcileThreads(pid)) == 2; },
                          std::chrono::seconds(30));
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitExit(pid, std::chrono::seconds(kShutdownTimeoutSeconds + 5)), 0)
      << LogTail(log);
  EXPECT_TRUE(standby) << LogTail(log);
  EXPECT_TRUE(three) << threads << " reconcile threads";
  EXPECT_TRUE(two) << after << " reconcile threads once idle";
  EXPECT_NE(StartingLine(log).find(WorkersField(3)), std::string::npos)
      << LogTail(log);
  std::remove(log.c_str());
}

TEST_F(OperatorIT, ABadWorkerFlagIsRefusedAtStart) {
  struct Case {
    std::string flag, value, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--workers", "4x",
            "--workers: want a whole number from 1 to 64, or auto; got \"4x\""},
           {"--worker-idle-timeout", "0s",
            "--worker-idle-timeout: want a positive duration such as 30s"},
           {"--worker-idle-timeout", "soon",
            "--worker-idle-timeout: want a positive duration such as 30s"},
       }) {
    std::string log = log_ + ".badworkers";
    pid_t pid = SpawnOperator(
        {"--kubeconfig", sa_kubeconfig_, "--cluster-resource-namespace", crns_,
         "--health-probe-bind-address", "0", "--metrics-bind-address", "0",
         c.flag, c.value},
        log);
    ASSERT_GT(pid, 0);
    EXPECT_EQ(WaitExit(pid, std::chrono::seconds(10)), 2)
        << c.flag << " " << c.value << "\n"
        << LogTail(log);
    std::string text = ReadFile(log).value_or("");
    EXPECT_NE(text.find(c.message), std::string::npos) << text;
    // Refused before it started anything.
    EXPECT_EQ(text.find("\"msg\":\"starting\""), std::string::npos) << text;
    std::remove(log.c_str());
  }
}

}  // namespace
}  // namespace certstore
