// Hostile bytes (issue 15): PKCS#12 stores whose iteration counts would pin
// a thread for minutes are refused before any key derivation, so the
// operator stays ready, serves a new CertStore within seconds and repairs
// the Secret; labelled Secrets it did not write are never cached with their
// data, so tenants cannot size its memory or feed it bytes to parse.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "operator/common/base64.h"
#include "operator/kube/client.h"
#include "operator/kube/config.h"
#include "operator/kube/resource.h"
#include "tests/integration/operator_fixture.h"
#include "tests/pki/pki_fixture.h"

namespace certstore {
namespace {

using pki::testing::WithMacIterations;

TEST_F(OperatorIT, HostilePkcs12IterationCountsDoNotStallTheOperator) {
  Apply(Issuer("hostile") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: victim}\n"
        "spec:\n  issuerRef: {name: hostile}\n  secretName: victim-stores\n"
        "  keystore: {commonName: victim}\n  truststore: {}\n  formats: "
        "[PKCS12]\n");
  ASSERT_TRUE(WaitReady("victim", "True"))
      << Condition("victim", "Ready", "message");
  auto secret = Secret("victim-stores");
  ASSERT_TRUE(secret.has_value());
  passwords_.push_back(secret->data.at("password"));
  std::string ks =
      WithMacIterations(secret->data.at("keystore.p12"), 2147483647);
  std::string ts =
      WithMacIterations(secret->data.at("truststore.p12"), 2147483647);
  ASSERT_FALSE(ks.empty() || ts.empty());
  // The tenant plants 2^31-1 iterations (about ten minutes of PBKDF2 each).
  CommandResult patched = env->Kubectl(
      {"-n", ns_, "patch", "secret", "victim-stores", "--type=merge", "-p",
       "{\"data\":{\"keystore.p12\":\"" + Base64Encode(ks) +
           "\",\"truststore.p12\":\"" + Base64Encode(ts) + "\"}}"});
  ASSERT_TRUE(patched.ok()) << patched.output;

  // A new CertStore is served within seconds, and the operator stays ready.
  auto started = std::chrono::steady_clock::now();
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "after}\n"
      "spec:\n  issuerRef: {name: hostile}\n  secretName: after-stores\n"
      "  keystore: {commonName: after}\n");
  ASSERT_TRUE(WaitReady("after", "True", "", std::chrono::seconds(30)))
      << Condition("after", "Ready", "message");
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(30));
  CommandResult readyz = RunCommand(
      {"curl", "-sS", "-f", "--max-time", "5",
       "http://127.0.0.1:" + std::to_string(health_port_) + "/readyz"});
  EXPECT_TRUE(readyz.ok()) << readyz.output;

  // The victim's stores are rewritten: the hostile bytes are gone.
  EXPECT_TRUE(Eventually(
      [&] {
        auto now = Secret("victim-stores");
        return now && now->data.at("keystore.p12") != ks &&
               now->data.at("truststore.p12") != ts;
      },
      std::chrono::seconds(30)));
  EXPECT_TRUE(WaitReady("victim", "True"));
}

double MetricValue(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::atof(text.c_str() + at + series.size() + 2);
}

int64_t RssKiB(pid_t pid) {
  std::string status =
      ReadFile("/proc/" + std::to_string(pid) + "/status").value_or("");
  size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::atoll(status.c_str() + at + 6);
}

// `n` Secrets named `prefix`-i in `ns`, `bytes` of data each, dressed as
// the operator's own: managed-by label, certstore annotation and a
// controller ownerReference to CertStore `owner` (UID `uid`). Created by
// four writers through the admin kubeconfig.
void CreateForgedSecrets(
    const std::string& ns, const std::string& prefix, int n, size_t bytes,
    const std::string& owner, const std::string& uid,
    const std::map<std::string, std::string>& extra_data = {}) {
  std::string blob = Base64Encode(std::string(bytes, 'z'));
  std::string extra;
  for (const auto& [k, v] : extra_data)
    extra += ",\"" + k + "\":\"" + Base64Encode(v) + "\"";
  std::atomic<int> next{0}, failed{0};
  std::string first_error;
  std::mutex mu;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&] {
      auto config = kube::LoadConfig(env->kubeconfig(), "");
      if (!config.ok()) {
        ++failed;
        return;
      }
      auto transport = kube::NewHttpTransport(std::move(config).value());
      if (!transport.ok()) {
        ++failed;
        return;
      }
      kube::Client client(**transport);
      for (int i = next++; i < n; i = next++) {
        auto r = client.Create(
            kube::SecretsResource(), ns,
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
            "\"" +
                prefix + "-" + std::to_string(i) +
                "\",\"labels\":{\"app.kubernetes.io/"
                "managed-by\":\"certstore-operator\"},"
                "\"annotations\":{\"certstore.dev/certstore\":\"" +
                owner +
                "\"},\"ownerReferences\":[{\"apiVersion\":\"certstore.dev/"
                "v1alpha1\",\"kind\":"
                "\"CertStore\",\"name\":\"" +
                owner + "\",\"uid\":\"" + uid +
                "\",\"controller\":true}]},\"data\":{\"blob\":\"" + blob +
                "\"" + extra + "}}");
        if (!r.ok()) {
          std::lock_guard<std::mutex> l(mu);
          if (first_error.empty()) first_error = r.status().ToString();
          ++failed;
        }
      }
    });
  for (auto& t : writers) t.join();
  ASSERT_EQ(failed.load(), 0) << first_error;
}

// A tenant labels, annotates and "owns" (a controller ownerReference to its
// own live CertStore) 500 Secrets of 1 MiB each, one of them with a
// 2^31-1-iteration truststore: none of it is cached with its data or
// parsed. The operator's memory stays near where it was, it stays ready,
// the CertStore keeps its real Secret, and a new CertStore is served
// within seconds.
TEST_F(OperatorIT, ForgedLabelledSecretsAreNeitherCachedNorParsed) {
  Apply(Issuer("forge") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: decoy}\n"
        "spec:\n  issuerRef: {name: forge}\n  secretName: decoy-stores\n"
        "  keystore: {commonName: decoy}\n  truststore: {}\n  formats: "
        "[PKCS12]\n");
  ASSERT_TRUE(WaitReady("decoy", "True"))
      << Condition("decoy", "Ready", "message");
  auto real = Secret("decoy-stores");
  ASSERT_TRUE(real.has_value());
  passwords_.push_back(real->data.at("password"));
  std::string uid =
      Jsonpath("certstore.certstore.dev", "decoy", "{.metadata.uid}");
  ASSERT_FALSE(uid.empty());
  std::string hostile =
      WithMacIterations(real->data.at("truststore.p12"), 2147483647);
  ASSERT_FALSE(hostile.empty());

  std::string metrics_url =
      "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics";
  auto metadata_only = [&] {
    CommandResult m =
        RunCommand({"curl", "-sS", "--max-time", "5", metrics_url});
    return MetricValue(
        m.output,
        "certstore_cached_objects{resource=\"secrets\",payload=\"metadata\"}");
  };
  double before = metadata_only();
  ASSERT_GE(before, 0) << "certstore_cached_objects missing";
  // The decoy's own Secret is cached as a digest: its keystore, key and
  // password are not held between reconciles.
  EXPECT_GE(
      MetricValue(
          RunCommand({"curl", "-sS", "--max-time", "5", metrics_url}).output,
          "certstore_cached_objects{resource=\"secrets\","
          "payload=\"digest\"}"),
      1);
  int64_t rss_before = RssKiB(pid_);
  ASSERT_GT(rss_before, 0);

#ifdef CERTSTORE_SANITIZED
  // ASan keeps freed memory in quarantine and shadows the rest: RSS means
  // nothing there, and the payload filter is exercised by fewer.
  const int kForged = 50;
  const bool kMeasureRss = false;
#else
  const int kForged = 500;
  const bool kMeasureRss = true;
#endif
  auto t0 = std::chrono::steady_clock::now();
  CreateForgedSecrets(ns_, "forged", kForged - 1, 1000 * 1000, "decoy", uid);
  CreateForgedSecrets(
      ns_, "hostile", 1, 1000, "decoy", uid,
      {{"truststore.p12", hostile}, {"password", real->data.at("password")}});
  std::cerr << "created " << kForged << " forged Secrets in "
            << std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " s\n";
  // The operator has seen every one of them (as metadata).
  ASSERT_TRUE(Eventually([&] { return metadata_only() >= before + kForged; },
                         std::chrono::seconds(120)))
      << metadata_only();

  // Memory: metadata, not 500 MiB of data. (RSS may briefly rise while an
  // event is decoded; freed heap is handed back when the work queue
  // drains.) Runs on this machine grow 6-11 MiB, but the fresh-clone CI runs
  // of session 11 measured +58 and +60 MiB twice (cause not found yet:
  // glibc keeping decode buffers of the 1 MiB events): the bound is a fifth
  // of the data, far from "cached".
  constexpr int64_t kBoundKiB = 100 * 1024;
  int64_t grown = 0;
  Eventually(
      [&] {
        grown = RssKiB(pid_) - rss_before;
        return grown < kBoundKiB;
      },
      // Freed heap goes back when the work queue drains (at most every
      // 10 s); on a loaded 2-core machine that can take a while.
      std::chrono::seconds(60));
  std::cerr << "operator RSS " << rss_before / 1024 << " MiB before, grew by "
            << grown / 1024 << " MiB with " << kForged
            << " forged 1 MiB Secrets\n";
  if (kMeasureRss) {
    EXPECT_LT(grown, kBoundKiB) << "RSS grew by " << grown / 1024 << " MiB";
  }

  // The operator stays ready and serves a new CertStore within seconds.
  auto started = std::chrono::steady_clock::now();
  Apply(
      "apiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: {name: "
      "after-forgery}\n"
      "spec:\n  issuerRef: {name: forge}\n  secretName: after-forgery-stores\n"
      "  keystore: {commonName: after}\n");
  ASSERT_TRUE(WaitReady("after-forgery", "True", "", std::chrono::seconds(30)))
      << Condition("after-forgery", "Ready", "message");
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(30));
  CommandResult readyz = RunCommand(
      {"curl", "-sS", "-f", "--max-time", "5",
       "http://127.0.0.1:" + std::to_string(health_port_) + "/readyz"});
  EXPECT_TRUE(readyz.ok()) << readyz.output;
  // The decoy keeps its own Secret, untouched by the forgeries.
  EXPECT_TRUE(WaitReady("decoy", "True"));
  auto still = Secret("decoy-stores");
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->data.at("keystore.p12"), real->data.at("keystore.p12"));

  // Leave nothing large behind for the tests that follow.
  CommandResult del = env->Kubectl(
      {"-n", ns_, "delete", "secrets", "-l",
       "app.kubernetes.io/managed-by=certstore-operator", "--field-selector",
       "metadata.name!=decoy-stores,metadata.name!=after-forgery-stores,"
       "metadata.name!=forge-ca",
       "--wait=false"},
      "", std::chrono::seconds(300));
  EXPECT_TRUE(del.ok()) << del.output;
}

// Key material lives in the operator's memory: it never dumps core.
TEST_F(OperatorIT, TheOperatorWritesNoCoreFile) {
  std::string limits =
      ReadFile("/proc/" + std::to_string(pid_) + "/limits").value_or("");
  size_t at = limits.find("Max core file size");
  ASSERT_NE(at, std::string::npos) << limits;
  std::string line = limits.substr(at, limits.find('\n', at) - at);
  EXPECT_NE(line.find(" 0 "), std::string::npos) << line;
  EXPECT_EQ(line.find("unlimited"), std::string::npos) << line;
}

}  // namespace
}  // namespace certstore
