// A server's and a client's Secret, recorded while something changes them
// (a CA rotation): every version either had, when it was first and last
// seen, and which versions existed at the same moment. Polls both every
// 100 ms on its own thread between Start() and Stop().
#ifndef CERTSTORE_TESTS_INTEGRATION_SECRET_PAIR_HISTORY_H_
#define CERTSTORE_TESTS_INTEGRATION_SECRET_PAIR_HISTORY_H_

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "operator/api/parse.h"
#include "operator/pki/certificate.h"
#include "tests/support/kube_test_env.h"

namespace certstore {

class SecretPairHistory {
 public:
  using Clock = std::chrono::steady_clock;
  // What a Secret version holds, as far as a rotation is concerned.
  struct Version {
    api::SecretObject secret;
    std::string leaf_issuer;        // issuer DN of the certificate
    std::set<std::string> trusted;  // subject DNs in ca.crt (the trust)
    Clock::time_point first_seen, last_seen;
  };
  struct Ref {
    std::string ns, name;
  };

  SecretPairHistory(KubeTestEnv* env, Ref server, Ref client)
      : env_(env), refs_{std::move(server), std::move(client)} {}
  ~SecretPairHistory() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        Poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // After Stop(): versions by resourceVersion, and the (server, client)
  // resourceVersion pairs that existed together.
  const std::map<std::string, Version>& versions() const { return versions_; }
  const std::set<std::pair<std::string, std::string>>& together() const {
    return together_;
  }
  bool IsServer(const Version& v) const {
    return v.secret.metadata.namespace_ == refs_[0].ns &&
           v.secret.metadata.name == refs_[0].name;
  }

 private:
  std::optional<api::SecretObject> Get(const Ref& r) {
    CommandResult out =
        env_->Kubectl({"-n", r.ns, "get", "secret", r.name, "-o", "json"});
    if (!out.ok()) return std::nullopt;
    auto s = api::ParseSecret(out.output);
    if (!s.ok()) return std::nullopt;
    return std::move(s).value();
  }

  void Poll() {
    std::optional<api::SecretObject> both[2] = {Get(refs_[0]), Get(refs_[1])};
    auto now = Clock::now();
    if (!both[0] || !both[1]) return;
    std::lock_guard<std::mutex> lock(mu_);
    std::string rvs[2];
    for (int i = 0; i < 2; ++i) {
      api::SecretObject& s = *both[i];
      rvs[i] = s.metadata.resource_version;
      auto it = versions_.find(rvs[i]);
      if (it == versions_.end()) {
        Version v;
        v.first_seen = now;
        auto leaf = pki::ParseCertificatesPem(s.data["tls.crt"]);
        if (leaf.ok()) v.leaf_issuer = pki::IssuerText(leaf->front().get());
        auto bundle = pki::ParseCertificatesPem(s.data["ca.crt"]);
        if (bundle.ok())
          for (const auto& c : *bundle)
            v.trusted.insert(pki::SubjectText(c.get()));
        v.secret = std::move(s);
        it = versions_.emplace(rvs[i], std::move(v)).first;
      }
      it->second.last_seen = now;
    }
    together_.insert({rvs[0], rvs[1]});
  }

  KubeTestEnv* env_;
  Ref refs_[2];
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, Version> versions_;                 // GUARDED_BY(mu_)
  std::set<std::pair<std::string, std::string>> together_;  // GUARDED_BY(mu_)
};

}  // namespace certstore

#endif  // CERTSTORE_TESTS_INTEGRATION_SECRET_PAIR_HISTORY_H_
