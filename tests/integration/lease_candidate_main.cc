// A leader-election candidate for the contention test:
//   lease_candidate KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_S RENEW_S RETRY_S
// Prints "LEADING <identity>" when it becomes leader and "STOPPED <identity>"
// when it stops leading; on SIGTERM it releases the Lease and exits 0.
#include <signal.h>

#include <iostream>
#include <thread>

#include "operator/kube/client.h"
#include "operator/kube/config.h"
#include "operator/kube/leader_election.h"

using namespace certstore;  // NOLINT(build/namespaces): a tiny test binary

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: lease_candidate KUBECONFIG NS LEASE ID LEASE_S "
                 "RENEW_S RETRY_S\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto cfg = kube::LoadConfig(argv[1], "");
  if (!cfg.ok()) {
    std::cerr << cfg.status() << "\n";
    return 1;
  }
  auto transport = kube::NewHttpTransport(std::move(cfg).value());
  if (!transport.ok()) {
    std::cerr << transport.status() << "\n";
    return 1;
  }
  kube::Client client(**transport);
  kube::LeaderElectionConfig lc;
  lc.ns = argv[2];
  lc.name = argv[3];
  lc.identity = argv[4];
  lc.lease_duration = std::chrono::seconds(std::atoi(argv[5]));
  lc.renew_deadline = std::chrono::seconds(std::atoi(argv[6]));
  lc.retry_period = std::chrono::seconds(std::atoi(argv[7]));
  kube::LeaderElector elector(client, lc, SystemClock::Get());

  std::thread signals([&] {
    int sig = 0;
    sigwait(&set, &sig);
    elector.Stop();
  });
  kube::LeaderElector::Callbacks cb;
  cb.started = [&] { std::cout << "LEADING " << lc.identity << std::endl; };
  cb.stopped = [&](const std::string&) {
    std::cout << "STOPPED " << lc.identity << std::endl;
  };
  elector.Run(cb);
  signals.join();
  return 0;
}
