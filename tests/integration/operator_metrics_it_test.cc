// Metrics end to end: a real Prometheus server scrapes the operator on
// loopback; a query returns the not-after timestamp of the certificate in
// the CertStore's Secret, and the series disappear once the CertStore is
// deleted. The exposition passes `promtool check metrics` and holds no
// secret material.
#include "operator/pki/certificate.h"
#include "tests/integration/operator_fixture.h"
#include "tests/integration/prometheus_server.h"

namespace certstore {
namespace {

TEST_F(OperatorIT, PrometheusScrapesExpiryAndForgetsDeletedCertStores) {
  std::string metrics_url =
      "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics";
  Apply(Issuer("team") +
        "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\nmetadata: "
        "{name: web}\n"
        "spec:\n  issuerRef: {name: team}\n  secretName: web-stores\n"
        "  keystore: {commonName: web}\n  truststore: {}\n  formats: [PKCS12, "
        "PEM]\n");
  ASSERT_TRUE(WaitReady("web", "True")) << OperatorLog();
  auto s = Secret("web-stores");
  ASSERT_TRUE(s.has_value());
  passwords_.push_back(s->data["password"]);
  auto chain = pki::ParseCertificatesPem(s->data["tls.crt"]);
  ASSERT_TRUE(chain.ok());
  long long not_after =
      std::chrono::duration_cast<std::chrono::seconds>(
          pki::NotAfter(chain->front().get()).time_since_epoch())
          .count();

  // The exposition is valid and holds no secret material.
  CommandResult scrape =
      RunCommand({"curl", "-sS", "-f", "--max-time", "5", metrics_url});
  ASSERT_TRUE(scrape.ok()) << scrape.output;
  ASSERT_TRUE(
      WriteFileAtomic("/tmp/certstore-scrape-" + std::to_string(getpid()),
                      scrape.output)
          .ok());
  CommandResult check =
      RunCommand({"bash", "-c",
                  "promtool check metrics < /tmp/certstore-scrape-" +
                      std::to_string(getpid())});
  std::remove(("/tmp/certstore-scrape-" + std::to_string(getpid())).c_str());
  EXPECT_TRUE(check.ok()) << check.output;
  EXPECT_EQ(scrape.output.find(s->data["password"]), std::string::npos);
  EXPECT_EQ(scrape.output.find("PRIVATE KEY"), std::string::npos);
  for (const char* name :
       {"certstore_build_info", "certstore_reconcile_total",
        "certstore_issuance_total", "certstore_api_requests_total",
        "certstore_workqueue_depth", "certstore_leader_status 1",
        "certstore_truststore_certificate_not_after_timestamp_seconds"})
    EXPECT_NE(scrape.output.find(name), std::string::npos) << name;

  PrometheusServer prometheus("127.0.0.1:" + std::to_string(metrics_port_));
  std::string selector = "{namespace=\"" + ns_ + "\",name=\"web\"}";
  std::string answer;
  EXPECT_TRUE(Eventually(
      [&] {
        answer = prometheus.Query(
            "certstore_certificate_not_after_timestamp_seconds" + selector);
        return answer.find("\"" + std::to_string(not_after) + "\"") !=
               std::string::npos;
      },
      std::chrono::seconds(60)))
      << answer << "\n"
      << prometheus.Log();
  EXPECT_NE(answer.find("\"issuer_kind\":\"CertIssuer\""), std::string::npos)
      << answer;
  EXPECT_NE(answer.find("\"secret\":\"web-stores\""), std::string::npos)
      << answer;
  answer = prometheus.Query("certstore_ready_status" +
                            selector.substr(0, selector.size() - 1) +
                            ",condition=\"True\"}");
  EXPECT_NE(answer.find("\"1\"]"), std::string::npos) << answer;

  // Deleted: its series are gone from the next scrape (staleness).
  ASSERT_TRUE(
      env->Kubectl({"-n", ns_, "delete", "certstore.certstore.dev", "web"})
          .ok());
  EXPECT_TRUE(Eventually(
      [&] {
        answer = prometheus.Query(
            "count(certstore_certificate_not_after_timestamp_seconds" +
            selector + ") or vector(0)");
        return answer.find("\"0\"]") != std::string::npos;
      },
      std::chrono::seconds(30)))
      << answer;
  answer = prometheus.Query(
      "count(certstore_truststore_certificate_not_after_timestamp_seconds" +
      selector + ") or vector(0)");
  EXPECT_NE(answer.find("\"0\"]"), std::string::npos) << answer;
}

}  // namespace
}  // namespace certstore

namespace certstore {
namespace {

// --namespaces: a second operator scoped to one namespace caches (and
// exports) only that namespace's CertStores, while the cluster-wide one
// serves both.
TEST_F(OperatorIT, NamespaceScopedOperatorSeesOnlyItsNamespaces) {
  std::string other = env->CreateNamespace();
  ASSERT_FALSE(other.empty());
  std::string store =
      Issuer("team") +
      "---\napiVersion: certstore.dev/v1alpha1\nkind: CertStore\n"
      "metadata: {name: scoped}\nspec:\n  issuerRef: {name: team}\n"
      "  secretName: scoped-stores\n  keystore: {commonName: scoped}\n";
  Apply(store);
  ASSERT_TRUE(env->Kubectl({"-n", other, "apply", "-f", "-"}, store).ok());
  ASSERT_TRUE(WaitReady("scoped", "True")) << OperatorLog();
  passwords_.push_back(Secret("scoped-stores")->data["password"]);

  int port = FreeLoopbackPort();
  std::string log = log_ + ".scoped";
  pid_t scoped = SpawnOperator(
      {"--kubeconfig", sa_kubeconfig_, "--namespaces", ns_,
       "--cluster-resource-namespace", crns_, "--metrics-bind-address",
       "127.0.0.1:" + std::to_string(port), "--health-probe-bind-address", "0",
       "--log-format", "text"},
      log);
  ASSERT_GT(scoped, 0);
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::string scrape;
  EXPECT_TRUE(Eventually(
      [&] {
        CommandResult r =
            RunCommand({"curl", "-sS", "-f", "--max-time", "5", url});
        scrape = r.ok() ? r.output : "";
        return scrape.find("namespace=\"" + ns_ + "\",name=\"scoped\"") !=
               std::string::npos;
      },
      std::chrono::seconds(120)))
      << scrape << ReadFile(log).value_or("");
  EXPECT_EQ(scrape.find("namespace=\"" + other + "\""), std::string::npos)
      << "a namespace outside --namespaces is not cached";
  // The other namespace's CertStore is still served (by the cluster-wide one).
  EXPECT_TRUE(WaitReady("scoped", "True"));
  EXPECT_TRUE(Eventually(
      [&] {
        CommandResult r = env->Kubectl(
            {"-n", other, "get", "certstore.certstore.dev", "scoped", "-o",
             "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"});
        return r.ok() && r.output == "True";
      },
      std::chrono::seconds(30)));
  // Its caches (the Secret cache lists what earlier tests left in the
  // namespace, slowly under ASan) sync before it is stopped.
  EXPECT_TRUE(Eventually(
      [&] {
        return ReadFile(log).value_or("").find("caches synced namespaces=" +
                                               ns_) != std::string::npos;
      },
      std::chrono::seconds(120)))
      << ReadFile(log).value_or("");
  kill(scoped, SIGTERM);
  int status = 0;
  waitpid(scoped, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(log).value_or("");
  std::string text = ReadFile(log).value_or("");
  EXPECT_NE(text.find("caches synced namespaces=" + ns_), std::string::npos)
      << text;
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  std::remove(log.c_str());
}

}  // namespace
}  // namespace certstore
