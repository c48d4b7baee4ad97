// A real Prometheus server (the `prometheus` binary on PATH) for the
// operator integration tests: it listens on a free 127.0.0.1 port, scrapes
// one target every second and answers the HTTP query API. Shared by
// operator_metrics_it_test.cc (series and their staleness) and
// operator_dashboard_it_test.cc (every Grafana panel query). Not
// thread-safe; one server at a time per test process (its directory is
// named after the PID).
#ifndef CERTSTORE_TESTS_INTEGRATION_PROMETHEUS_SERVER_H_
#define CERTSTORE_TESTS_INTEGRATION_PROMETHEUS_SERVER_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "operator/common/files.h"
#include "tests/integration/operator_fixture.h"  // FreeLoopbackPort
#include "tests/support/kube_test_env.h"

namespace certstore {

// Scrapes `target` (host:port, path /metrics) every second from
// construction; stopped (by PID) and its data removed when destroyed. The
// server takes a moment to start: callers poll the query methods, which
// return "" until it answers.
class PrometheusServer {
 public:
  explicit PrometheusServer(const std::string& target) {
    dir_ = "/tmp/certstore-prom-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_ + "/data");
    port_ = FreeLoopbackPort();
    std::string config =
        "global: {scrape_interval: 1s, scrape_timeout: 1s, "
        "evaluation_interval: 1s}\n"
        "scrape_configs:\n  - job_name: certstore-operator\n    "
        "static_configs:\n"
        "      - targets: ['" +
        target + "']\n";
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/prometheus.yml", config).ok());
    pid_ = fork();
    if (pid_ == 0) {
      int fd = ::open((dir_ + "/prometheus.log").c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::string listen =
          "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      std::string cfg = "--config.file=" + dir_ + "/prometheus.yml";
      std::string data = "--storage.tsdb.path=" + dir_ + "/data";
      execlp("prometheus", "prometheus", cfg.c_str(), data.c_str(),
             listen.c_str(), "--web.enable-lifecycle", nullptr);
      _exit(127);
    }
  }
  ~PrometheusServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // The raw JSON answer of an instant query at the current time ("" when
  // unreachable).
  std::string Query(const std::string& promql) {
    return Get("/api/v1/query", {"query=" + promql});
  }
  // The raw JSON answer of a range query from `start` to `end` (unix
  // seconds) every `step_seconds`, as Grafana sends for a graph ("" when
  // unreachable).
  std::string QueryRange(const std::string& promql, int64_t start, int64_t end,
                         int step_seconds) {
    return Get(
        "/api/v1/query_range",
        {"query=" + promql, "start=" + std::to_string(start),
         "end=" + std::to_string(end), "step=" + std::to_string(step_seconds)});
  }
  // The raw JSON answer of /api/v1/label/<label>/values over the series
  // that match selector `match` (what Grafana's label_values(match, label)
  // asks); "" when unreachable.
  std::string LabelValues(const std::string& label, const std::string& match) {
    return Get("/api/v1/label/" + label + "/values", {"match[]=" + match});
  }
  std::string Log() { return ReadFile(dir_ + "/prometheus.log").value_or(""); }

 private:
  // GET `path` with URL-encoded `params` (each "name=value").
  std::string Get(const std::string& path,
                  const std::vector<std::string>& params) {
    std::vector<std::string> argv = {
        "curl", "-sS", "--max-time",
        "5",    "-G",  "http://127.0.0.1:" + std::to_string(port_) + path};
    for (const auto& p : params) {
      argv.push_back("--data-urlencode");
      argv.push_back(p);
    }
    CommandResult r = RunCommand(argv);
    return r.ok() ? r.output : "";
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace certstore

#endif  // CERTSTORE_TESTS_INTEGRATION_PROMETHEUS_SERVER_H_
